// Hostile values on the command line and in kubeconfigs: shown quoted, escaped and cut short, never
// obeyed by the terminal; never a key into a prototype (`-n constructor`, a context named `__proto__`);
// never unbounded in size or time (-f naming /dev/zero, /dev/urandom, an endless FIFO, 100 MB on stdin):
// each ends quickly, with one line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkClusterFlags } from '../../src/cli/flags/cluster.ts';
import { productionFactory } from '../../src/cli/factory.ts';
import { runWith } from '../../src/cli/start/run.ts';
import { escapeText, quote, safeText, terminalLine } from '../../src/lib/text.ts';
import { prototypeProblems, prototypeSnapshot } from '../helpers/fuzz.ts';
import { startStubApiServer, type StubApiServer } from '../helpers/stub-apiserver.ts';
import { testFactory, testStreams } from '../helpers/test-factory.ts';
import { ProcessGroup } from './helpers/processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'pachsvc-hostile-'));
const procs = new ProcessGroup();
const children: ChildProcess[] = [];
const prototypes = prototypeSnapshot();
let stub: StubApiServer;

before(async () => {
  stub = await startStubApiServer();
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  procs.killAll();
  await stub.close();
  rmSync(temp, { recursive: true, force: true });
  assert.deepEqual(prototypeProblems(prototypes), []);
});

const SPEC = '{"pipeline": {"name": "x"}, "transform": {"image": "busybox"}, "service": {"internal_port": 8080}, "input": {"pfs": {"repo": "r", "glob": "/"}}}\n';
// Raw characters a terminal acts on: C0 but \n, DEL, C1, separators, bidi controls, invisible characters.
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069]/;

/** A command in process against the in-memory cluster, reaching it as production does (flags checked first). */
async function run(argv: string[], options: { stdin?: string } = {}) {
  const t = testFactory(options.stdin !== undefined ? { stdin: options.stdin } : {});
  const kube = t.f.kube.bind(t.f);
  t.f.kube = async (flags, command) => {
    checkClusterFlags(flags, command);
    return kube(flags, command);
  };
  const started = Date.now();
  const code = await runWith(argv, t.f);
  return { code, stdout: t.out(), stderr: t.err(), calls: t.kube.calls, opened: t.opened, ms: Date.now() - started };
}

/** A command in process with the production factory (a real kubeconfig, the stub API server). */
async function runReal(argv: string[]) {
  const s = testStreams();
  const f = productionFactory(s.io, {});
  try {
    const code = await runWith(argv, f);
    return { code, stdout: s.out(), stderr: s.err() };
  } finally {
    f.close();
  }
}

function oneLine(stderr: string): string {
  const lines = stderr.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, 1, `one line on stderr:\n${stderr.slice(0, 2000)}`);
  assert.doesNotMatch(lines[0]!, RAW);
  return lines[0]!;
}

/** One error line and the hint. */
function usageLine(r: { code: number; stdout: string; stderr: string }): string {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, 2, r.stderr.slice(0, 2000));
  assert.match(lines[1]!, /^See 'pachsvc (\S+ )?--help' for usage\.$/);
  assert.doesNotMatch(r.stderr, RAW);
  return lines[0]!;
}

