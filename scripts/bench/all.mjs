// `npm run bench`: the start-up benchmark (scripts/bench.mjs, no cluster), then the `pachsvc list`
// benchmark (scripts/bench-list.mjs, 1,000 services on the local control plane). npm appends
// `npm run bench -- ARGS` to the script's command line, so this runner hands `--runs N` to the first and
// every other argument to the second.
//   npm run bench [-- [--runs 30] [--services 1000 --rounds 15 --keep ...]]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const scripts = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const at = args.indexOf('--runs');
const startup = at >= 0 ? args.splice(at, 2) : [];

// Ctrl-C reaches the child too; wait for it to clean up (stop the cluster it started) instead of dying first.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});

for (const [script, argv] of [['bench.mjs', startup], ['bench-list.mjs', args]]) {
  const r = spawnSync(process.execPath, [join(scripts, script), ...argv], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log();
}
