// A hung API server (14.2/14.3): a private control plane (its own state dir and ports, started with
// test/cluster/up.sh as test/cluster/test-up-detach.sh does), its kube-apiserver stopped with SIGSTOP:
// the port still accepts connections, but nothing answers, not even the TLS handshake. Every cluster
// command must end within its limit (the TLS handshake limit, 10 s; or --request-timeout) with one line
// on stderr. The shared cluster (.cluster/) is never stopped: only the private one's recorded PID, after
// checking it is a kube-apiserver running from the private state dir.
//   bash test/e2e/run.sh test/e2e/hung-apiserver.test.ts
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, pachsvc, run, type RunResult } from './helpers/kube.ts';
import { specFile } from './helpers/specs.ts';

const SHARED_PID_FILE = join(process.env.PACHSVC_CLUSTER_DIR || join(REPO_ROOT, '.cluster'), 'pids', 'kube-apiserver.pid');

async function cacheComplete(): Promise<boolean> {
  const r = await run('bash', ['-c', 'source test/cluster/lib.sh && cp_cache_complete']);
  return r.code === 0;
}

describe('a hung API server: every command ends within its limit, with one line (14.2, 14.3)', async () => {
  // The private cluster needs the built control-plane binaries (the local cluster's run has them).
  const cached = await cacheComplete();
  let dir = '';
  let kubeconfig = '';
  let apiPid = 0;
  let stopped = false;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pachsvc-e2e-hung-'));
    const state = join(dir, 'cluster');
    const up = await run('bash', ['test/cluster/up.sh'], { env: { ...process.env, PACHSVC_CLUSTER_DIR: state }, timeoutMs: 240_000 });
    assert.equal(up.code, 0, `private control plane did not start:\n${up.stderr.slice(-3000)}`);
    kubeconfig = join(state, 'kubeconfig');
    // A service to name (inspect, delete, logs, history), made while the API server still answers.
    const made = await pachsvc(['create', '-f', specFile('stalled'), '--kubeconfig', kubeconfig, '-n', 'default', '--wait', '--timeout', '60s']);
    assert.equal(made.code, 0, made.stderr);
    apiPid = Number(readFileSync(join(state, 'pids', 'kube-apiserver.pid'), 'utf8').trim());
    // Only ever the private one.
    assert.ok(apiPid > 1, 'a recorded PID');
    assert.match(readlinkSync(`/proc/${apiPid}/exe`), /\/kube-apiserver$/);
    assert.ok(readFileSync(`/proc/${apiPid}/cmdline`, 'utf8').includes(state), 'the private kube-apiserver (its state dir on its command line)');
    if (existsSync(SHARED_PID_FILE)) assert.notEqual(apiPid, Number(readFileSync(SHARED_PID_FILE, 'utf8').trim()), 'not the shared cluster');
    process.kill(apiPid, 'SIGSTOP');
    stopped = true;
  });

  after(async () => {
    if (stopped) {
      try {
        process.kill(apiPid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    if (dir) {
      const down = await run('bash', ['test/cluster/down.sh'], { env: { ...process.env, PACHSVC_CLUSTER_DIR: join(dir, 'cluster'), PACHSVC_CLUSTER_GRACE: '5' }, timeoutMs: 120_000 });
      if (down.code !== 0) process.stderr.write(`down.sh of the private control plane: ${down.stderr}\n`);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const spec = () => specFile('stalled', { image: 'nginx:1.27' });
  const COMMANDS: [string, () => string[], number][] = [
    ['list', () => ['list'], 1],
    ['inspect', () => ['inspect', 'stalled'], 1],
    ['create', () => ['create', '-f', specFile('another')], 1],
    ['apply', () => ['apply', '-f', spec()], 1],
    ['delete', () => ['delete', 'stalled'], 1],
    ['logs', () => ['logs', 'stalled'], 1],
    // diff's exit codes are kubectl diff's: 0 same, 1 different, 2 (>1) an error.
    ['diff', () => ['diff', '-f', spec()], 2],
    ['history', () => ['history', 'stalled'], 1],
  ];

  async function timed(args: string[]): Promise<RunResult & { ms: number }> {
    const t0 = performance.now();
    const r = await pachsvc([...args, '--kubeconfig', kubeconfig, '-n', 'default'], { timeoutMs: 60_000 });
    return { ...r, ms: Math.round(performance.now() - t0) };
  }

  function check(name: string, r: RunResult & { ms: number }, code: number, limitMs: number, words: RegExp): void {
    assert.equal(r.signal, null, `${name} was killed after ${r.ms} ms (it hung)`);
    assert.ok(r.ms < limitMs, `${name} took ${r.ms} ms (limit ${limitMs} ms)`);
    assert.equal(r.code, code, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, '', `${name}: nothing on stdout`);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `${name}: one line on stderr:\n${r.stderr}`);
    assert.match(lines[0]!, words, name);
  }

  it('without --request-timeout: the TLS handshake limit (10 s) ends each, in < 20 s', { skip: cached ? false : 'the control-plane binaries are not built (test/cluster/build.sh)' }, async (t) => {
    // All at once: each has its own limit, and waiting 8 × 10 s one after the other says nothing more.
    const results = await Promise.all(COMMANDS.map(([, args]) => timed(args())));
    for (const [i, [name, , code]] of COMMANDS.entries()) {
      const r = results[i]!;
      t.diagnostic(`${name}: ${r.ms} ms, exit ${r.code}: ${r.stderr.trim()}`);
      check(name, r, code, 20_000, /^Unable to connect to the server: the request to 127\.0\.0\.1:\d+ timed out after 10s \(the TLS handshake limit\): no TLS handshake$/);
      assert.ok(r.ms >= 9_000, `${name} ended after ${r.ms} ms, before the limit: was the server really hung?`);
    }
  });

  it('with --request-timeout 3s: each ends in < 6 s', { skip: cached ? false : 'the control-plane binaries are not built (test/cluster/build.sh)' }, async (t) => {
    for (const [name, args, code] of COMMANDS) {
      const r = await timed([...args(), '--request-timeout', '3s']);
      t.diagnostic(`${name} --request-timeout 3s: ${r.ms} ms, exit ${r.code}: ${r.stderr.trim()}`);
      check(name, r, code, 6_000, /^Unable to connect to the server: the request to 127\.0\.0\.1:\d+ timed out after 3s \(--request-timeout\): no TLS handshake$/);
      assert.ok(r.ms >= 2_900, `${name} ended after ${r.ms} ms, before the limit`);
    }
  });

  it('once the API server runs again, the same commands work (it was the stop, nothing else)', { skip: cached ? false : 'the control-plane binaries are not built' }, async () => {
    process.kill(apiPid, 'SIGCONT');
    stopped = false;
    const r = await pachsvc(['list', '--kubeconfig', kubeconfig, '-n', 'default', '-o', 'name', '--request-timeout', '20s']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/stalled\n', 'nothing was created or deleted while it hung');
  });
});
