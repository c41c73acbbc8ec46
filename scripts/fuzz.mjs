// The mutation fuzzer of validate and render (test/helpers/fuzz.ts), for as long as asked:
//   node --import tsx scripts/fuzz.mjs --cases 20000 [--seed S] [--save DIR]   many cases
//   node --import tsx scripts/fuzz.mjs --seed S --case I [--save DIR]           one case again
// Every failing case is printed with how to run it again; --save writes its input to DIR. Exit 1 if any
// case failed. The unit test (test/unit/fuzz.test.ts) runs the same generator and checks, briefly.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFailure, fuzz } from '../test/helpers/fuzz.ts';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = process.argv[i + 1];
  if (value === undefined) {
    process.stderr.write(`error: --${name} needs a value\n`);
    process.exit(2);
  }
  return value;
}

function integer(name, text) {
  if (!/^\d{1,10}$/.test(String(text))) {
    process.stderr.write(`error: --${name} must be a whole number, not ${JSON.stringify(String(text).slice(0, 40))}\n`);
    process.exit(2);
  }
  return Number(text);
}

const seed = integer('seed', option('seed', String(Date.now() % 2 ** 31)));
const one = option('case', undefined);
const cases = one !== undefined ? 1 : integer('cases', option('cases', '2000'));
const first = one !== undefined ? integer('case', one) : 0;
const save = option('save', undefined);
const dir = mkdtempSync(join(tmpdir(), 'pachsvc-fuzz-'));
const tty = process.stderr.isTTY;
// Ctrl-C: the cases' folder goes too.
process.once('SIGINT', () => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(130);
});
let done = 0;

process.stdout.write(`fuzzing validate and render: seed ${seed}, ${cases} case${cases === 1 ? '' : 's'}${one !== undefined ? ` (case ${first})` : ''}\n`);
try {
  const summary = await fuzz({
    seed,
    cases,
    first,
    dir,
    onCase(o) {
      done++;
      if (o.problems.length > 0) {
        process.stdout.write(`${tty ? '\r\u001b[K' : ''}FAIL ${describeFailure(o)}\n`);
        if (save) {
          mkdirSync(save, { recursive: true });
          const name = `seed${o.c.seed}-case${o.c.index}-${o.c.file === '-' ? 'stdin' : o.c.file}`;
          writeFileSync(join(save, name), o.c.bytes);
          writeFileSync(join(save, `${name}.txt`), `${describeFailure(o)}\n`);
        }
      }
      if (tty && done % 50 === 0) process.stderr.write(`\r${done}/${cases}`);
      else if (!tty && done % 1000 === 0) process.stderr.write(`${done}/${cases}\n`);
    },
  });
  if (tty) process.stderr.write('\r\u001b[K');
  const exits = Object.entries(summary.exits)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
  process.stdout.write(`${summary.cases} cases in ${(summary.ms / 1000).toFixed(1)} s (seed ${seed}); exit codes validate/render/render -o json: ${exits}\n`);
  process.stdout.write(`slowest: ${summary.slowest.map((o) => `case ${o.c.index} ${o.ms.toFixed(0)} ms (${o.c.steps.slice(0, 3).join('; ')})`).join(', ')}\n`);
  process.stdout.write(summary.failures.length === 0 ? 'no failures\n' : `${summary.failures.length} failing case${summary.failures.length === 1 ? '' : 's'}\n`);
  process.exitCode = summary.failures.length === 0 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
