// Writes dist/THIRD-PARTY-NOTICES.txt: the name, version, license and license text of every package
// the bundles hold (the command's, src/cli/start/main.ts, and the library's, src/index.ts). pachsvc
// ships its dependencies inside dist/ instead of installing them, and their licenses (MIT, ISC, BSD,
// Apache-2.0) ask that their notices travel with every copy. Run after the builds (`npm run build`).
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// What the bundles take in, as esbuild sees it (nothing is written).
const { metafile } = await build({
  entryPoints: [join(root, 'src/cli/start/main.ts'), join(root, 'src/index.ts')],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  write: false,
  metafile: true,
  outdir: join(root, 'dist'),
  logLevel: 'warning',
});
const dirs = new Set();
for (const input of Object.keys(metafile.inputs)) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) dirs.add(m[1]);
}

const sections = [];
for (const dir of [...dirs].sort()) {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const texts = readdirSync(join(root, dir))
    .filter((f) => /^(licen[cs]e|copying|notice)([.-]|$)/i.test(f))
    .sort()
    .map((f) => readFileSync(join(root, dir, f), 'utf8').trim());
  const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'see its package');
  // A package that ships no license file is named with the license its package.json gives (the
  // standard text of Apache-2.0 is pachsvc's own LICENSE).
  const body = texts.length > 0 ? texts.join('\n\n') : `(The package ships no license file; its package.json says ${license}${pkg.author ? `, by ${typeof pkg.author === 'string' ? pkg.author : pkg.author.name}` : ''}.)`;
  sections.push(`${pkg.name}@${pkg.version} (${license})\n\n${body}`);
}
const rule = `\n\n${'-'.repeat(100)}\n\n`;
const out = join(root, 'dist', 'THIRD-PARTY-NOTICES.txt');
if (!existsSync(dirname(out))) throw new Error('dist/ is missing: build first');
writeFileSync(out, `pachsvc bundles these packages into dist/ (${sections.length}); their licenses follow.${rule}${sections.join(rule)}\n`);
