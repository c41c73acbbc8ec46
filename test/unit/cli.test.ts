// The built CLI as a user runs it: `node bin/pachsvc …` in a child process, checking exit codes (0 ok,
// 1 bad spec, 2 usage) and what goes to stdout and to stderr. Needs `npm run build` first (npm test runs it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderService } from '../../src/render/index.ts';
import { loadSpec } from '../../src/spec/load.ts';
import { OPTIONS } from './helpers/render.ts';
import { ProcessGroup, type Finished } from './helpers/processes.ts';
import { json, spec } from './helpers/spec.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ESC = '\u001b[';
const procs = new ProcessGroup();
const temp = mkdtempSync(join(tmpdir(), 'pachsvc-cli-'));

before(() => {
  assert.ok(existsSync(join(ROOT, 'dist/pachsvc.js')), 'dist/ is missing: run `npm run build` before the unit tests');
});
after(() => {
  procs.killAll();
  rmSync(temp, { recursive: true, force: true });
});

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'NODE_TEST_CONTEXT']) delete env[name];
  return { ...env, ...extra };
}

function pachsvc(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Finished> {
  return procs.run(process.execPath, ['bin/pachsvc', ...args], {
    cwd: ROOT,
    env: cleanEnv(options.env),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

function specFile(name: string, text: string): string {
  const file = join(temp, name);
  writeFileSync(file, text);
  return file;
}

const BROKEN = '{\n  "pipeline": {"name": "broken"},\n  "transform": {"image": "i", "imgae": "j"},\n  "service": {"internal_port": 0}\n}\n';

/** Exit code, stdout and stderr, in one value so that a failure shows all three. */
const outcome = (r: Finished) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

describe('pachsvc', { concurrency: true }, () => {
  test('--version and -V print the version on stdout', async () => {
    for (const flag of ['--version', '-V']) assert.deepEqual(outcome(await pachsvc([flag])), { code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  test('--help prints usage on stdout and exits 0', async () => {
    const r = await pachsvc(['--help']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /Usage: pachsvc <command> \[flags\]/);
    for (const command of ['validate', 'render', 'completion']) assert.match(r.stdout, new RegExp(`pachsvc ${command}\\b`));
    const sub = await pachsvc(['render', '--help']);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /-f, --filename/);
    assert.match(sub.stdout, /-o, --output/);
  });

  test('render prints YAML on stdout, nothing on stderr', async () => {
    const r = await pachsvc(['render', '-f', 'examples/file-server.yaml']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    // The same as the golden file, but for the version the build records.
    const golden = readFileSync(join(ROOT, 'test/golden/file-server.yaml'), 'utf8');
    assert.equal(r.stdout, golden.replace('pachsvc.io/version: "0.0.0-test"', `pachsvc.io/version: "${VERSION}"`));
  });

  test('warnings go to stderr as file:line:col lines; the YAML still to stdout', async () => {
    const r = await pachsvc(['render', '-f', 'examples/jupyter.json']);
    assert.equal(r.code, 0);
    assert.equal(
      r.stderr,
      'examples/jupyter.json:23:17: warning: Pachyderm 1.x ref "master/0" (commit number 0 of master, counting from 0) is master.1 in Pachyderm 2.x; pachsvc uses the 2.x form\n',
    );
    assert.match(r.stdout, /^apiVersion: apps\/v1\nkind: Deployment\n/);
    assert.match(r.stdout, /\n---\napiVersion: v1\nkind: Service\n/);
  });

  test('a broken spec: exit 1, every problem on stderr as file:line:col, nothing on stdout, no stack', async () => {
    const file = specFile('broken.json', BROKEN);
    for (const command of ['render', 'validate']) {
      assert.deepEqual(outcome(await pachsvc([command, '-f', file])), {
        code: 1,
        stdout: '',
        stderr: `${file}:3:31: unknown field "imgae" in transform (did you mean "image"?)\n${file}:4:32: service.internal_port must be a port number from 1 to 65535, not 0\n`,
      });
    }
  });

  test('usage mistakes exit 2 with one error line and a hint, on stderr only', async () => {
    const cases: [string[], string][] = [
      [['frob'], 'error: unknown command "frob"\nSee \'pachsvc --help\' for usage.\n'],
      [['rendr', '-f', 'x.json'], 'error: unknown command "rendr" (did you mean "render"?)\nSee \'pachsvc --help\' for usage.\n'],
      [['render', '-f', 'examples/jupyter.json', '--frob'], 'error: unknown flag: --frob\nSee \'pachsvc render --help\' for usage.\n'],
      [['render', '-f', 'examples/jupyter.json', '-o', 'xml'], 'error: invalid value "xml" for --output (choose from "yaml", "json", "name")\nSee \'pachsvc render --help\' for usage.\n'],
      [['validate', '-f', 'examples/jupyter.json', '-o', 'yaml'], 'error: invalid value "yaml" for --output (choose from "text", "json")\nSee \'pachsvc validate --help\' for usage.\n'],
      [['render'], 'error: Missing required argument: filename\nSee \'pachsvc render --help\' for usage.\n'],
      // Checked before the spec is read: no warning about the spec comes first.
      [['render', '-f', 'examples/jupyter.json', '--pachd-address', 'http://x/path'], 'error: --pachd-address "http://x/path" is not a pachd address: use [grpc|grpcs|http|https]://host[:port]\nSee \'pachsvc render --help\' for usage.\n'],
    ];
    const results = await Promise.all(cases.map(([args]) => pachsvc(args)));
    results.forEach((r, i) => assert.deepEqual(outcome(r), { code: 2, stdout: '', stderr: cases[i]![1] }, cases[i]![0].join(' ')));
    const none = await pachsvc([]);
    assert.equal(none.code, 2);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /^error: name a command/);
  });

  test('-f - reads the spec from stdin, named by --name', async () => {
    const text = json(spec({ pipeline: undefined }));
    assert.deepEqual(outcome(await pachsvc(['render', '-f', '-', '--name', 'Piped_Svc', '-o', 'name'], { input: text })), {
      code: 0,
      stdout: 'deployment.apps/piped-svc\nservice/piped-svc\n',
      stderr: '',
    });
    assert.deepEqual(outcome(await pachsvc(['render', '-f', '-'], { input: text })), {
      code: 1,
      stdout: '',
      stderr: '<stdin>:1:1: the spec names no service (no pipeline.name) and stdin has no file name to take one from: pass --name\n',
    });
  });

  test('validate: one line on stdout; -o json gives the result and diagnostics as JSON', async () => {
    assert.deepEqual(outcome(await pachsvc(['validate', '-f', 'examples/file-server.yaml'])), {
      code: 0,
      stdout: 'examples/file-server.yaml: valid: service "image-files" (Pachyderm 2.x form, camelCase, 1 input)\n',
      stderr: '',
    });
    const ok = await pachsvc(['validate', '-f', 'examples/jupyter.json', '-o', 'json']);
    assert.equal(ok.code, 0);
    assert.equal(ok.stderr, '');
    assert.deepEqual(JSON.parse(ok.stdout), {
      file: 'examples/jupyter.json',
      valid: true,
      service: 'jupyter',
      dialect: 'pachyderm-1.x',
      inputs: 1,
      services: [{ file: 'examples/jupyter.json', service: 'jupyter', dialect: 'pachyderm-1.x', inputs: 1 }],
      diagnostics: [
        {
          file: 'examples/jupyter.json',
          line: 23,
          column: 17,
          severity: 'warning',
          message: 'Pachyderm 1.x ref "master/0" (commit number 0 of master, counting from 0) is master.1 in Pachyderm 2.x; pachsvc uses the 2.x form',
        },
      ],
    });
    const file = specFile('broken-validate.json', BROKEN);
    const bad = await pachsvc(['validate', '-f', file, '-o', 'json']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, '');
    assert.deepEqual(JSON.parse(bad.stdout), {
      file,
      valid: false,
      services: [],
      diagnostics: [
        { file, line: 3, column: 31, severity: 'error', message: 'unknown field "imgae" in transform (did you mean "image"?)' },
        { file, line: 4, column: 32, severity: 'error', message: 'service.internal_port must be a port number from 1 to 65535, not 0' },
      ],
    });
  });

  test('render -o json is a v1 List of the objects; -o name is kind/name lines', async () => {
    const r = await pachsvc(['render', '-f', 'examples/postgres-lb.json', '-o', 'json']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    const list = JSON.parse(r.stdout) as { apiVersion: string; kind: string; items: unknown[] };
    assert.deepEqual(Object.keys(list), ['apiVersion', 'kind', 'items']);
    const loaded = await loadSpec(readFileSync(join(ROOT, 'examples/postgres-lb.json'), 'utf8'), { file: 'examples/postgres-lb.json' });
    assert.deepEqual(list, { apiVersion: 'v1', kind: 'List', items: renderService(loaded.service, { ...OPTIONS, version: VERSION }) });
    assert.deepEqual(outcome(await pachsvc(['render', '-f', 'examples/postgres-lb.json', '-o', 'name'])), {
      code: 0,
      stdout: 'deployment.apps/sales-db\nservice/sales-db\n',
      stderr: '',
    });
  });

  test('render flags reach the objects: namespace, auth secret, pachd address, pachctl version', async () => {
    const r = await pachsvc([
      'render', '-f', 'examples/file-server.yaml', '-o', 'json', '-n', 'apps',
      '--pachyderm-auth-secret', 'pach-auth', '--pachyderm-namespace', 'pachyderm', '--pachctl-version', '2.10.0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [deployment, service] = (JSON.parse(r.stdout) as { items: any[] }).items;
    assert.equal(deployment.metadata.namespace, 'apps');
    assert.equal(service.metadata.namespace, 'apps');
    const checkout = deployment.spec.template.spec.initContainers[0];
    assert.equal(checkout.image, 'pachyderm/pachctl:2.10.0');
    const env = Object.fromEntries(checkout.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.PACHD_ADDRESS, 'grpc://pachd.pachyderm.svc.cluster.local:30650');
    assert.deepEqual(env.PACHSVC_TOKEN, { secretKeyRef: { name: 'pach-auth', key: 'auth-token' } });
  });

  test('color only on a terminal, and never with --no-color or NO_COLOR', async () => {
    const missing = ['render', '-f', 'no-such-spec.json'];
    const forced = await pachsvc(missing, { env: { FORCE_COLOR: '1' } });
    assert.equal(forced.code, 1);
    assert.ok(forced.stderr.includes(ESC), 'FORCE_COLOR=1 should color the error');
    const off = await pachsvc([...missing, '--no-color'], { env: { FORCE_COLOR: '1' } });
    assert.deepEqual(outcome(off), { code: 1, stdout: '', stderr: 'error: cannot read "no-such-spec.json": no such file or folder\n' });
    // On a real terminal (script(1) gives one): color by default, none with NO_COLOR.
    const onTty = (env: Record<string, string>) =>
      procs.run('script', ['-qec', `${JSON.stringify(process.execPath)} bin/pachsvc ${missing.join(' ')}`, '/dev/null'], { cwd: ROOT, env: cleanEnv(env) });
    const tty = await onTty({});
    assert.ok(tty.stdout.includes(ESC), `no color on a terminal: ${JSON.stringify(tty.stdout)}`);
    const noColor = await onTty({ NO_COLOR: '1' });
    assert.ok(noColor.stdout.includes('error: cannot read "no-such-spec.json"'), noColor.stdout);
    assert.ok(!noColor.stdout.includes(ESC), `color despite NO_COLOR: ${JSON.stringify(noColor.stdout)}`);
  });

  test('a stack trace only with --verbose', async () => {
    const plain = await pachsvc(['render', '-f', 'no-such-spec.json']);
    assert.deepEqual(outcome(plain), { code: 1, stdout: '', stderr: 'error: cannot read "no-such-spec.json": no such file or folder\n' });
    const verbose = await pachsvc(['render', '-f', 'no-such-spec.json', '--verbose']);
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /^error: cannot read "no-such-spec\.json": no such file or folder\nError: cannot read "no-such-spec\.json": no such file or folder\n\s+at /);
    // A spec problem is the user's, not the program's: no stack even then.
    const file = specFile('broken-verbose.json', BROKEN);
    const spec = await pachsvc(['render', '-f', file, '-v']);
    assert.equal(spec.code, 1);
    assert.doesNotMatch(spec.stderr, /\n\s+at /);
  });

  test('completion prints a shell completion script', async () => {
    const r = await pachsvc(['completion']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^# pachsvc completion for bash/);
    assert.match(r.stdout, /complete -o default -F _pachsvc_complete pachsvc/);
    const zsh = await pachsvc(['completion', 'zsh']);
    assert.match(zsh.stdout, /^#compdef pachsvc/);
    assert.equal((await pachsvc(['completion', 'fish'])).code, 2);
  });
});
