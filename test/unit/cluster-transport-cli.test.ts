// The transport's limits and answers as a user meets them: the built CLI (bin/pachsvc, so `npm run build`
// first, as for the other CLI tests) against misbehaving local servers ends with exit 1 and one line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { kubeconfigFor, startHttpServer, startSilentServer, trickling, webServer, writeKubeconfig, type StubServer } from '../helpers/stub-network.ts';
import { ProcessGroup } from './helpers/processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const procs = new ProcessGroup();
const HANG_GUARD_MS = 30_000;
let web: StubServer;
let trickle: StubServer;
let silent: StubServer;

before(async () => {
  [web, trickle, silent] = await Promise.all([startHttpServer(webServer()), startHttpServer(trickling()), startSilentServer()]);
});
after(async () => {
  procs.killAll();
  await Promise.all([web.close(), trickle.close(), silent.close()]);
});

async function pachsvc(server: string, args: string[]) {
  const cluster = server.startsWith('https:') ? { 'insecure-skip-tls-verify': true } : {};
  const started = Date.now();
  const r = await procs.run(process.execPath, ['bin/pachsvc', ...args, '--kubeconfig', writeKubeconfig(kubeconfigFor(server, cluster))], { cwd: ROOT, timeoutMs: HANG_GUARD_MS });
  return { ...r, ms: Date.now() - started };
}

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr:\n${stderr}`);
  return lines[0]!;
}

describe('the CLI against servers that are not (or no longer) API servers', () => {
  test('delete --ignore-not-found against a web server fails: its 404 page is not "not found"', async () => {
    const r = await pachsvc(web.url, ['delete', 'x', '--ignore-not-found']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLine(r.stderr), /is not a Kubernetes API server \(HTTP 404, text\/html\)$/);
  });

  test('list --request-timeout 1s against a server trickling a byte a second ends at the deadline', async () => {
    const r = await pachsvc(trickle.url, ['list', '--request-timeout', '1s']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLine(r.stderr), /^Unable to connect to the server: the request to 127\.0\.0\.1:\d+ timed out after 1s \(--request-timeout\): answer incomplete$/);
    // Node starting and loading the CLI included: a wide bound.
    assert.ok(r.ms < 2 * 1000 + 3000, `ended after ${r.ms} ms`);
  });

  test('list with no --request-timeout against a stopped API server (accepts, never speaks) ends at the TLS handshake limit', async () => {
    const r = await pachsvc(silent.url, ['list']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLine(r.stderr), /timed out after 10s \(the TLS handshake limit\): no TLS handshake$/);
  });
});
