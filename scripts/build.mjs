// Builds the installed command: generates embedded sources, then bundles src/cli/entry.ts with esbuild
// into dist/ (ESM, split so that the Kubernetes client is its own chunk, loaded only by cluster commands).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'scripts/gen-sources.mjs')], { stdio: 'inherit' });
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: { pachsvc: join(root, 'src/cli/entry.ts') },
  outdir: join(root, 'dist'),
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
