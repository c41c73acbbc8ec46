// src/cli/output/yaml.ts writes YAML without the yaml package; here the yaml package reads back what it
// wrote, as YAML 1.2 and as YAML 1.1 (what kubectl's reader is closest to), and must get the same value.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { toYaml } from '../../src/cli/output/yaml.ts';
import { renderService } from '../../src/render/index.ts';
import { loadSpec } from '../../src/spec/load.ts';
import { OPTIONS } from './helpers/render.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url);

function roundTrips(value: unknown): void {
  const text = toYaml(value);
  for (const version of ['1.2', '1.1'] as const) {
    let back: unknown;
    try {
      back = parse(text, { version });
    } catch (err) {
      assert.fail(`YAML ${version} cannot read what toYaml wrote for ${JSON.stringify(value)}:\n${text}\n${(err as Error).message}`);
    }
    assert.deepEqual(back, value, `YAML ${version} read back something else from:\n${text}`);
  }
}

describe('every example\'s rendered objects', () => {
  for (const file of readdirSync(EXAMPLES).sort()) {
    test(file, async () => {
      const loaded = await loadSpec(readFileSync(new URL(file, EXAMPLES), 'utf8'), { file });
      const objects = renderService(loaded.service, OPTIONS);
      for (const object of objects) roundTrips(object);
    });
  }
});

const NASTY = [
  'true', 'True', 'FALSE', 'no', 'No', 'yes', 'y', 'n', 'on', 'OFF', 'null', 'Null', '~',
  '0777', '0o17', '0x1F', '1e3', '1_000', '12:30:00', '-1', '+1', '.5', '3.', '.inf', '-.Inf', '.NaN', '.', '._', '.e1', 'e9', '2001-12-14',
  '-', '- x', '---', '...', '?', '? x', ':', ': x', 'a: b', 'a:', 'a:b', 'a #b', '#x', '@x', '`x', '!tag', '&anchor', '*alias', '%x',
  '|', '> x', '[a]', '{a}', 'a,b', "'q'", '"q"', '\\', 'C:\\path',
  ' leading', 'trailing ', ' both ', '  ',
  'multi\nline', 'multi\nline\n', 'trailing newlines\n\n', '\n', '\nleading newline', 'line with trailing space \nnext', 'tab\tinside', '\ttab first',
  'tab\n\tindented line\n', 'crlf\r\nline', 'unicode: ünï©ødé ✓ 🎉', 'line\u2028separator', 'nel\u0085char', 'bom\ufeff', 'nul\u0000char', 'bell\u0007',
  '',
];

describe('nasty strings, as values, keys, list items and deep inside', () => {
  for (const s of NASTY) {
    test(JSON.stringify(s), () => {
      roundTrips(s);
      roundTrips({ [s]: s });
      roundTrips([s, s]);
      roundTrips({ outer: [{ [s]: [s, { inner: s }] }] });
    });
  }
});

test('random strings of YAML\'s special characters', () => {
  const alphabet = [...'aZy019.-+_: \t\n#@!&*|>%`"\'[]{},?~=</\\exé\r\u2028'];
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let i = 0; i < 1000; i++) {
    const s = Array.from({ length: random(7) }, () => alphabet[random(alphabet.length)]).join('');
    roundTrips({ [s]: [s] });
  }
});

describe('shapes', () => {
  test('keys with dots and slashes', () => roundTrips({ 'app.kubernetes.io/name': 'x', 'a.b': { 'c/d': 1 }, '/': '.' }));
  test('empty maps and lists, at every depth', () => roundTrips({ a: {}, b: [], c: [{}, [], [[]]], d: { e: { f: [] } } }));
  test('nested lists of maps', () => roundTrips({ list: [[{ a: 1 }, { b: [{ c: 2 }, [3, { d: [] }]] }], []] }));
  test('scalars of every type', () => roundTrips({ n: 0, neg: -12, float: 0.25, big: 1e21, t: true, f: false, nul: null, s: '1' }));
  test('a top-level list and a bare scalar', () => {
    roundTrips([1, 'two', { three: 3 }]);
    roundTrips('just a string');
    roundTrips(42);
  });
  test('an undefined member is left out, as in JSON', () => {
    assert.equal(toYaml({ a: 1, b: undefined }), 'a: 1\n');
  });
});

describe('what the text looks like', () => {
  test('block style, two-space indent, list items under their key', () => {
    assert.equal(toYaml({ a: { b: [1, { c: 'd', e: 'f' }] } }), 'a:\n  b:\n    - 1\n    - c: d\n      e: f\n');
  });

  test('scripts as literal blocks, kept byte for byte', () => {
    assert.equal(toYaml({ script: 'set -eu\necho "$X"\n' }), 'script: |\n  set -eu\n  echo "$X"\n');
    assert.equal(toYaml({ script: 'a\n\nb' }), 'script: |-\n  a\n\n  b\n');
  });

  test('strings that would read as something else are quoted; plain words are not', () => {
    assert.equal(toYaml({ a: 'true', b: '0777', c: '8080', d: 'nlb', e: 'python:3.12-slim', f: '/pfs/x' }), 'a: "true"\nb: "0777"\nc: "8080"\nd: nlb\ne: python:3.12-slim\nf: /pfs/x\n');
  });
});
