// The container scripts (src/render/scripts/*.sh, as embedded in the manifests) run under a real /bin/sh
// against a stand-in pachctl (fixtures/fake-pachctl.sh) first on PATH, with PACHSVC_PFS as /pfs; they
// pass shellcheck; and the build's comment stripping keeps every line a shell would read.
// Needs `npm run build` (it generates src/render/generated/scripts.ts) and shellcheck.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHECKOUT_SCRIPT, FOLLOW_SCRIPT, SERVICE_SCRIPT } from '../../src/render/generated/scripts.ts';
import { stripComments } from '../../src/render/scripts/strip-comments.mjs';
import { ProcessGroup, waitFor, type Running } from './helpers/processes.ts';

const FAKE_PACHCTL = new URL('./fixtures/fake-pachctl.sh', import.meta.url);
const INPUT = 'in';
const REPO = 'images';
const FILES = ['a.txt', 'b.txt', 'c.txt', 'd.txt'];

const procs = new ProcessGroup();
const sandboxes: string[] = [];
after(() => {
  procs.killAll();
  for (const dir of sandboxes) rmSync(dir, { recursive: true, force: true });
});

interface Call {
  time: number;
  args: string;
}

/** A temp dir with a fake Pachyderm (see fixtures/fake-pachctl.sh) and a /pfs for the scripts. */
class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'pachsvc-scripts-'));
  readonly fake = join(this.dir, 'fake');
  readonly pfs = join(this.dir, 'pfs');
  readonly bin = join(this.dir, 'bin');

  constructor(
    readonly repo = REPO,
    readonly input = INPUT,
  ) {
    sandboxes.push(this.dir);
    for (const d of [this.fake, this.pfs, this.bin, join(this.fake, 'commits'), join(this.fake, 'refs', repo)]) mkdirSync(d, { recursive: true });
    writeFileSync(join(this.fake, 'events'), '');
    copyFileSync(FAKE_PACHCTL, join(this.bin, 'pachctl'));
    chmodSync(join(this.bin, 'pachctl'), 0o755);
  }

  /** Adds a commit to the repo's branch; each file says which commit it belongs to. */
  commit(files: Record<string, string> = {}, branch = 'master'): string {
    const id = randomBytes(16).toString('hex');
    const tree = join(this.fake, 'commits', id);
    mkdirSync(tree);
    for (const name of FILES) writeFileSync(join(tree, name), `${id} ${name}\n`);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(tree, name, '..'), { recursive: true });
      writeFileSync(join(tree, name), text);
    }
    const ref = join(this.fake, 'refs', this.repo, branch);
    writeFileSync(`${ref}.new`, id);
    renameSync(`${ref}.new`, ref);
    appendFileSync(join(this.fake, 'events'), `${this.repo} ${branch} ${id} 1 second ago 4B USER\n`);
    return id;
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: `${this.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      PACHFAKE_DIR: this.fake,
      PACHSVC_PFS: this.pfs,
      PACHSVC_INPUT: this.input,
      PACHSVC_REPO: this.repo,
      PACHSVC_RETRY_SECONDS: '1',
      PACHSVC_POLL_SECONDS: '0.1',
      ...extra,
    };
  }

  run(script: string, name: string, env: Record<string, string>, args: string[] = []): Running {
    return procs.start('/bin/sh', ['-c', script, name, ...args], { env: this.env(env), cwd: this.dir });
  }

  checkout(env: Record<string, string> = {}) {
    return this.run(CHECKOUT_SCRIPT, 'pachsvc-checkout', { PACHSVC_REF: 'master', ...env }).finished();
  }

  follow(env: Record<string, string> = {}): Running {
    return this.run(FOLLOW_SCRIPT, 'pachsvc-follow', { PACHSVC_BRANCH: 'master', ...env });
  }

  /** The pachctl calls so far. */
  calls(prefix = ''): Call[] {
    const log = join(this.fake, 'argv.log');
    if (!existsSync(log)) return [];
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const space = line.indexOf(' ');
        return { time: Number(line.slice(0, space)), args: line.slice(space + 1) };
      })
      .filter((c) => c.args.startsWith(prefix));
  }

  /** The commit /pfs/<input> points at, or undefined when it is not there. */
  served(): string | undefined {
    try {
      const target = readlinkSync(join(this.pfs, this.input));
      assert.match(target, new RegExp(`^\\.pachsvc/${this.input}/[0-9a-f]{32}$`));
      return target.split('/').pop();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** The commit the commit file records. */
  recorded(): string | undefined {
    const file = join(this.pfs, '.pachsvc', this.input, 'commit');
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  }

  /** The trees kept under /pfs/.pachsvc/<input>. */
  trees(): string[] {
    return readdirSync(join(this.pfs, '.pachsvc', this.input))
      .filter((n) => n !== 'commit' && n !== 'commit.new')
      .sort();
  }

  /** What each file served at /pfs/<input> says. */
  servedContents(): string[] {
    return FILES.map((f) => readFileSync(join(this.pfs, this.input, f), 'utf8'));
  }
}

const details = (sb: Sandbox, r?: Running) => () =>
  `served: ${sb.served()}\npachctl calls:\n${sb.calls().map((c) => c.args).join('\n')}\nscript stderr:\n${r?.stderr ?? ''}`;

// Reads /pfs/<input> the way a service does, as fast as it can, until the stop file appears: resolves the
// link once, then lists and reads the tree it points at. Appends each new commit it sees to <stop>.seen;
// at the end, prints what it saw as JSON.
const READER = `
const fs = require('node:fs');
const path = require('node:path');
const [link, stopFile, expected] = process.argv.slice(1);
const pause = new Int32Array(new SharedArrayBuffer(4));
let reads = 0, vanished = 0;
const mixed = [];
const seen = [];
while (!fs.existsSync(stopFile)) {
  try {
    const dir = path.resolve(path.dirname(link), fs.readlinkSync(link));
    const id = path.basename(dir);
    const names = fs.readdirSync(dir);
    const ids = new Set(names.map((n) => fs.readFileSync(path.join(dir, n), 'utf8').split(' ')[0]));
    reads++;
    if (seen[seen.length - 1] !== id) {
      seen.push(id);
      fs.appendFileSync(stopFile + '.seen', id + '\\n');
    }
    if (names.length !== Number(expected) || ids.size !== 1 || !ids.has(id)) mixed.push({ id, names, ids: [...ids] });
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    vanished++;
  }
  Atomics.wait(pause, 0, 0, 1);
}
process.stdout.write(JSON.stringify({ reads, vanished, seen, mixed }));
`;

interface ReaderReport {
  reads: number;
  vanished: number;
  seen: string[];
  mixed: unknown[];
}

// The three scripts' tests run side by side: the follow ones spend most of their time waiting.
describe('container scripts', { concurrency: true }, () => {
  describe('checkout script', () => {
    test('checks the input out as a link /pfs/<input> -> .pachsvc/<input>/<id> and records the commit', async () => {
      const sb = new Sandbox();
      const id = sb.commit({ 'sub/deep.txt': 'nested\n' });
      const r = await sb.checkout();
      assert.equal(r.code, 0, r.stderr);

      assert.ok(lstatSync(join(sb.pfs, INPUT)).isSymbolicLink());
      assert.equal(readlinkSync(join(sb.pfs, INPUT)), `.pachsvc/${INPUT}/${id}`);
      assert.deepEqual(readdirSync(join(sb.pfs, INPUT)).sort(), [...FILES, 'sub']);
      assert.equal(readFileSync(join(sb.pfs, INPUT, 'a.txt'), 'utf8'), `${id} a.txt\n`);
      assert.equal(readFileSync(join(sb.pfs, INPUT, 'sub', 'deep.txt'), 'utf8'), 'nested\n');
      // The commit's own id, not its parent's (which the fake prints after it).
      assert.equal(sb.recorded(), id);
      // The commit file holds the id and a newline, nothing else: services may read it.
      assert.equal(readFileSync(join(sb.pfs, '.pachsvc', INPUT, 'commit'), 'utf8'), `${id}\n`);
      assert.deepEqual(sb.trees(), [id]);
      assert.deepEqual(
        sb.calls().map((c) => c.args),
        [`wait commit --raw -- ${REPO}@master`, `get file -r -o ${sb.pfs}/.pachsvc/${INPUT}/${id}.partial -- ${REPO}@${id}:/`],
      );
      assert.match(r.stderr, new RegExp(`serving ${REPO}@${id} at `));
    });

    test('checks a commit id out as given', async () => {
      const sb = new Sandbox();
      const first = sb.commit();
      sb.commit();
      const r = await sb.checkout({ PACHSVC_REF: first });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(sb.served(), first);
      assert.equal(sb.calls('wait')[0]?.args, `wait commit --raw -- ${REPO}@${first}`);
    });

    test('passes --project when PACHSVC_PROJECT is set, and the token on stdin, never in argv', async () => {
      const sb = new Sandbox();
      const id = sb.commit();
      const token = 'tok-3f9a2c-secret';
      const r = await sb.checkout({ PACHSVC_PROJECT: 'analytics', PACHSVC_TOKEN: token });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(sb.served(), id);
      assert.equal(readFileSync(join(sb.fake, 'token'), 'utf8'), `${token}\n`);
      const calls = sb.calls().map((c) => c.args);
      assert.deepEqual(calls, [
        'auth use-auth-token',
        `wait commit --project analytics --raw -- ${REPO}@master`,
        `get file --project analytics -r -o ${sb.pfs}/.pachsvc/${INPUT}/${id}.partial -- ${REPO}@${id}:/`,
      ]);
      assert.ok(!calls.some((c) => c.includes(token)));
      assert.ok(!r.stderr.includes(token));
    });

    test('a download failing half-way serves nothing and exits non-zero with pachctl\'s error', async () => {
      const sb = new Sandbox();
      const id = sb.commit();
      const r = await sb.checkout({ PACHFAKE_FAIL_GET: '1' });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /rpc error: code = Unavailable desc = connection reset by peer/);
      assert.equal(sb.served(), undefined);
      assert.equal(sb.recorded(), undefined);
      assert.ok(!sb.trees().includes(id), `a half-downloaded tree is kept as ${id}`);
    });

    test('a reference that names no commit fails, naming it', async () => {
      const sb = new Sandbox();
      sb.commit();
      const r = await sb.checkout({ PACHSVC_REF: 'staging' });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /branch "staging" not found in repo images/);
      assert.match(r.stderr, /cannot resolve images@staging to a finished commit/);
      assert.equal(sb.served(), undefined);
      assert.equal(sb.calls('get').length, 0);
    });
  });

  describe('follow script', { concurrency: true }, () => {
    test('swaps new commits in; a concurrent reader never sees a mixed tree; only the current and previous trees remain', async () => {
      const sb = new Sandbox();
      const first = sb.commit();
      assert.equal((await sb.checkout()).code, 0);
      // Slow downloads: a tree being written stays visible (if it were served) long enough to be read.
      const follow = sb.follow({ PACHFAKE_ENTRY_DELAY: '0.02' });
      const stop = join(sb.dir, 'stop-reader');
      const reader = procs.start(process.execPath, ['-e', READER, join(sb.pfs, INPUT), stop, String(FILES.length)]);
      await waitFor('the subscription', () => sb.calls('subscribe').length === 1, { describe: details(sb, follow) });
      const readerSaw = (id: string) => existsSync(`${stop}.seen`) && readFileSync(`${stop}.seen`, 'utf8').includes(id);
      await waitFor('the reader to start', () => readerSaw(first), { describe: () => reader.stderr });

      const served = [first];
      for (let i = 0; i < 4; i++) {
        const id = sb.commit();
        await waitFor(`commit ${i + 2} to be served`, () => sb.served() === id, { describe: details(sb, follow) });
        assert.deepEqual(sb.servedContents(), FILES.map((f) => `${id} ${f}\n`));
        const previous = served[served.length - 1]!;
        // The previous tree stays (a reader may still be in it); every older one goes.
        await waitFor('old trees to be removed', () => JSON.stringify(sb.trees()) === JSON.stringify([previous, id].sort()), {
          describe: () => `trees: ${sb.trees().join(' ')}; expected ${previous} ${id}`,
        });
        served.push(id);
        await waitFor('the reader to see the new tree', () => readerSaw(id), { describe: () => reader.stderr });
      }
      assert.equal(sb.recorded(), served[served.length - 1]);

      writeFileSync(stop, '');
      const { stdout, code } = await reader.finished();
      assert.equal(code, 0);
      const report = JSON.parse(stdout) as ReaderReport;
      assert.deepEqual(report.mixed, [], 'the reader saw a tree with files of different commits or missing files');
      assert.ok(report.reads > 10, `only ${report.reads} reads`);
      // It saw the trees one after another, in order.
      assert.deepEqual(report.seen, served);
      assert.equal(follow.child.exitCode, null, `the follow script ended:\n${follow.stderr}`);
    });

    test('keeps serving the old data while a download fails half-way, and retries with back-off until it succeeds', async () => {
      const sb = new Sandbox();
      const first = sb.commit();
      assert.equal((await sb.checkout()).code, 0);
      const follow = sb.follow();
      await waitFor('the subscription', () => sb.calls('subscribe').length === 1, { describe: details(sb, follow) });

      writeFileSync(join(sb.fake, 'fail-get'), '2');
      const second = sb.commit();
      const gets = () => sb.calls('get file').filter((c) => c.args.endsWith(` -- ${REPO}@${second}:/`));
      await waitFor('the first download attempt', () => gets().length >= 1, { describe: details(sb, follow) });
      await sleep(200);
      assert.equal(sb.served(), first, 'a failed download was served');
      assert.deepEqual(sb.servedContents(), FILES.map((f) => `${first} ${f}\n`));
      assert.equal(sb.recorded(), first);

      await waitFor('the commit to be served after the retries', () => sb.served() === second, { timeoutMs: 8000, describe: details(sb, follow) });
      assert.deepEqual(sb.servedContents(), FILES.map((f) => `${second} ${f}\n`));
      const times = gets().map((c) => c.time);
      assert.equal(times.length, 3, 'two failed attempts, then one that worked');
      const [t1, t2, t3] = times as [number, number, number];
      assert.ok(t2 - t1 >= 0.9, `first retry after ${t2 - t1} s`);
      assert.ok(t3 - t2 >= 1.8, `second retry after ${t3 - t2} s: the wait doubles`);
      assert.match(follow.stderr, /still serving/);
      await waitFor('the partial download to be removed', () => JSON.stringify(sb.trees()) === JSON.stringify([first, second].sort()), {
        describe: () => sb.trees().join(' '),
      });
    });

    test('catches up on commits made before it started, and reconnects when the subscription ends', async () => {
      const sb = new Sandbox();
      sb.commit();
      assert.equal((await sb.checkout({ PACHSVC_PROJECT: 'analytics' })).code, 0);
      const missed = sb.commit();
      const follow = sb.follow({ PACHSVC_PROJECT: 'analytics' });
      await waitFor('the commit made before the start', () => sb.served() === missed, { describe: details(sb, follow) });
      await waitFor('the subscription', () => sb.calls('subscribe').length === 1, { describe: details(sb, follow) });

      writeFileSync(join(sb.fake, 'end-subscription'), '');
      await waitFor('a new subscription', () => sb.calls('subscribe').length === 2, { timeoutMs: 5000, describe: details(sb, follow) });
      assert.match(follow.stderr, /subscription to images@master ended; reconnecting/);
      await sleep(150);
      const later = sb.commit();
      await waitFor('the commit after reconnecting', () => sb.served() === later, { describe: details(sb, follow) });
      assert.equal(follow.child.exitCode, null);
      const calls = sb.calls().map((c) => c.args);
      assert.ok(calls.length > 4 && calls.every((c) => / --project analytics /.test(c)), calls.join('\n'));
    });
  });

  describe('service script', { concurrency: true }, () => {
    const service = (sb: Sandbox, env: Record<string, string>, cmd: string[]) => sb.run(SERVICE_SCRIPT, 'pachsvc-service', env, cmd);
    const setCommit = (sb: Sandbox, id: string) => {
      const dir = join(sb.pfs, '.pachsvc', INPUT);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'commit.new'), `${id}\n`);
      renameSync(join(dir, 'commit.new'), join(dir, 'commit'));
    };

    test('runs cmd with the stdin lines fed to it and <input>_COMMIT from the commit file', async () => {
      const sb = new Sandbox();
      const id = randomBytes(16).toString('hex');
      setCommit(sb, id);
      const stdin = ['echo "hello $X"', 'echo "commit $in_COMMIT"', 'echo "left: ${PACHSVC_STDIN-unset} ${PACHSVC_INPUTS-unset}"'];
      const r = await service(sb, { X: 'world', PACHSVC_INPUTS: INPUT, PACHSVC_STDIN: stdin.join('\n') }, ['sh']).finished();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `hello world\ncommit ${id}\nleft: unset unset\n`);
    });

    test('feeds stdin byte for byte: nothing in it is run by the wrapper', async () => {
      const sb = new Sandbox();
      const text = ['$(touch pwned-subst)', '`touch pwned-backtick`', 'a \\ b \\\\copy \'q\' "d"', 'PACHSVC_STDIN_END', '$X ${X} *', '\ttab  '].join('\n');
      const r = await service(sb, { X: 'expanded', PACHSVC_STDIN: text }, ['cat']).finished();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${text}\n`);
      assert.ok(!existsSync(join(sb.dir, 'pwned-subst')) && !existsSync(join(sb.dir, 'pwned-backtick')));
    });

    test('without stdin, runs cmd with its arguments exactly as given', async () => {
      const sb = new Sandbox();
      const r = await service(sb, { X: 'expanded' }, ['printf', '%s|', 'a b', '$X', '*', '']).finished();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'a b|$X|*||');
    });

    test('supervised: restarts the command when a commit file changes, and passes SIGTERM on', async () => {
      const sb = new Sandbox();
      const [first, second] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
      setCommit(sb, first);
      const log = join(sb.dir, 'service.log');
      writeFileSync(log, '');
      const stdin = [
        `echo "start $in_COMMIT $$" >> ${log}`,
        `trap 'echo "term $$" >> ${log}; exit 0' TERM`,
        'while :; do sleep 0.05; done',
      ];
      const env = { PACHSVC_INPUTS: INPUT, PACHSVC_STDIN: stdin.join('\n'), PACHSVC_SUPERVISE: '1', PACHSVC_STOP_SECONDS: '5' };
      const r = service(sb, env, ['sh']);
      const lines = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
      const describeRun = () => `log:\n${lines().join('\n')}\nstderr:\n${r.stderr}`;
      await waitFor('the command to start', () => lines().length === 1, { describe: describeRun });
      const firstPid = lines()[0]!.split(' ')[2];
      assert.equal(lines()[0], `start ${first} ${firstPid}`);

      setCommit(sb, second);
      await waitFor('the command to restart on the new commit', () => lines().some((l) => l.startsWith(`start ${second}`)), { describe: describeRun });
      const secondPid = lines().find((l) => l.startsWith(`start ${second}`))!.split(' ')[2];
      assert.deepEqual(lines(), [`start ${first} ${firstPid}`, `term ${firstPid}`, `start ${second} ${secondPid}`]);
      await waitFor('the restart to be logged', () => /new data; restarting the command/.test(r.stderr), { describe: describeRun });

      r.child.kill('SIGTERM');
      const end = await r.finished(5000);
      assert.equal(end.code, 143);
      assert.deepEqual(lines().slice(3), [`term ${secondPid}`]);
    });

    test('supervised: a command that exits by itself ends the script with its status', async () => {
      const sb = new Sandbox();
      setCommit(sb, randomBytes(16).toString('hex'));
      const r = await service(sb, { PACHSVC_INPUTS: INPUT, PACHSVC_SUPERVISE: '1' }, ['sh', '-c', 'exit 3']).finished();
      assert.equal(r.code, 3);
      assert.match(r.stderr, /command exited with status 3/);
    });
  });
});

