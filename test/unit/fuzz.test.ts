// The mutation fuzzer (test/helpers/fuzz.ts), briefly: a few hundred mutated specs through validate,
// render and render -o json, in process, each checked for what pachsvc promises (exit codes, stdout only on
// success, positioned one-line errors without raw control characters or stack traces, validate and
// render agreeing, YAML that reads back as the JSON, prototypes untouched). The seed is fixed, so a
// failure here is a failure every time; FUZZ_SEED and FUZZ_CASES choose others, and
// `node --import tsx scripts/fuzz.mjs --cases N [--seed S]` runs a longer search with the same checks.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bases, describeFailure, fuzz, generateCase, rng, runCase, toJsonText, toYamlText, type CaseOutcome, type FuzzCase } from '../helpers/fuzz.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.FUZZ_CASES ?? 250);
const dir = mkdtempSync(join(tmpdir(), 'pachsvc-fuzz-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the fuzzer itself', () => {
  test('a case is the same for the same seed and index, and others differ', () => {
    const a = generateCase(7, 3);
    const b = generateCase(7, 3);
    assert.deepEqual(a, b);
    assert.notDeepEqual(generateCase(7, 4).bytes, a.bytes);
    assert.notDeepEqual(generateCase(8, 3).bytes, a.bytes);
  });

  test('every base spec is valid as it is, in every serialization', async () => {
    for (const base of bases()) {
      for (let s = 0; s < 2; s++) {
        const r = rng(s);
        const text = base.format === 'json' ? toJsonText(base.tree, r) : toYamlText(base.tree, r);
        const c: FuzzCase = { seed: s, index: 0, file: `${base.name}.${base.format}`, bytes: Buffer.from(text), flags: [], renderFlags: [], steps: [`base ${base.name}`] };
        const o = await runCase(c, dir);
        assert.deepEqual({ codes: o.codes, problems: o.problems }, { codes: [0, 0, 0], problems: [] }, `${base.name}:\n${text}`);
      }
    }
  });

  test('the checks catch what they are for', async () => {
    // A spec that fails at a position, checked against a result that breaks each promise: the oracle
    // must see every break (else the fuzzer would pass whatever pachsvc did).
    const { resultProblems } = await import('../helpers/fuzz.ts');
    const base = { argv: ['validate', '-f', 'x.json'], ms: 1 };
    const cases: [string, { code: number; stdout: string; stderr: string }, RegExp][] = [
      ['exit 3', { code: 3, stdout: '', stderr: 'x.json:1:1: bad\n' }, /exit code 3/],
      ['stdout on failure', { code: 1, stdout: 'x', stderr: 'x.json:1:1: bad\n' }, /on stdout/],
      ['a stack trace', { code: 1, stdout: '', stderr: 'x.json:1:1: bad\n    at foo (x.js:1:1)\n' }, /stack trace/],
      ['an Error: line', { code: 1, stdout: '', stderr: 'TypeError: x\n' }, /"Error" line/],
      ['no position', { code: 1, stdout: '', stderr: 'error: Cannot convert object to primitive value\n' }, /unpositioned error line/],
      ['ESC', { code: 1, stdout: '', stderr: 'x.json:1:1: bad \u001b[31m\n' }, /raw U\+001b/],
      ['CR', { code: 1, stdout: '', stderr: 'x.json:1:1: bad\rforged\n' }, /raw U\+000d/],
      ['C1', { code: 1, stdout: '', stderr: 'x.json:1:1: bad\u009b\n' }, /raw U\+009b/],
      ['a lone surrogate', { code: 1, stdout: '', stderr: 'x.json:1:1: bad\ud800\n' }, /lone surrogate/],
      ['[object Object]', { code: 1, stdout: '', stderr: 'x.json:1:1: got [object Object]\n' }, /\[object Object\]/],
      ['exit 1 with warnings only', { code: 1, stdout: '', stderr: 'x.json:1:1: warning: meh\n' }, /without an error line/],
      ['a usage error without its hint', { code: 2, stdout: '', stderr: 'error: bad flag\n' }, /usage error is one error line and the hint/],
    ];
    for (const [what, r, expected] of cases) {
      const problems = resultProblems({ ...base, ...r }, 'x.json');
      assert.ok(problems.some((p) => expected.test(p)), `${what}: ${JSON.stringify(problems)}`);
    }
    assert.deepEqual(resultProblems({ ...base, code: 1, stdout: '', stderr: 'x.json:2:3: bad "\\u001b"\nx.json:4:1: warning: meh\n' }, 'x.json'), []);
    assert.deepEqual(resultProblems({ ...base, code: 2, stdout: '', stderr: "error: bad flag\nSee 'pachsvc validate --help' for usage.\n" }, 'x.json'), []);
  });
});

describe(`fuzzing validate and render: ${CASES} cases, seed ${SEED}`, () => {
  test('every case keeps the promises', { timeout: 120_000 }, async () => {
    const failures: CaseOutcome[] = [];
    const summary = await fuzz({ seed: SEED, cases: CASES, dir, onCase: (o) => o.problems.length > 0 && failures.push(o) });
    // Some cases must pass and some fail, or the mutations are too weak or too strong to tell anything.
    const ok = summary.exits['0/0/0'] ?? 0;
    assert.ok(ok > CASES * 0.1 && ok < CASES * 0.9, `valid cases: ${ok} of ${CASES} (${JSON.stringify(summary.exits)})`);
    assert.deepEqual(failures.map(describeFailure), []);
  });
});
