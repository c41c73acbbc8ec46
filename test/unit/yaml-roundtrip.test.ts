// `-o yaml` means what `-o json` means: for many random values (hazardous strings as keys and values,
// nested maps and lists, odd JavaScript values), the yaml package reads back from toYaml exactly what
// JSON.parse reads back from JSON.stringify, as YAML 1.2 (core schema) and as YAML 1.1.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { toYaml } from '../../src/cli/output/yaml.ts';

/** What JSON makes of a value: the meaning toYaml must keep. */
const jsonMeaning = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');

function sameAsJson(value: unknown, label = JSON.stringify(value)): void {
  const text = toYaml(value);
  const expected = jsonMeaning(value);
  for (const version of ['1.2', '1.1'] as const) {
    let back: unknown;
    try {
      back = parse(text, { version, schema: version === '1.2' ? 'core' : 'yaml-1.1', uniqueKeys: true });
    } catch (err) {
      assert.fail(`YAML ${version} cannot read what toYaml wrote for ${label?.slice(0, 300)}:\n${text.slice(0, 2000)}\n${(err as Error).message}`);
    }
    assert.deepEqual(back, expected, `YAML ${version} read back something else from:\n${text.slice(0, 2000)}`);
  }
}

// Characters that have tripped YAML emitters: indicators, quotes, whitespace and line breaks of every
// kind, C0 and C1 controls, DEL, NEL, the separators, BOM, non-characters, lone and paired surrogates,
// non-ASCII letters and wide characters.
const HAZARDS = [
  ...'aZy019.-+_:,?#&*!|>%@`"\'[]{}<=~/\\ \t\n\r',
  '\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f',
  '\u007f', '\u0080', '\u0084', '\u0085', '\u0086', '\u009b', '\u009f', '\u00a0',
  '\u2028', '\u2029', '\ufeff', '\ufffe', '\uffff', '\ufffd', '\u200b', '\u202e',
  '\ud800', '\udbff', '\udc00', '\udfff', '\ud83c\udf89', 'é', 'ü', '✓', '中',
];
const WORDS = [
  'true', 'no', 'Yes', 'ON', 'null', '~', '0777', '0x1F', '1e3', '.inf', '-.Inf', '.NaN', '2001-12-14', '12:30', '<<', '=',
  '---', '...', '- x', '? x', ': x', 'a: b', 'a #b', '|', '>-', '"q"', "'q'", '', ' ', 'e9', '._', '__proto__', 'constructor',
];

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    // xorshift32: fast, and the same sequence on every run.
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

function randomString(random: (n: number) => number): string {
  const kind = random(10);
  if (kind === 0) return WORDS[random(WORDS.length)]!;
  if (kind === 1) return `${WORDS[random(WORDS.length)]}${HAZARDS[random(HAZARDS.length)]}`;
  const length = kind === 2 ? random(40) : random(8);
  let s = '';
  for (let i = 0; i < length; i++) s += HAZARDS[random(HAZARDS.length)];
  // Now and then, text shaped like a script: lines, some indented, some blank.
  if (kind === 3) s = `${s.replace(/^[\s]+/, '')}x\n  indented\n\nlast${random(2) ? '\n' : ''}`;
  return s;
}

function randomScalar(random: (n: number) => number): unknown {
  switch (random(8)) {
    case 0: return random(1000) - 500;
    case 1: return [0.5, -0.25, 1e21, 1e-7, 2 ** 53, -0][random(6)];
    case 2: return random(2) === 0;
    case 3: return null;
    default: return randomString(random);
  }
}

function randomValue(random: (n: number) => number, depth: number): unknown {
  const kind = depth >= 4 ? 2 : random(5);
  if (kind === 0) return Array.from({ length: random(4) }, () => randomValue(random, depth + 1));
  if (kind === 1) {
    const out: Record<string, unknown> = {};
    // Own properties, as JSON.parse makes them (so "__proto__" is a key like any other).
    for (let i = random(4); i > 0; i--) Object.defineProperty(out, randomString(random), { value: randomValue(random, depth + 1), enumerable: true, configurable: true, writable: true });
    return out;
  }
  return randomScalar(random);
}

