// The start-up rows of the benchmark alone (no cluster): `pachsvc --version`, render and validate of a
// JSON and a YAML spec, each as a ratio to `node -e 0` measured in the same run, interleaved.
//   node scripts/bench.mjs [--runs N]      (the whole benchmark: npm run bench)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const all = join(dirname(fileURLToPath(import.meta.url)), 'bench/all.mjs');
const r = spawnSync(process.execPath, [all, '--only', 'startup', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
