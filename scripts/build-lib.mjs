// Builds the library (`import { loadSpec, renderService } from 'pachsvc'`) into dist/lib/: src/index.ts
// bundled by esbuild into one ESM file (its dependencies inside, so it needs no node_modules), and its
// types declared by tsc (tsconfig.lib.json). Run after scripts/build.mjs (`npm run build` chains them).
// The build fails if the library would load the Kubernetes client, yargs, chalk or any of src/cli,
// src/cluster or src/pachyderm: reading and rendering a spec needs no cluster and no terminal.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// build.mjs generates these; a library build on its own makes them if they are missing.
if (!existsSync(join(root, 'src/spec/generated')) || !existsSync(join(root, 'src/render/generated'))) {
  execFileSync(process.execPath, [join(root, 'scripts/gen-sources.mjs')], { stdio: 'inherit' });
}

const FORBIDDEN = [
  /(^|\/)node_modules\/(@kubernetes\/client-node|yargs|yargs-parser|chalk|ora|js-yaml)\//,
  /^src\/(cluster|pachyderm)\//,
  /^src\/cli\/(?!version\.ts$)/,
];

// Built beside dist/lib and swapped in, as build.mjs does for dist/.
const out = join(root, 'dist', `.lib-${process.pid}`);
rmSync(out, { recursive: true, force: true });
const result = await build({
  entryPoints: { index: join(root, 'src/index.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  keepNames: true,
  legalComments: 'none',
  metafile: true,
  define: { __PACHSVC_VERSION__: JSON.stringify(version) },
  // yaml's Node build is CommonJS and require()s node:process and node:buffer; give the ESM file a require.
  banner: { js: "import { createRequire as __pachsvcCreateRequire } from 'node:module';\nconst require = __pachsvcCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
const loaded = Object.keys(result.metafile.inputs).filter((p) => FORBIDDEN.some((re) => re.test(p)));
if (loaded.length > 0) {
  rmSync(out, { recursive: true, force: true });
  console.error(`build-lib: the library must not load these (src/index.ts reaches them):\n  ${loaded.join('\n  ')}`);
  process.exit(1);
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.lib.json'), '--outDir', out], { stdio: 'inherit' });
// The sources import './x.ts' (allowImportingTsExtensions); published declarations say './x.js', as
// every TypeScript version and resolution mode reads them.
for (const file of declarations(out)) {
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
  if (fixed !== text) writeFileSync(file, fixed);
}

const lib = join(root, 'dist', 'lib');
const old = join(root, 'dist', `.lib-old-${process.pid}`);
mkdirSync(dirname(lib), { recursive: true });
if (existsSync(lib)) renameSync(lib, old);
renameSync(out, lib);
rmSync(old, { recursive: true, force: true });

function declarations(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}
