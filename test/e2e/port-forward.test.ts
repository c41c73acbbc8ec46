// pachsvc port-forward and open end to end, as processes, against the local control plane: kwok answers
// the API server's pods/portforward by connecting to a local HTTP server this test starts
// (forwardPodPort), so bytes really flow pachsvc → kube-apiserver → kwok → the server. The forward must
// keep carrying requests while the service's pod is deleted and replaced, and through a rollout.
//   bash test/e2e/run.sh test/e2e/port-forward.test.ts
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KUBECTL, PACHSVC_BIN, RESTRICTED_CONTEXT, RESTRICTED_NAMESPACE, freshNamespace, kubectl, kubectlOk, pachsvc, requireRestrictedContext, waitFor, waitForReadyPods, type Namespace } from './helpers/kube.ts';
import { cleanupKwokObjects, forwardPodPort, kwokAvailable, podNames, type KwokRule } from './helpers/kwok.ts';

const SELECTOR = 'app.kubernetes.io/name=web';
const tmp = mkdtempSync(join(tmpdir(), 'pachsvc-e2e-pf-'));

function spec(name: string, env: Record<string, string> = {}, extra: Record<string, unknown> = {}): string {
  const file = join(tmp, `${name}-${randomBytes(3).toString('hex')}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      pipeline: { name },
      transform: { image: 'python:3.12-slim', cmd: ['python3', '-m', 'http.server', '8080'], env },
      service: { internal_port: 8080 },
      input: { pfs: { repo: 'data', glob: '/' } },
      ...extra,
    }),
  );
  return file;
}

interface Server {
  port: number;
  token: string;
  close(): Promise<void>;
}

/** The service's stand-in: answers "<token> <path>". */
async function startServer(): Promise<Server> {
  const token = randomBytes(6).toString('hex');
  const server = http.createServer((req, res) => res.end(`${token} ${req.url}\n`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    token,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function get(port: number, path: string, timeoutMs = 90_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** bin/pachsvc as a long-running child process. */
function spawnPachsvc(args: string[]): Running {
  const child = spawn(process.execPath, [PACHSVC_BIN, ...args], { env: { ...process.env, PACHSVC_KUBECTL: KUBECTL }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

async function localPort(run: Running, pattern: RegExp): Promise<number> {
  return waitFor(
    () => {
      if (run.child.exitCode !== null) throw new Error(`pachsvc exited ${run.child.exitCode}: ${run.stderr()}`);
      const m = pattern.exec(run.stdout());
      return m ? Number(m[1]) : undefined;
    },
    60_000,
    { intervalMs: 50, description: `pachsvc to print ${pattern}` },
  );
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

const AVAILABLE = await kwokAvailable();

describe('port-forward and open through the API server', {
  timeout: 600_000,
  skip: AVAILABLE ? false : 'the cluster has no kwok run-time CRDs (not the local cluster from test/cluster/up.sh?)',
}, () => {
  let ns: Namespace;
  let web: Server;
  const rules: KwokRule[] = [];
  const running: Running[] = [];

  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-pf');
    web = await startServer();
    // Every pod of the namespace, also those created later, forwards 8080 to the test server.
    rules.push(await forwardPodPort({ namespace: ns.name, port: 8080, target: { port: web.port } }));
    const created = await pachsvc(['create', '-f', spec('web'), '-n', ns.name, '--no-pin', '--wait', '--timeout', '90s']);
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    for (const r of running) await r.stop('SIGKILL').catch(() => {});
    for (const r of rules) await r.delete().catch(() => {});
    if (ns) {
      await cleanupKwokObjects(ns.name).catch(() => {});
      await ns.cleanup();
    }
    await web?.close();
  });

  it('bytes keep flowing through one forward while the pod is deleted and replaced, and through a rollout', async () => {
    const pf = spawnPachsvc(['port-forward', 'web', ':8080', '-n', ns.name]);
    running.push(pf);
    const port = await localPort(pf, /^Forwarding from 127\.0\.0\.1:(\d+) -> 8080$/m);
    const first = await get(port, '/before');
    assert.equal(first.status, 200);
    assert.equal(first.body, `${web.token} /before\n`);
    const [old] = await podNames(ns.name, SELECTOR);
    console.log(`# GET /before via 127.0.0.1:${port} (pod ${old}): ${first.status} ${first.body.trim()}`);

    // The pod is deleted; requests go on through the same forward while the Deployment replaces it.
    await kubectlOk(['delete', 'pod', old!, '--wait=false'], { namespace: ns.name });
    const during: string[] = [];
    let replacement: string | undefined;
    for (let i = 1; ; i++) {
      const r = await get(port, `/during-${i}`);
      assert.equal(r.status, 200, `request ${i} after the delete`);
      assert.equal(r.body, `${web.token} /during-${i}\n`);
      during.push(`${r.status}`);
      const ready = await waitForReadyPods(ns.name, SELECTOR, 1, 1_000).catch(() => undefined);
      if (ready && ready[0]!.metadata.name !== old) replacement = ready[0]!.metadata.name;
      if (replacement || i >= 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(replacement, 'the Deployment replaced the pod');
    console.log(`# pod ${old} deleted; ${during.length} request(s) answered 200 while it was replaced by ${replacement}`);
    for (const path of ['/after-1', '/after-2', '/after-3']) {
      const r = await get(port, path);
      assert.equal(r.status, 200);
      assert.equal(r.body, `${web.token} ${path}\n`);
      console.log(`# GET ${path} via 127.0.0.1:${port} after the replacement: ${r.status} ${r.body.trim()}`);
    }
    await waitFor(() => pf.stderr().includes(`now forwarding to pod ${replacement}`), 10_000, { description: 'the pod change on stderr' });
    assert.match(pf.stderr(), new RegExp(`^now forwarding to pod ${replacement} \\(${old} (was replaced|is not ready)\\)$`, 'm'));
    console.log(`# stderr: ${pf.stderr().trim().split('\n').join(' | ')}`);

    // A rollout (update): new pods under a new ReplicaSet, the old ones terminated.
    const updated = await pachsvc(['update', '-f', spec('web', { MODE: 'two' }), '-n', ns.name, '--no-pin', '--wait', '--timeout', '90s']);
    assert.equal(updated.code, 0, updated.stderr);
    const [rolled] = await waitFor(async () => {
      const pods = await waitForReadyPods(ns.name, SELECTOR, 1, 5_000);
      return pods[0]!.metadata.name !== replacement ? pods : undefined;
    }, 90_000, { description: 'the rollout to replace the pod' });
    const r = await get(port, '/after-rollout');
    assert.equal(r.body, `${web.token} /after-rollout\n`);
    console.log(`# GET /after-rollout via 127.0.0.1:${port} (pod ${rolled!.metadata.name}): ${r.status} ${r.body.trim()}`);
    assert.match(pf.stderr(), new RegExp(`^now forwarding to pod ${rolled!.metadata.name} `, 'm'));

    // Ctrl-C: exit 0, the listener closed.
    const stopped = await pf.stop('SIGINT');
    assert.deepEqual(stopped, { code: 0, signal: null }, pf.stderr());
    assert.ok(await refused(port), 'the listener is closed');
    assert.equal(pf.stdout(), `Forwarding from 127.0.0.1:${port} -> 8080\n`);
    assert.doesNotMatch(pf.stderr(), /error/i);
  });

  it('open prints a URL that serves, until SIGTERM', async () => {
    const run = spawnPachsvc(['open', 'web', '-n', ns.name]);
    running.push(run);
    const port = await localPort(run, /^http:\/\/127\.0\.0\.1:(\d+)\/$/m);
    const r = await get(port, '/from-open');
    assert.equal(r.status, 200);
    assert.equal(r.body, `${web.token} /from-open\n`);
    console.log(`# open printed ${run.stdout().trim()}; GET /from-open: ${r.status} ${r.body.trim()}`);
    assert.deepEqual(await run.stop('SIGTERM'), { code: 0, signal: null }, run.stderr());
    assert.equal(run.stderr(), '');
  });

  it('a service with no ready pod: exit 1 at --pod-running-timeout with the reason', async () => {
    // No node matches: the pod stays Pending.
    const file = spec('nowhere', {}, { scheduling_spec: { node_selector: { 'pachsvc-e2e/no-such-node': 'true' } } });
    const r0 = await pachsvc(['create', '-f', file, '-n', ns.name, '--no-pin']);
    assert.equal(r0.code, 0, r0.stderr);
    const started = Date.now();
    const r = await pachsvc(['port-forward', 'nowhere', '8080', '-n', ns.name, '--pod-running-timeout', '3s']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - started < 30_000);
    assert.match(r.stderr, /no ready pod of service "nowhere" in namespace \S+ after 3s: pod nowhere-\S+ cannot be scheduled/);
    console.log(`# ${r.stderr.trim()}`);
  });

  it('a user who may not create pods/portforward: the first connection ends the forward with exit 1, Forbidden', async () => {
    await requireRestrictedContext();
    const name = `pf-${randomBytes(3).toString('hex')}`;
    // The restricted user may not create Services: the admin creates the service in its namespace.
    const created = await pachsvc(['create', '-f', spec(name), '-n', RESTRICTED_NAMESPACE, '--no-pin', '--wait', '--timeout', '90s']);
    assert.equal(created.code, 0, created.stderr);
    try {
      const run = spawnPachsvc(['port-forward', name, ':8080', '--context', RESTRICTED_CONTEXT, '-n', RESTRICTED_NAMESPACE]);
      running.push(run);
      const port = await localPort(run, /^Forwarding from 127\.0\.0\.1:(\d+) -> 8080$/m);
      await assert.rejects(get(port, '/forbidden', 10_000));
      const exit = await run.exited;
      assert.equal(exit.code, 1, run.stderr());
      assert.match(run.stderr(), /403 Forbidden.*may not create pods\/portforward/);
      console.log(`# restricted user: ${run.stderr().trim()}`);
    } finally {
      await pachsvc(['delete', name, '-n', RESTRICTED_NAMESPACE]);
      await kubectl(['delete', 'pods', '-l', `app.kubernetes.io/name=${name}`, '--wait=false'], { namespace: RESTRICTED_NAMESPACE });
    }
  });
});