describe('quote, escapeText, terminalLine', () => {
  test('invisible characters are escaped: soft hyphen, zero-width space, non-joiner, joiner, word joiner, invisible operators', () => {
    for (const c of ['\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\u2061', '\u2062', '\u2063', '\u2064', '\u061c', '\u180e', '\u206a']) {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      assert.equal(quote(`a${c}b`), `"a\\u${hex}b"`);
      assert.equal(safeText(`a${c}b`), `a\\u${hex}b`);
    }
    // Tag characters spell hidden text (U+E0041 is an invisible "A"): one escape each.
    assert.equal(quote('ok\udb40\udc41\udb40\udc42'), '"ok\\u{e0041}\\u{e0042}"');
    // Letters, emoji (joined by a zero-width joiner only inside sequences we keep escaped) and accents stay.
    assert.equal(quote('é😀ü'), '"é😀ü"');
    assert.equal(escapeText('plain'), 'plain');
  });

  test('a quoted value is cut: a 10 MB value makes a short line that says its length', () => {
    const q = quote('\u001b'.repeat(10_000_000));
    assert.ok(q.length < 600, `${q.length}`);
    assert.match(q, /…" \(10000000 characters\)$/);
  });

  test('quote takes any value, even one String() cannot convert', () => {
    assert.equal(quote(Object.create(null)), '"[object Object]"');
    assert.equal(quote(12), '"12"');
  });

  test('terminalLine keeps words, quotes and backslashes; escapes what a terminal acts on; cuts long lines', () => {
    assert.equal(terminalLine('error: "a\\b" ok'), 'error: "a\\b" ok');
    assert.equal(terminalLine('a\u001b[2Jb\rc\u009bd\u202ee\tf'), 'a\\u001b[2Jb\\rc\\u009bd\\u202ee\\tf');
    assert.equal(terminalLine('line one\nline two'), 'line one\nline two');
    assert.equal(terminalLine('x\ud800y'), 'x\\ud800y');
    const long = terminalLine('y'.repeat(100_000));
    assert.ok(long.length < 8300);
    assert.match(long, /… \(100000 characters\)$/);
  });
});

describe('hostile flag values: quoted, escaped, cut short, never obeyed', () => {
  const huge = `${'\u001b]52;c;'}${'A'.repeat(1_000_000)}\u0007`;

  for (const [what, argv] of [
    ['-n of 1 MB with an OSC 52 (clipboard) sequence', ['list', '-n', huge]],
    ['--request-timeout of 1 MB', ['list', '--request-timeout', huge]],
    ['--timeout of 1 MB', ['delete', 'x', '--timeout', huge]],
    ['--pachctl-version of 1 MB', ['render', '-f', 'examples/jupyter.json', '--pachctl-version', huge]],
    ['--pachctl-image with a terminal reset', ['render', '-f', 'examples/jupyter.json', '--pachctl-image', 'x\u001bc']],
    ['--pachd-address with a line that forges another', ['render', '-f', 'examples/jupyter.json', '--pachd-address', 'x\nerror: forged']],
    ['a service name with bidi overrides', ['inspect', 'abc\u202edef']],
    ['a service name of 1 MB', ['logs', huge]],
    ['an unknown command with an escape sequence', ['\u001b[31mrender']],
    ['an unknown flag with an escape sequence', ['list', '--\u001b[2Jx']],
    ['an unknown flag with invisible characters', ['list', '--na\u200bme']],
  ] as const) {
    test(what, async () => {
      const r = await run([...argv]);
      const line = usageLine(r);
      assert.ok(line.length < 400, `${line.length} characters: ${line.slice(0, 200)}`);
      assert.deepEqual(r.calls, []);
    });
  }

  test('--pachyderm-auth-secret is never echoed, however it is wrong', async () => {
    for (const value of ['a b', 'TOKEN'.repeat(200_000), 'sk_TOKEN\u001b[31m', 'Bad:Key:TOKEN', '']) {
      const r = await run(['render', '-f', 'examples/jupyter.json', '--pachyderm-auth-secret', value]);
      const line = usageLine(r);
      if (value) assert.ok(!line.includes(value.slice(0, 20)) && !line.includes('TOKEN'), line);
    }
  });

  test('what pachd answers is shown escaped and short (the pin warning)', async () => {
    const t = testFactory();
    t.f.pachd = async () => [
      {
        name: 'a hostile pachd',
        async resolve() {
          throw new Error(`HTTP 500: \u001b]52;c;cHduZWQ=\u0007\u001b[2J${'x'.repeat(100_000)}`);
        },
      },
    ];
    const code = await runWith(['create', '-f', 'examples/notebook-cross.json', '--dry-run=client', '-o', 'name'], t.f);
    assert.equal(code, 0, t.err());
    const line = oneLine(t.err());
    assert.match(line, /^warning: could not pin /);
    assert.ok(line.length < 2000, `${line.length} characters`);
  });

  test('a path that forges a positioned line is one escaped line', async () => {
    const r = await run(['validate', '-f', `/nonexistent/\u001b[2J\n${'spec.json'}:1:1: forged`]);
    assert.equal(r.code, 1);
    assert.equal(oneLine(r.stderr), 'error: cannot read "/nonexistent/\\u001b[2J\\nspec.json:1:1: forged": no such file or folder');
  });

  test('a 100 kB path: one short line', async () => {
    const r = await run(['validate', '-f', `/tmp/${'p'.repeat(100_000)}.json`]);
    assert.equal(r.code, 1);
    assert.ok(oneLine(r.stderr).length < 500);
  });

  test('--name with control characters is a positioned spec error, escaped', async () => {
    const r = await run(['render', '-f', 'examples/jupyter.json', '--name', 'x\u001b[31m']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^examples\/jupyter\.json:1:1: --name "x\\u001b\[31m" cannot name a service/);
    assert.doesNotMatch(r.stderr, RAW);
  });
});

describe('prototype keys are names like any other', () => {
  test('-n constructor is a namespace (objects say so); -n __proto__ is no namespace name', async () => {
    const r = await run(['render', '-f', 'examples/jupyter.json', '-n', 'constructor', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const items = (JSON.parse(r.stdout) as { items: { metadata: { namespace: string } }[] }).items;
    assert.deepEqual(
      items.map((i) => i.metadata.namespace),
      ['constructor', 'constructor'],
    );
    assert.match(usageLine(await run(['render', '-f', 'examples/jupyter.json', '-n', '__proto__'])), /^error: -n "__proto__" is not a namespace name/);
    const listed = await run(['list', '-n', 'constructor']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.opened, ['constructor']);
    assert.equal(listed.stderr, 'No services found in constructor namespace.\n');
  });

  test('--name constructor and toString name services (Pachyderm names are lower-cased); __proto__ cannot', async () => {
    for (const [name, service] of [['constructor', 'constructor'], ['toString', 'tostring'], ['valueOf', 'valueof']] as const) {
      const r = await run(['render', '-f', 'examples/jupyter.json', '--name', name, '-o', 'name']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `deployment.apps/${service}\nservice/${service}\n`);
    }
    const bad = await run(['render', '-f', 'examples/jupyter.json', '--name', '__proto__']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--name "__proto__" cannot name a service/);
  });

  test('a kubeconfig whose clusters, users and contexts are named __proto__, constructor, toString', async () => {
    const kubeconfig = join(temp, 'prototype-names.yaml');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- {name: __proto__, cluster: {server: "${stub.url}"}}`,
        '- {name: constructor, cluster: {server: "http://127.0.0.1:1"}}',
        'users:',
        // A user whose __proto__ key holds a token: it is no token of the user's (nor of every object's).
        '- {name: toString, user: {__proto__: {token: stolen, namespace: stolen}}}',
        'contexts:',
        '- {name: __proto__, context: {cluster: __proto__, user: toString, namespace: constructor}}',
        '- {name: toString, context: {cluster: __proto__, user: hasOwnProperty, namespace: valueof}}',
        'current-context: __proto__',
        '',
      ].join('\n'),
    );
    const seen = stub.requests.length;
    const current = await runReal(['delete', 'nothing', '--ignore-not-found', '--kubeconfig', kubeconfig]);
    assert.equal(current.code, 0, current.stderr);
    const byCurrent = stub.requests.slice(seen);
    assert.ok(byCurrent.length > 0);
    for (const r of byCurrent) {
      assert.match(r.path, /\/namespaces\/constructor\//);
      assert.equal(r.headers.authorization, undefined, 'no token came from __proto__');
    }
    const named = await runReal(['delete', 'nothing', '--ignore-not-found', '--kubeconfig', kubeconfig, '--context', 'toString']);
    assert.equal(named.code, 0, named.stderr);
    assert.match(stub.requests.at(-1)!.path, /\/namespaces\/valueof\//);
    for (const missing of ['hasOwnProperty', 'constructor', 'valueOf']) {
      const r = await runReal(['delete', 'nothing', '--kubeconfig', kubeconfig, '--context', missing]);
      assert.equal(r.code, 1);
      assert.equal(oneLine(r.stderr), `error: context "${missing}" does not exist in the kubeconfig (it has: "__proto__", "toString")`);
    }
    assert.equal(({} as Record<string, unknown>).token, undefined);
    assert.deepEqual(prototypeProblems(prototypes), []);
  });

  test('a current-context of __proto__ that names nothing', async () => {
    const kubeconfig = join(temp, 'no-context.yaml');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\ncurrent-context: __proto__\n`);
    const r = await runReal(['delete', 'x', '--kubeconfig', kubeconfig]);
    assert.equal(r.code, 1);
    assert.equal(oneLine(r.stderr), 'error: context "__proto__" does not exist in the kubeconfig (it has: none)');
  });
});

describe('bounded in size and time: each ends quickly, with one line', { concurrency: true }, () => {
  for (const device of ['/dev/zero', '/dev/urandom', '/dev/null']) {
    test(`-f ${device}`, async () => {
      const r = await run(['validate', '-f', device]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(oneLine(r.stderr), `error: cannot read "${device}": it is not a regular file, a folder or a pipe`);
      assert.ok(r.ms < 2000, `${r.ms} ms`);
    });
  }

  const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
  const fifo = (name: string) => {
    const path = join(temp, name);
    assert.equal(spawnSync('mkfifo', [path]).status, 0);
    return path;
  };

  test('-f a FIFO that never ends stops at the size limit', { skip: !hasMkfifo && 'no mkfifo' }, async () => {
    const path = fifo('endless.json');
    const writer = spawn('sh', ['-c', 'exec yes "{\\"a\\": 1}" > "$1"', 'sh', path], { stdio: 'ignore' });
    children.push(writer);
    const r = await run(['validate', '-f', path]);
    assert.equal(r.code, 1);
    assert.equal(oneLine(r.stderr), `error: "${path}" is larger than 4 MiB: a spec is a few kilobytes (is this the right file?)`);
    assert.ok(r.ms < 5000, `${r.ms} ms`);
    // The writer is told: its pipe is closed (SIGPIPE).
    await new Promise<void>((resolve) => (writer.exitCode !== null || writer.signalCode !== null ? resolve() : writer.once('exit', () => resolve())));
  });

  test('-f a FIFO is waited for without blocking: the command ends when its writer does', { skip: !hasMkfifo && 'no mkfifo' }, async () => {
    const path = fifo('later.json');
    let settled = false;
    const pending = run(['render', '-f', path, '-o', 'name']).then((r) => {
      settled = true;
      return r;
    });
    // Timers still run while the command waits for a writer (nothing blocks the event loop).
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(settled, false);
    await writeFile(path, SPEC);
    const r = await pending;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'deployment.apps/x\nservice/x\n');
  });

  test('a FIFO in a folder is not read (a link to one either): one line', { skip: !hasMkfifo && 'no mkfifo' }, async () => {
    const dir = join(temp, 'folder-with-fifo');
    spawnSync('mkdir', [dir]);
    writeFileSync(join(dir, 'a.json'), SPEC);
    const target = fifo('target-fifo');
    symlinkSync(target, join(dir, 'b.json'));
    const r = await run(['validate', '-f', dir]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(oneLine(r.stderr), /^error: cannot read ".*\/b\.json": it is a pipe, and only regular files are read from a folder/);
    assert.ok(r.ms < 2000, `${r.ms} ms`);
  });

  test('100 MB on stdin', async () => {
    const big = `{"description": "${'x'.repeat(100 * 1024 * 1024)}"}`;
    const r = await run(['validate', '-f', '-'], { stdin: big });
    assert.equal(r.code, 1);
    assert.equal(oneLine(r.stderr), 'error: stdin is larger than 4 MiB: a spec is a few kilobytes (is this the right file?)');
    assert.ok(r.ms < 5000, `${r.ms} ms`);
  });

  test('a 5 MB file: refused before it is read', async () => {
    const path = join(temp, 'big.yaml');
    writeFileSync(path, `description: ${'x'.repeat(5 * 1024 * 1024)}\n`);
    const r = await run(['render', '-f', path]);
    assert.equal(r.code, 1);
    assert.match(oneLine(r.stderr), /is larger than 4 MiB/);
  });

  // Run in a child process that a time limit can end: a loader that read a device for ever would hang
  // the test runner with it.
  const kubeconfigDevices = [
    ['--kubeconfig /dev/zero', ['--kubeconfig', '/dev/zero']],
    ['--kubeconfig /dev/urandom', ['--kubeconfig', '/dev/urandom']],
  ] as const;
  for (const [what, flags] of kubeconfigDevices) {
    // A kubeconfig that can be read is read in milliseconds: 3 s is a hang.
    test(what, async () => {
      const code = `import { run } from ${JSON.stringify(join(ROOT, 'src/cli/start/run.ts'))}; process.exitCode = await run(process.argv.slice(1));`;
      const started = Date.now();
      const r = await procs.run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, 'list', ...flags], { cwd: ROOT, timeoutMs: 3_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.match(oneLine(r.stderr), /^error: /);
      assert.ok(Date.now() - started < 3_000);
    });
  }
});