describe('names that look like options or assignments', { concurrency: true }, () => {
  const service = (sb: Sandbox, env: Record<string, string>, cmd: string[], shell = '/bin/sh') =>
    procs.start(shell, ['-c', SERVICE_SCRIPT, 'pachsvc-service', ...cmd], { env: sb.env(env), cwd: sb.dir });
  const setCommit = (sb: Sandbox, input: string, id: string) => {
    mkdirSync(join(sb.pfs, '.pachsvc', input), { recursive: true });
    writeFileSync(join(sb.pfs, '.pachsvc', input, 'commit'), `${id}\n`);
  };
  /** The environment a command saw, as printed by `env -0`-less `env` (no value here has a newline). */
  const envOf = (stdout: string) => new Map(stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  // The shells the wrapper must work under: /bin/sh, and dash and bash when installed (dash leaves
  // variables whose names are no shell names out of what it runs; bash keeps them).
  const shells = ['/bin/sh', ...['/bin/dash', '/bin/bash', '/usr/bin/dash', '/usr/bin/bash'].filter((s) => existsSync(s))];

  test('checkout and follow: a repo and an input named "-x" are arguments, never pachctl or mv options', async () => {
    const sb = new Sandbox('-r', '-i');
    const first = sb.commit();
    const r = await sb.checkout();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sb.served(), first);
    assert.deepEqual(sb.calls().map((c) => c.args), [`wait commit --raw -- -r@master`, `get file -r -o ${sb.pfs}/.pachsvc/-i/${first}.partial -- -r@${first}:/`]);
    const follow = sb.follow();
    await waitFor('the subscription', () => sb.calls('subscribe').length === 1, { describe: details(sb, follow) });
    assert.equal(sb.calls('subscribe')[0]?.args, `subscribe commit --from ${first} -- -r@master`);
    const second = sb.commit();
    await waitFor('the new commit to be served', () => sb.served() === second, { describe: details(sb, follow) });
  });

  for (const shell of shells) {
    test(`${shell}: a first word of cmd with "=" runs as a command, with the inputs' variables`, async () => {
      const sb = new Sandbox();
      const id = randomBytes(16).toString('hex');
      setCommit(sb, INPUT, id);
      writeFileSync(join(sb.bin, 'A=B'), '#!/bin/sh\nprintf "ran %s with %s\\n" "$1" "$in_COMMIT"\n');
      chmodSync(join(sb.bin, 'A=B'), 0o755);
      for (const extra of [{}, { PACHSVC_STDIN: 'x' }, { PACHSVC_SUPERVISE: '1' }] as Record<string, string>[]) {
        const r = await service(sb, { PACHSVC_INPUTS: INPUT, ...extra }, ['A=B', 'arg'], shell).finished();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `ran arg with ${id}\n`);
      }
    });

    test(`${shell}: inputs named "-x" or "1x" and variables whose names are no shell names reach the command`, async () => {
      const sb = new Sandbox();
      const [a, b, c] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
      setCommit(sb, '-x', a);
      setCommit(sb, '1x', b);
      setCommit(sb, INPUT, c);
      const env = {
        PACHSVC_INPUTS: `-x 1x ${INPUT}`,
        // What Kubernetes sets from the manifest: the variables themselves, and render's copies.
        'my-var': 'v 1',
        'dotted.name': '$(not run) *',
        PACHSVC_ENV_NAMES: 'my-var\ndotted.name',
        PACHSVC_ENV_1: 'v 1',
        PACHSVC_ENV_2: '$(not run) *',
        PLAIN: 'kept',
      };
      for (const extra of [{}, { PACHSVC_STDIN: '' }, { PACHSVC_SUPERVISE: '1' }] as Record<string, string>[]) {
        const r = await service(sb, { ...env, ...extra }, ['env'], shell).finished();
        assert.equal(r.code, 0, r.stderr);
        const seen = envOf(r.stdout);
        assert.equal(seen.get('-x'), `${sb.pfs}/-x`);
        assert.equal(seen.get('-x_COMMIT'), a);
        assert.equal(seen.get('1x'), `${sb.pfs}/1x`);
        assert.equal(seen.get('1x_COMMIT'), b);
        assert.equal(seen.get(`${INPUT}_COMMIT`), c);
        assert.equal(seen.get('my-var'), 'v 1');
        assert.equal(seen.get('dotted.name'), '$(not run) *');
        assert.equal(seen.get('PLAIN'), 'kept');
        const leftovers = [...seen.keys()].filter((k) => /^PACHSVC_(INPUTS|STDIN|SUPERVISE|ENV_)/.test(k));
        assert.deepEqual(leftovers, [], 'the wrapper\'s own variables are not passed on');
        assert.ok(!seen.has('kept_name_1') && !seen.has('kept_value_1'));
      }
    });
  }
});

