// Builds the installed command: generates embedded sources, then bundles src/cli/entry.ts with esbuild
// into dist/ (ESM, split so that the Kubernetes client is its own chunk, loaded only by cluster commands).
import { build } from 'esbuild';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'scripts/gen-sources.mjs')], { stdio: 'inherit' });
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Built beside dist/ and swapped in, so a pachsvc started during a build never finds half a dist/.
const out = join(root, `.dist-${process.pid}`);
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: { pachsvc: join(root, 'src/cli/start/main.ts') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: true,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __PACHSVC_VERSION__: JSON.stringify(version) },
  // Some dependencies (of the Kubernetes client) still call require(); give ESM chunks one.
  banner: { js: "import{createRequire as __pachsvcCreateRequire}from'module';const require=__pachsvcCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
const dist = join(root, 'dist');
const old = join(root, `.dist-old-${process.pid}`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(out, dist);
rmSync(old, { recursive: true, force: true });
