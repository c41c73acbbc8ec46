// Builds the installed command into dist/:
//   1. generates the embedded sources (scripts/gen-sources.mjs);
//   2. bundles src/cli/start/main.ts with esbuild, split at every dynamic import() so that each command
//      loads only what it uses (the Kubernetes client, yargs, the YAML parsers, ora are chunks of their
//      own), as ESM;
//   3. turns each chunk into CommonJS (dist/chunks/*.cjs; import() becomes a lazy require), because only
//      a script, not an ES module, can start from V8's code cache on Node 20;
//   4. writes the loader (dist/pachsvc.cjs, from src/cli/start/loader.cjs) that bin/pachsvc runs, and
//      dist/pachsvc.js, the same for whoever imports the ESM path;
//   5. makes the code caches by running the commonest commands once in one process (render and validate
//      of JSON and YAML specs, help, and list, create, apply, update, inspect and delete against a
//      stand-in API server), so the caches hold what those commands run, and packs the chunks with their
//      caches into dist/chunks/pack (the Kubernetes client's chunk and its cache stay files of their own).
// dist/ is built beside and swapped in whole, so a pachsvc started during a build never finds half of
// one; dist/lib (the library, scripts/build-lib.mjs) is kept.
//
//   node scripts/build.mjs [--analyze]    --analyze: which chunks each command loads, and their sizes
import { build, transform } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Chunks bigger than this stay out of the pack (the Kubernetes client's). */
const PACK_LIMIT = 1 << 20;
const analyze = process.argv.includes('--analyze');
execFileSync(process.execPath, [join(root, 'scripts/gen-sources.mjs')], { stdio: 'inherit' });
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const out = join(root, `.dist-${process.pid}`);
rmSync(out, { recursive: true, force: true });
try {
  await bundle(out);
  train(out);
  if (analyze) printAnalysis(out);
  rmSync(join(out, 'meta.json'), { force: true });
  swapIn(out, join(root, 'dist'));
} finally {
  rmSync(out, { recursive: true, force: true });
}

async function bundle(dir) {
  const loaders = commandLoaders();
  const result = await build({
    entryPoints: { main: join(root, 'src/cli/start/main.ts') },
    absWorkingDir: root,
    outdir: join(dir, 'esm'),
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    keepNames: true,
    legalComments: 'none',
    charset: 'ascii',
    metafile: true,
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    define: { __PACHSVC_VERSION__: JSON.stringify(version) },
    plugins: [loaders],
    logLevel: 'warning',
  });
  const chunks = join(dir, 'chunks');
  mkdirSync(chunks, { recursive: true });
  let entry;
  for (const file of result.outputFiles) {
    const name = basename(file.path).replace(/\.js$/, '.cjs');
    const meta = result.metafile.outputs[relative(root, file.path)];
    if (meta?.entryPoint === 'src/cli/start/main.ts') entry = name;
    const { code } = await transform(file.text, {
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      minifyWhitespace: true,
      charset: 'ascii',
      // import() of a chunk becomes a require() when it runs: still lazy, and no ES module loader.
      supported: { 'dynamic-import': false },
      define: { 'import.meta.url': '__import_meta.url' },
      logLevel: 'error',
    });
    const cjs = code.replace(/require\("(\.\/[\w.-]+)\.js"\)/g, 'require("$1.cjs")');
    // The loader reads chunks as latin1 (one byte a character, exact for ASCII, and the cheapest read).
    if (/[^\x00-\x7f]/.test(cjs)) throw new Error(`chunk ${name} is not ASCII`);
    if (/\bimport\(/.test(cjs.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) throw new Error(`chunk ${name} still has an import()`);
    // Written as the function the loader calls with the chunk's CommonJS scope (and import.meta): the
    // loader compiles the file as it is, with no wrapping string built at run time.
    writeFileSync(join(chunks, name), `(function (exports, require, module, __filename, __dirname, __import_meta) {\n${cjs}\n})`);
  }
  if (!entry) throw new Error('no entry chunk for src/cli/start/main.ts');
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(result.metafile));
  // PACHSVC_BUILD_META=FILE keeps the metafile (which source is in which chunk) for esbuild's analyzer.
  if (process.env.PACHSVC_BUILD_META) writeFileSync(process.env.PACHSVC_BUILD_META, JSON.stringify(result.metafile));
  const loader = readFileSync(join(root, 'src/cli/start/loader.cjs'), 'utf8')
    .replace("'__PACHSVC_VERSION__'", JSON.stringify(version))
    .replace("'__PACHSVC_ENTRY__'", JSON.stringify(entry));
  writeFileSync(join(dir, 'pachsvc.cjs'), loader);
  writeFileSync(
    join(dir, 'pachsvc.js'),
    "// The same as pachsvc.cjs (what bin/pachsvc runs), for whoever starts pachsvc through this path.\nimport { createRequire } from 'node:module';\ncreateRequire(import.meta.url)('./pachsvc.cjs').main();\n",
  );
}

/**
 * src/cli/start/commands.ts, as built: a switch from every name and alias in the registry to an import()
 * of that command's own module, so a command loads its code only. Derived from the registry itself
 * (evaluated here with tsx: which export of which src/cli/commands file each registered command is);
 * the build fails if a registered command is not found.
 */
function commandLoaders() {
  const probe = `
    import { readdirSync } from 'node:fs';
    import { COMMANDS } from './src/cli/registry.ts';
    const found = [];
    for (const f of readdirSync('src/cli/commands').filter((f) => f.endsWith('.ts')).sort()) {
      const m = await import('./src/cli/commands/' + f);
      for (const [name, value] of Object.entries(m)) {
        const c = COMMANDS.find((c) => c === value);
        if (c) found.push({ file: 'src/cli/commands/' + f, name, names: [c.name, ...(c.aliases ?? [])] });
      }
    }
    const missing = COMMANDS.filter((c) => !found.some((x) => x.names[0] === c.name)).map((c) => c.name);
    process.stdout.write(JSON.stringify({ found, missing }));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`reading the command registry failed:\n${r.stderr}`);
  const { found, missing } = JSON.parse(r.stdout);
  if (missing.length > 0) throw new Error(`commands in the registry but not exported by a module of src/cli/commands: ${missing.join(', ')}`);
  const cases = found.flatMap((c) => c.names.map((n) => `    case ${JSON.stringify(n)}: return (await import(${JSON.stringify(join(root, c.file))})).${c.name};`));
  const contents = `export async function loadCommand(name) {\n  switch (name) {\n${cases.join('\n')}\n    default: return undefined;\n  }\n}\n`;
  const target = join(root, 'src/cli/start/commands.ts');
  return {
    name: 'pachsvc-command-loaders',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]cli[\\/]start[\\/]commands\.ts$/ }, (args) => (args.path === target ? { contents, loader: 'js', resolveDir: dirname(target) } : undefined));
    },
  };
}

// ------------------------------------------------------------------------------------------ caches

/** Runs the commands in one process with the new dist/ and writes its code caches. */
function train(dir) {
  const script = `
    const { startStandIn } = await import(${JSON.stringify(join(root, 'scripts/build/stand-in-apiserver.mjs'))});
    const standIn = await startStandIn();
    const commands = ${JSON.stringify(trainingCommands())}.map((argv) => argv.map((a) => a === '{kubeconfig}' ? standIn.kubeconfig : a));
    const { train } = (await import('node:module')).createRequire(${JSON.stringify(join(dir, 'pachsvc.cjs'))})(${JSON.stringify(join(dir, 'pachsvc.cjs'))});
    try { await train(commands); } finally { await standIn.close(); }
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    env: { ...cleanEnv(), PACHSVC_PACHCTL: '/nonexistent/pachctl' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`making the code caches failed (exit ${r.status}):\n${r.stderr}`);
  pack(dir);
}

/**
 * Packs the chunks a command may load, with their caches, into one file (dist/chunks/pack, read by
 * offset: one open a process instead of two a chunk). The Kubernetes client (megabytes, loaded only for
 * proxies and legacy auth plugins) stays in files of its own; a packed chunk's cache file goes.
 */
function pack(dir) {
  const chunks = join(dir, 'chunks');
  const packed = {};
  for (const name of readdirSync(chunks).filter((n) => n.endsWith('.cjs')).sort()) {
    const source = readFileSync(join(chunks, name));
    if (source.length > PACK_LIMIT) continue;
    const cacheFile = join(chunks, `${name}.cache`);
    packed[name] = [source, existsSync(cacheFile) ? readFileSync(cacheFile) : undefined];
  }
  createRequire(import.meta.url)(join(dir, 'pachsvc.cjs')).writePack(packed);
  for (const name of Object.keys(packed)) rmSync(join(chunks, `${name}.cache`), { force: true });
}

function trainingCommands() {
  const cluster = ['--kubeconfig', '{kubeconfig}', '-n', 'training'];
  const spec = (file) => ['-f', file];
  return [
    ['render', ...spec('examples/jupyter.json')],
    ['render', ...spec('examples/file-server.yaml'), '-o', 'json'],
    ['validate', ...spec('examples/notebook-cross.json')],
    ['validate', ...spec('examples/file-server.yaml')],
    ['list', ...cluster],
    ['create', ...spec('examples/jupyter.json'), '--no-pin', ...cluster],
    ['apply', ...spec('examples/file-server.yaml'), '--no-pin', ...cluster],
    ['list', ...cluster],
    ['apply', ...spec('examples/jupyter.json'), '--no-pin', ...cluster],
    ['update', ...spec('examples/jupyter.json'), '--no-pin', '--pachctl-version', '2.11.0', ...cluster],
    ['inspect', 'jupyter', ...cluster],
    ['delete', 'jupyter', ...cluster],
    ['delete', 'image-files', ...cluster],
    ['--help'],
    ['create', '--help'],
  ];
}

// The training must not depend on the builder's kubeconfig or terminal.
function cleanEnv() {
  const env = { ...process.env };
  for (const k of ['KUBECONFIG', 'NO_COLOR', 'FORCE_COLOR', 'PACHSVC_NO_CODE_CACHE', 'NODE_OPTIONS']) delete env[k];
  return env;
}

// ------------------------------------------------------------------------------------------ dist

function swapIn(built, dist) {
  rmSync(join(built, 'esm'), { recursive: true, force: true });
  // The library (scripts/build-lib.mjs) lives in dist/lib: keep it until that build replaces it.
  if (existsSync(join(dist, 'lib'))) renameSync(join(dist, 'lib'), join(built, 'lib'));
  const old = join(root, `.dist-old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(built, dist);
  rmSync(old, { recursive: true, force: true });
}

function printAnalysis(dir) {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const rows = Object.entries(meta.outputs).map(([file, o]) => {
    const byPackage = {};
    for (const [input, v] of Object.entries(o.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = m ? m[1] : input.replace(/\/[^/]+$/, '');
      byPackage[key] = (byPackage[key] ?? 0) + v.bytesInOutput;
    }
    const top = Object.entries(byPackage)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}k`)
      .join(', ');
    return `${basename(file).padEnd(28)} ${String((o.bytes / 1024).toFixed(0)).padStart(6)} kB  ${top}`;
  });
  console.log(rows.join('\n'));
}
