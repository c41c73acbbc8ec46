// Start-up benchmark: wall time of `pachsvc --version`, `render` and `validate`, each as a ratio to
// `node -e 0` measured in the same run, interleaved (so machine load hits all alike). Medians of N runs.
// Usage: npm run bench [-- --runs N]   (the cluster benchmark is scripts/bench-list.mjs)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 30;
const bin = join(root, 'bin/pachsvc');
const cases = [
  { name: 'node -e 0 (baseline)', argv: [process.execPath, '-e', '0'] },
  { name: 'pachsvc --version', argv: [process.execPath, bin, '--version'] },
  { name: 'pachsvc render -f examples/jupyter.json', argv: [process.execPath, bin, 'render', '-f', 'examples/jupyter.json'] },
  { name: 'pachsvc render -o json (YAML spec)', argv: [process.execPath, bin, 'render', '-o', 'json', '-f', 'examples/file-server.yaml'] },
  { name: 'pachsvc validate -f examples/notebook-cross.json', argv: [process.execPath, bin, 'validate', '-f', 'examples/notebook-cross.json'] },
];

const times = cases.map(() => []);
for (let i = 0; i < runs + 2; i++) {
  cases.forEach((c, k) => {
    // Output goes to /dev/null for every case alike (as `> /dev/null 2>&1`); a failure is run again to show why.
    const start = process.hrtime.bigint();
    const r = spawnSync(c.argv[0], c.argv.slice(1), { cwd: root, stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) {
      const again = spawnSync(c.argv[0], c.argv.slice(1), { cwd: root, encoding: 'utf8' });
      throw new Error(`${c.name} failed (exit ${r.status}): ${again.stderr}`);
    }
    if (i >= 2) times[k].push(ms); // the first two rounds warm the file cache
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times[0]);
console.log(`start-up, median of ${runs} interleaved runs (target: at most 1.5x node -e 0 for --version and render)`);
for (const [k, c] of cases.entries()) {
  const m = median(times[k]);
  console.log(`${c.name.padEnd(52)} ${m.toFixed(1).padStart(7)} ms  ${(m / base).toFixed(2)}x`);
}
