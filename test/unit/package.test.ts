// The npm package as a user gets it, on a machine that never saw this repository: `npm pack` from a
// clean copy of the tree (no dist/: its prepack builds), the tarball's contents, `npm install -g` into a
// temporary prefix (offline: pachsvc bundles what it runs, so nothing is fetched), and then, from
// outside the repository, the installed commands (pachsvc, kubectl-pachsvc, kubectl_complete-pachsvc),
// `npx ./pachsvc-<version>.tgz`, the real kubectl running the plugin and completing it, and the library:
// a TypeScript program that tsc checks against the installed .d.ts and node runs, importing nothing but
// the bundle. Packs once for all of it (about half a minute: the build makes its code caches).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ProcessGroup, type Finished } from './helpers/processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; dependencies?: Record<string, string> };
const procs = new ProcessGroup();
const temp = mkdtempSync(join(tmpdir(), 'pachsvc-package-'));
const tree = join(temp, 'tree');
const out = join(temp, 'out');
const prefix = join(temp, 'prefix');
const home = join(temp, 'home');
let tarball = '';
let installed = '';
let entries: string[] = [];

/** The environment of a user's shell: nothing of this npm run, this test runner or this machine's cluster. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_(lifecycle|package)_|npm_config_(prefix|local_prefix|global_prefix|call|yes)$|INIT_CWD$|NODE_OPTIONS$|NODE_PATH$|NODE_TEST_CONTEXT$|KUBECONFIG$|NO_COLOR$|FORCE_COLOR$)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, HOME: home, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, ...extra };
}

async function sh(command: string, args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Finished> {
  return procs.run(command, args, { cwd: options.cwd ?? temp, env: userEnv(options.env), timeoutMs: options.timeoutMs ?? 20_000 });
}

function ok(r: Finished, what: string): Finished {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

before(async () => {
  // A clean clone of the tree as it is now: the files git tracks and the new ones it does not ignore;
  // no dist/, no generated sources. node_modules is the one `npm ci` made (devDependencies build it).
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(tree, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(tree, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
  mkdirSync(out);
  mkdirSync(home);
  ok(await sh('npm', ['pack', '--pack-destination', out, '--silent'], { cwd: tree, timeoutMs: 240_000 }), 'npm pack');
  const packed = readdirSync(out).filter((f) => f.endsWith('.tgz'));
  assert.deepEqual(packed, [`${PKG.name}-${PKG.version}.tgz`]);
  tarball = join(out, packed[0]!);
  entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((e) => e.replace(/^package\//, ''));
  ok(await sh('npm', ['install', '-g', '--prefix', prefix, tarball, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { timeoutMs: 120_000 }), 'npm install -g');
  installed = join(prefix, 'lib', 'node_modules', PKG.name);
});

after(() => {
  procs.killAll();
  rmSync(temp, { recursive: true, force: true });
});

describe('the npm package', { timeout: 300_000 }, () => {
  test('holds exactly what it needs: bin, dist, schemas, examples, README, LICENSE', () => {
    for (const needed of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin/pachsvc',
      'bin/kubectl-pachsvc',
      'bin/kubectl_complete-pachsvc',
      'dist/pachsvc.js',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/THIRD-PARTY-NOTICES.txt',
      'schemas/service.schema.json',
      'examples/jupyter.json',
    ]) {
      assert.ok(entries.includes(needed), `${needed} is missing from the tarball`);
    }
    const stray = entries.filter((e) => !/^(package\.json|README\.md|LICENSE|bin\/[^/]+|dist\/.+|schemas\/[^/]+\.json|examples\/[^/]+\.(json|ya?ml))$/.test(e));
    assert.deepEqual(stray, []);
    // Not the sources, the tests, the build's own notes, or source maps.
    assert.deepEqual(entries.filter((e) => /\.ts$/.test(e) && !e.endsWith('.d.ts')), []);
    assert.deepEqual(entries.filter((e) => /(^|\/)meta\.json$|\.map$/.test(e)), []);
    assert.match(readFileSync(join(installed, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
    // The packages bundled into dist/ travel with their licenses.
    const notices = readFileSync(join(installed, 'dist', 'THIRD-PARTY-NOTICES.txt'), 'utf8');
    for (const bundled of ['yaml@', 'ajv@', 'yargs@', 'chalk@', '@kubernetes/client-node@']) assert.match(notices, new RegExp(`^${bundled.replace(/[/.]/g, '\\$&')}\\S+ \\(`, 'm'), bundled);
  });

  test('needs no other package at run time: the bundle loads only Node\'s own modules (and its dependencies)', () => {
    const allowed = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(PKG.dependencies ?? {})]);
    const found = new Map<string, string>();
    for (const file of entries.filter((e) => /^(dist|bin)\/.+\.(c?js)$|^bin\/[^/.]+$/.test(e))) {
      const code = readFileSync(join(installed, file), 'utf8').replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '');
      for (const m of code.matchAll(/\b(?:require|import)\s*\(\s*(["'])([@\w][\w@./:-]*)\1\s*\)|\bfrom\s*(["'])([@\w][\w@./:-]*)\3/g)) {
        const spec = (m[2] ?? m[4])!;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!allowed.has(spec) && !allowed.has(name)) found.set(spec, file);
      }
    }
    // ajv's standalone code names its runtime helpers in a string; the build inlined them.
    found.delete('ajv/dist/runtime/ucs2length');
    assert.deepEqual(Object.fromEntries(found), {}, 'imported at run time but not in dependencies');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string>; exports: unknown };
    assert.deepEqual(Object.keys(pkg.bin).sort(), ['kubectl-pachsvc', 'kubectl_complete-pachsvc', 'pachsvc']);
    // The installed copy has nothing beside it to borrow from.
    assert.equal(existsSync(join(installed, 'node_modules')), false);
  });

  test('pachsvc, installed: --version, render and validate, from outside the repository', async () => {
    assert.equal(ok(await sh('pachsvc', ['--version']), 'pachsvc --version').stdout, `${PKG.version}\n`);
    const example = join(installed, 'examples', 'jupyter.json');
    const rendered = ok(await sh('pachsvc', ['render', '-f', example, '-o', 'json']), 'pachsvc render');
    assert.deepEqual(
      (JSON.parse(rendered.stdout) as { items: { kind: string }[] }).items.map((o) => o.kind),
      ['Deployment', 'Service'],
    );
    const yaml = ok(await sh('pachsvc', ['render', '-f', join(installed, 'examples', 'file-server.yaml')]), 'pachsvc render (YAML spec)');
    assert.match(yaml.stdout, /^apiVersion: apps\/v1\nkind: Deployment\n/);
    const valid = ok(await sh('pachsvc', ['validate', '-f', join(installed, 'examples')]), 'pachsvc validate');
    assert.match(valid.stdout, /jupyter\.json: valid: service "jupyter"/);
    const broken = join(temp, 'broken.json');
    writeFileSync(broken, '{"pipeline": {"name": "x"}, "transform": {"imgae": "i"}, "service": {"internal_port": 80}}');
    const invalid = await sh('pachsvc', ['validate', '-f', broken]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /broken\.json:1:\d+: unknown field "imgae"/);
    assert.equal(ok(await sh('pachsvc', ['version', '--client']), 'pachsvc version').stdout.split('\n')[0], `pachsvc Version: ${PKG.version}`);
  });

  test('kubectl-pachsvc and kubectl_complete-pachsvc, installed', async () => {
    assert.equal(ok(await sh('kubectl-pachsvc', ['--version']), 'kubectl-pachsvc --version').stdout, `${PKG.version}\n`);
    const help = ok(await sh('kubectl-pachsvc', ['--help']), 'kubectl-pachsvc --help');
    assert.match(help.stdout, /^Usage: kubectl pachsvc <command> \[flags\]$/m);
    const usage = await sh('kubectl-pachsvc', ['inspect']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /See 'kubectl pachsvc inspect --help' for usage\./);
    const completions = ok(await sh('kubectl_complete-pachsvc', ['re']), 'kubectl_complete-pachsvc');
    assert.equal(completions.stdout, 'render\tPrint the Kubernetes objects of services, without a cluster\n:4\n');
    assert.equal(ok(await sh('kubectl_complete-pachsvc', ['render', '-f', '']), 'kubectl_complete-pachsvc -f').stdout, ':0\n');
  });

  test('npx ./pachsvc-<version>.tgz', async () => {
    const r = ok(await sh('npx', ['--yes', '--offline', `./${PKG.name}-${PKG.version}.tgz`, 'render', '-f', join(installed, 'examples', 'jupyter.json'), '-o', 'name'], { cwd: out, timeoutMs: 60_000 }), 'npx');
    assert.equal(r.stdout, 'deployment.apps/jupyter\nservice/jupyter\n');
  });

  test('the real kubectl runs the plugin, and completes it through kubectl_complete-pachsvc', async () => {
    // Never skipped: `npm test` builds the local control plane (kubectl among it) before the unit tests.
    const kubectl = findKubectl();
    assert.ok(kubectl, 'no kubectl: run `bash test/cluster/build.sh` (npm test does) or put kubectl on PATH');
    assert.equal(ok(await sh(kubectl, ['pachsvc', '--version']), 'kubectl pachsvc --version').stdout, `${PKG.version}\n`);
    const rendered = ok(await sh(kubectl, ['pachsvc', 'render', '-f', 'examples/jupyter.json'], { cwd: installed }), 'kubectl pachsvc render');
    assert.match(rendered.stdout, /^apiVersion: apps\/v1\nkind: Deployment\nmetadata:\n {2}name: jupyter\n/);
    assert.match(ok(await sh(kubectl, ['pachsvc', '--help']), 'kubectl pachsvc --help').stdout, /^Usage: kubectl pachsvc <command>/m);
    const completed = ok(await sh(kubectl, ['__complete', 'pachsvc', 'li']), 'kubectl __complete pachsvc');
    assert.equal(completed.stdout, 'list\tList services: inputs, ports, readiness, status, age\n:4\n');
    const flags = ok(await sh(kubectl, ['__complete', 'pachsvc', 'list', '-o', '']), 'kubectl __complete pachsvc list -o');
    assert.equal(flags.stdout, 'wide\njson\nyaml\nname\n:4\n');
  });
});

describe('the library, installed', { timeout: 120_000 }, () => {
  const consumer = join(temp, 'consumer');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

  before(() => {
    mkdirSync(join(consumer, 'node_modules'), { recursive: true });
    symlinkSync(installed, join(consumer, 'node_modules', PKG.name), 'dir');
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  });

  test('a TypeScript program type-checks against the installed .d.ts and renders a spec', async () => {
    const spec = readFileSync(join(installed, 'examples', 'jupyter.json'), 'utf8');
    writeFileSync(
      join(consumer, 'main.ts'),
      `import { defaultRenderOptions, loadSpec, renderService, SpecError, validateSpec, type Diagnostic, type KubeObject, type ServiceSpec } from 'pachsvc';

declare const console: { log(message: string): void };

const { service } = await loadSpec(${JSON.stringify(spec)}, { file: 'jupyter.json' });
const model: ServiceSpec = service;
const objects: KubeObject[] = renderService(model, defaultRenderOptions({ namespace: 'apps' }));
export function misuse(): void {
  // @ts-expect-error RenderOptions needs pachctlImage, pachdAddress and version: the types are real, not any.
  renderService(model, {});
}
const result = await validateSpec('{"pipeline": {"name": "x"}, "transform": {"imgae": "i"}, "service": {"internal_port": 80}}', { file: 'bad.json' });
const problems: Diagnostic[] = result.diagnostics;
let thrown = '';
try {
  await loadSpec('{', { file: 'cut.json' });
} catch (err) {
  if (err instanceof SpecError) thrown = err.diagnostics[0]!.file;
}
console.log(JSON.stringify({
  kinds: objects.map((o) => o.kind),
  namespace: objects[0]!.metadata.namespace,
  ports: service.port,
  valid: result.valid,
  problem: problems.find((d) => d.severity === 'error')!.message,
  thrown,
}));
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: [], strict: true, skipLibCheck: false, outDir: 'out' },
        files: ['main.ts'],
      }),
    );
    ok(await sh(process.execPath, [tsc, '-p', consumer], { cwd: consumer, timeoutMs: 60_000 }), 'tsc (NodeNext)');
    ok(await sh(process.execPath, [tsc, '-p', consumer, '--module', 'ESNext', '--moduleResolution', 'Bundler', '--noEmit'], { cwd: consumer, timeoutMs: 60_000 }), 'tsc (Bundler)');
    const run = ok(await sh(process.execPath, [join(consumer, 'out', 'main.js')], { cwd: consumer }), 'node main.js');
    const printed = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.deepEqual(printed.kinds, ['Deployment', 'Service']);
    assert.equal(printed.namespace, 'apps');
    assert.deepEqual(printed.ports, { internal: 8888, external: 30888, type: 'NodePort' });
    assert.equal(printed.valid, false);
    assert.match(String(printed.problem), /unknown field "imgae"/);
    assert.equal(printed.thrown, 'cut.json');
  });

  test('importing it loads the bundle and Node\'s own modules only: never the Kubernetes client, yargs or chalk', async () => {
    const log = join(consumer, 'resolved.txt');
    writeFileSync(
      join(consumer, 'hooks.mjs'),
      "import { appendFileSync } from 'node:fs';\nlet log;\nexport function initialize(data) { log = data.log; }\nexport async function resolve(specifier, context, next) {\n  const r = await next(specifier, context);\n  appendFileSync(log, r.url + '\\n');\n  return r;\n}\n",
    );
    writeFileSync(
      join(consumer, 'check.mjs'),
      `import { createRequire, register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { log: ${JSON.stringify(log)} } });
const lib = await import('pachsvc');
// A YAML spec too: the YAML reader is part of the bundle.
const { service } = await lib.loadSpec('pipeline: {name: y}\\ntransform: {image: i}\\nservice: {internal_port: 80}\\ninput: {pfs: {repo: r, glob: /}}\\n', { file: 'y.yaml' });
lib.renderService(service, lib.defaultRenderOptions());
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
`,
    );
    const r = ok(await sh(process.execPath, [join(consumer, 'check.mjs')], { cwd: consumer }), 'import pachsvc');
    assert.deepEqual(JSON.parse(r.stdout), [], 'CommonJS files were loaded');
    const bundle = pathToFileURL(join(installed, 'dist', 'lib', 'index.js')).href;
    const resolved = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))];
    assert.deepEqual(
      resolved.filter((url) => !url.startsWith('node:') && url !== bundle && url !== pathToFileURL(join(consumer, 'hooks.mjs')).href),
      [],
    );
    assert.ok(resolved.includes(bundle), resolved.join('\n'));
    // And none of them is inside the bundle (esbuild names each module it takes in a comment).
    const text = readFileSync(join(installed, 'dist', 'lib', 'index.js'), 'utf8');
    const modules = [...text.matchAll(/^\/\/ ((?:node_modules|src)\/\S+)$/gm)].map((m) => m[1]!);
    assert.ok(modules.includes('src/index.ts') && modules.some((m) => m.startsWith('src/spec/')), 'the bundle names its modules');
    assert.deepEqual(
      modules.filter((m) => /^node_modules\/(@kubernetes\/client-node|yargs|yargs-parser|chalk|ora|js-yaml)\/|^src\/(cluster|pachyderm)\/|^src\/cli\/(?!version\.ts$)/.test(m)),
      [],
    );
    // require() of it works too (Node 20.19+ loads ES modules with require).
    const cjs = ok(await sh(process.execPath, ['-e', "process.stdout.write(typeof require('pachsvc').renderService)"], { cwd: consumer }), 'require(pachsvc)');
    assert.equal(cjs.stdout, 'function');
  });
});

/** The local control plane's kubectl (test/cluster/build.sh), else one on PATH. */
function findKubectl(): string | undefined {
  const dir = spawnSync('bash', [join(ROOT, 'test/cluster/build.sh'), '--print-dir'], { encoding: 'utf8' }).stdout.trim();
  if (dir && existsSync(join(dir, 'bin', 'kubectl'))) return join(dir, 'bin', 'kubectl');
  const onPath = spawnSync('bash', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  return onPath || undefined;
}