describe('shellcheck', () => {
  const SCRIPTS = new URL('../../src/render/scripts/', import.meta.url);
  const source = (...files: string[]) => files.map((f) => readFileSync(new URL(f, SCRIPTS), 'utf8')).join('\n');
  // The sources as the build joins them (lib.sh is prepended to checkout.sh and follow.sh), with their
  // comments, so that findings point at reviewed lines; the next test ties them to what is embedded.
  const checked: [string, string][] = [
    ['lib.sh + checkout.sh', source('lib.sh', 'checkout.sh')],
    ['lib.sh + follow.sh', source('lib.sh', 'follow.sh')],
    ['service.sh', source('service.sh')],
    ['test/unit/fixtures/fake-pachctl.sh', readFileSync(FAKE_PACHCTL, 'utf8')],
  ];

  for (const [name, text] of checked) {
    test(`${name} has no shellcheck findings`, async () => {
      let r;
      try {
        r = await procs.run('shellcheck', ['--shell=sh', '--severity=style', '--format=gcc', '-'], { input: text });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          assert.fail('shellcheck is not installed: install it (Debian/Ubuntu: apt-get install -y shellcheck; macOS: brew install shellcheck) and run the tests again');
        }
        throw err;
      }
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, '', `shellcheck finds problems in ${name}:\n${r.stdout}`);
      assert.equal(r.code, 0);
    });
  }

  test('the embedded scripts are those sources without their comment lines', () => {
    assert.equal(CHECKOUT_SCRIPT, stripComments(source('lib.sh', 'checkout.sh')));
    assert.equal(FOLLOW_SCRIPT, stripComments(source('lib.sh', 'follow.sh')));
    assert.equal(SERVICE_SCRIPT, stripComments(source('service.sh')));
  });
});