describe('random values read back as their JSON', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`seed ${seed}: 250 values`, () => {
      const random = rng(seed * 2654435761);
      for (let i = 0; i < 250; i++) {
        const value = randomValue(random, 0);
        sameAsJson(value);
        sameAsJson({ deep: [{ list: [value] }] });
      }
    });
  }
});

describe('hazards one by one, as keys and values, in lists and deep inside', () => {
  for (const h of [...HAZARDS, ...WORDS]) {
    test(JSON.stringify(h), () => {
      for (const s of [h, `a${h}`, `${h}a`, `a${h}b`, `line\n${h}\n`, `${h}\nline`]) {
        sameAsJson(s);
        sameAsJson({ [s]: s });
        sameAsJson([s, { k: s }]);
        sameAsJson({ outer: [{ [s]: [s, { inner: s }] }] });
      }
    });
  }
});

describe('specific hazards', () => {
  test('NEL, the separators, BOM and C1 controls are escaped, never written raw', () => {
    const text = toYaml({ v: '\u0085\u2028\u2029\ufeff\u0080\u009f\u007f\ufffe\uffff' });
    assert.equal(text, 'v: "\\N\\L\\P\\ufeff\\x80\\x9f\\x7f\\ufffe\\uffff"\n');
    assert.ok(!/[\u0080-\u009f\u2028\u2029\ufeff]/.test(text));
  });

  test('a lone surrogate is written as JSON writes it, and read back as the same lone surrogate', () => {
    for (const s of ['\ud800', 'a\udc00b', '\udbff\ud800', '\ud83c']) {
      const text = toYaml({ [s]: s });
      assert.ok(/^[\u0000-\ud7ff\ue000-\uffff]*$/.test(text), 'the YAML text must be valid UTF-16 (so it can be UTF-8)');
      assert.ok(text.includes(JSON.stringify(s).slice(1, -1)));
      sameAsJson({ [s]: s });
    }
    // A surrogate pair is one character: written as it is.
    assert.equal(toYaml({ v: 'x\ud83c\udf89' }), 'v: "x\ud83c\udf89"\n');
  });

  test('keys longer than 1,024 characters are explicit (? key), at any depth and in lists', () => {
    for (const length of [1000, 1024, 1025, 5000]) {
      const key = 'k'.repeat(length);
      const quotedKey = `é${'x'.repeat(length)}`;
      const value = { [key]: { [quotedKey]: [1, { [key]: 'v' }], short: 'x\ny\n' }, list: [{ [key]: [] }], [`${key}2`]: 'a\nb' };
      sameAsJson(value, `keys of length ${length}`);
    }
    const text = toYaml({ ['k'.repeat(1200)]: 1 });
    assert.equal(text, `? ${'k'.repeat(1200)}\n: 1\n`);
  });

  test('JavaScript values JSON leaves out or changes: undefined, functions, NaN, Infinity, holes, toJSON', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3];
    const value = {
      u: undefined, f: () => 1, s: Symbol('x'), nan: NaN, inf: -Infinity, list: [undefined, () => 1, NaN, 2], sparse,
      date: new Date(0), custom: { toJSON: () => ({ replaced: true }) }, boxed: [new String('s'), new Number(1), new Boolean(false)],
    };
    sameAsJson(value);
    assert.equal(toYaml({ nan: NaN, list: [undefined] }), 'nan: null\nlist:\n  - null\n');
  });

  test('a top-level multi-line string is indented, so a line "---" stays text', () => {
    sameAsJson('a\n---\n...\nb\n');
    assert.equal(toYaml('a\n---\n'), '|\n  a\n  ---\n');
  });

  test('"__proto__" as a key is an ordinary key', () => {
    sameAsJson(JSON.parse('{"__proto__": {"namespace": "kube-system"}, "a": [{"__proto__": 1}]}'));
    assert.equal(({} as Record<string, unknown>).namespace, undefined);
  });
});
