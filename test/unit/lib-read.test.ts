// readCapped (src/lib/read.ts), the one bounded read of a file a user names (specs, kubeconfigs, the files
// a kubeconfig names): regular files and pipes only, at most maxBytes, and a pipe never blocks the
// process (timers run while it waits for a writer). And the kubeconfig loader, which uses it: a
// kubeconfig FIFO with no writer yet leaves the event loop running.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapped, ReadCappedError } from '../../src/lib/read.ts';
import { ProcessGroup, waitFor } from './helpers/processes.ts';

const temp = mkdtempSync(join(tmpdir(), 'pachsvc-read-'));
const procs = new ProcessGroup();
after(() => {
  procs.killAll();
  rmSync(temp, { recursive: true, force: true });
});

const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
let fifos = 0;
function fifo(): string {
  const path = join(temp, `fifo-${++fifos}`);
  assert.equal(spawnSync('mkfifo', [path]).status, 0);
  return path;
}

async function problemOf(path: string, max = 1024): Promise<string | undefined> {
  try {
    await readCapped(path, max);
    return undefined;
  } catch (err) {
    return err instanceof ReadCappedError ? err.problem : `system: ${(err as NodeJS.ErrnoException).code}`;
  }
}

describe('readCapped', () => {
  test('a regular file, whole', async () => {
    const path = join(temp, 'small');
    writeFileSync(path, 'hello');
    assert.equal((await readCapped(path, 5)).toString(), 'hello');
  });

  test('more than the cap: refused (a regular file before it is read)', async () => {
    const path = join(temp, 'big');
    writeFileSync(path, 'x'.repeat(2048));
    assert.equal(await problemOf(path, 1024), 'too-big');
    await assert.rejects(readCapped(path, 1024), { message: 'it is larger than 1 KiB' });
  });

  test('devices, folders and sockets are not read; a missing file is the system error', async () => {
    for (const device of ['/dev/zero', '/dev/urandom', '/dev/null']) assert.equal(await problemOf(device), 'not-a-file', device);
    assert.equal(await problemOf(temp), 'not-a-file');
    const socketPath = join(temp, 'socket');
    const server = net.createServer().listen(socketPath);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      assert.equal(await problemOf(socketPath), 'not-a-file');
    } finally {
      server.close();
    }
    assert.equal(await problemOf(join(temp, 'missing')), 'system: ENOENT');
  });

  test('a FIFO is waited for without blocking: timers run until its writer comes', { skip: !hasMkfifo && 'no mkfifo' }, async () => {
    const path = fifo();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      const reading = readCapped(path, 1024);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(ticks >= 5, `${ticks} ticks while waiting`);
      await writeFile(path, 'from the pipe');
      assert.equal((await reading).toString(), 'from the pipe');
    } finally {
      clearInterval(ticker);
    }
  });

  test('a FIFO that never ends stops at the cap', { skip: !hasMkfifo && 'no mkfifo' }, async () => {
    const path = fifo();
    const writer = spawn('sh', ['-c', 'exec yes > "$1"', 'sh', path], { stdio: 'ignore' });
    try {
      await assert.rejects(readCapped(path, 64 * 1024), (err) => err instanceof ReadCappedError && err.problem === 'too-big');
    } finally {
      writer.kill();
    }
  });
});

describe('the kubeconfig loader', () => {
  test('a kubeconfig FIFO with no writer yet: the process keeps running (nothing blocks), then reads it', { skip: !hasMkfifo && 'no mkfifo' }, async () => {
    const path = fifo();
    // A child process: a blocking open would stop its event loop (and, in this process, the test runner's).
    const code = [
      `import { loadConfig } from ${JSON.stringify(join(import.meta.dirname, '../../src/cluster/config.ts'))};`,
      `setInterval(() => process.stdout.write('tick\\n'), 20).unref();`,
      `const c = await loadConfig({ kubeconfig: ${JSON.stringify(path)} }, {});`,
      `process.stdout.write('server ' + c.server + '\\n');`,
    ].join('\n');
    const child = procs.start(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: join(import.meta.dirname, '../..') });
    await waitFor('ticks while the FIFO has no writer', () => (child.stdout.match(/tick/g) ?? []).length >= 5, { timeoutMs: 15_000, describe: () => child.stdout + child.stderr });
    await writeFile(path, 'apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\ncontexts: [{name: c, context: {cluster: c}}]\n');
    const done = await child.finished(15_000);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^server https:\/\/127\.0\.0\.1:6443$/m);
  });
});