describe('stripComments (the build\'s comment stripping)', () => {
  // Every line a shell reads as more than a comment or a blank line is kept, byte for byte.
  const SCRIPT = [
    '# a whole-line comment: dropped',
    '  # an indented one: dropped',
    '',
    'set -eu',
    'echo "# in double quotes" \'# in single quotes\' \\# escaped # a trailing comment stays',
    'cat <<EOF',
    '# a heredoc line, not a comment',
    '',
    '  # indented, still text',
    'EOF',
    'cat <<-\'END\' <<"SECOND"',
    '\t# tab-stripped heredoc line',
    '\tEND',
    '# the second heredoc\'s line',
    'SECOND',
    "text='multi",
    '# inside single quotes',
    '',
    "end'",
    'printf "%s\\n" "$text"',
    'other="multi',
    '# inside double quotes $(echo "# nested")',
    'end"',
    'printf "%s\\n" "$other"',
    'sub=$(',
    '  # inside a command substitution: kept, the shell skips it itself',
    '  echo sub',
    ')',
    'echo "$sub" "$(( 1 << 2 ))" "$#" "${sub#s}"',
    'echo continued \\',
    '# a continuation line, not a comment',
    'case x in x) echo case ;; esac',
    '# last',
    '',
  ].join('\n');

  test('drops whole-line comments and blank lines outside quotes, heredocs and substitutions, and only those', () => {
    const stripped = stripComments(SCRIPT);
    const dropped = SCRIPT.split('\n').filter((l) => !stripped.split('\n').includes(l));
    assert.deepEqual(dropped, ['# a whole-line comment: dropped', '  # an indented one: dropped', '# last']);
    // Blank lines: only the ones inside the heredoc and the single-quoted string are kept.
    assert.equal(stripped.split('\n').filter((l) => l === '').length, 2 + 1, stripped);
    assert.ok(stripped.includes('cat <<EOF\n# a heredoc line, not a comment\n\n  # indented, still text\nEOF\n'));
    assert.ok(stripped.includes("text='multi\n# inside single quotes\n\nend'\n"));
    assert.ok(stripped.endsWith('case x in x) echo case ;; esac\n'));
  });

  test('the stripped script prints exactly what the original prints', async () => {
    const run = (script: string) => procs.run('/bin/sh', ['-c', script, 'strip-test']);
    const [original, stripped] = await Promise.all([run(SCRIPT), run(stripComments(SCRIPT))]);
    assert.equal(original.code, 0, original.stderr);
    assert.equal(stripped.stdout, original.stdout);
    assert.equal(stripped.code, original.code);
    assert.match(original.stdout, /^# in double quotes # in single quotes # escaped\n# a heredoc line, not a comment\n\n  # indented, still text\n/);
  });

  test('what it cannot follow is an error, not a guess', () => {
    assert.throws(() => stripComments('cat <<EOF\nnever ended\n'), /here-document "EOF" is never ended/);
    assert.throws(() => stripComments("echo 'open\n# x\n"), /"'" is never closed/);
    assert.throws(() => stripComments('echo "$(open\n'), /"\$\(" is never closed/);
    assert.throws(() => stripComments('echo \\\n'), /continued/);
  });
});
