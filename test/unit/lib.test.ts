// The shared helpers every room uses for user values: quoting in messages, JSON pointers, own-property walks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { quote, escapeText, safeText } from '../../src/lib/text.ts';
import { parsePointer, joinPointer, prototypeSegment, valueAt } from '../../src/lib/json-pointer.ts';
import { dict, isObj, own } from '../../src/lib/objects.ts';
import { containerRole, decodePins, parseServingLine, recordedInputs, ANNOTATIONS } from '../../src/contract.ts';

describe('quote', () => {
  test('escapes what a terminal would act on', () => {
    assert.equal(quote('a\u001b]52;c;aGk=\u0007b'), '"a\\u001b]52;c;aGk=\\u0007b"');
    assert.equal(quote('line\nspec.json:1:1: forged'), '"line\\nspec.json:1:1: forged"');
    assert.equal(quote('\u0085\u202e\ufeff'), '"\\u0085\\u202e\\ufeff"');
    assert.equal(quote('x\ud800y'), '"x\\ud800y"');
    assert.equal(quote('ok 😀'), '"ok 😀"');
  });
  test('cuts long values and says how long they were', () => {
    const q = quote('x'.repeat(10_000_000));
    assert.ok(q.length < 120, q);
    assert.match(q, /\(10000000 characters\)$/);
  });
  test('never cuts a surrogate pair in half', () => {
    const q = quote(`${'a'.repeat(79)}😀😀`, 80);
    assert.doesNotMatch(q, /\\ud83d/);
  });
  test('escapeText and safeText keep plain text as it is', () => {
    assert.equal(escapeText('plain text'), 'plain text');
    assert.equal(safeText('/etc/passwd'), '/etc/passwd');
    assert.equal(safeText('a\u001b[2Jb'), 'a\\u001b[2Jb');
  });
});

describe('JSON pointers', () => {
  test('round trip', () => {
    assert.deepEqual(parsePointer('/a~1b/c~0d/0'), ['a/b', 'c~d', '0']);
    assert.equal(joinPointer(['a/b', 'c~d']), '/a~1b/c~0d');
    assert.deepEqual(parsePointer(''), []);
    assert.throws(() => parsePointer('a/b'), /not a JSON pointer/);
  });
  test('prototype segments are found', () => {
    assert.equal(prototypeSegment('/__proto__/namespace'), '__proto__');
    assert.equal(prototypeSegment('/containers/constructor'), 'constructor');
    assert.equal(prototypeSegment('/containers/0/env'), undefined);
  });
  test('valueAt reads own properties only', () => {
    assert.equal(valueAt({ a: { b: 1 } }, '/a/b'), 1);
    assert.equal(valueAt({}, '/toString'), undefined);
    assert.equal(valueAt({ a: [5] }, '/a/0'), 5);
  });
});

describe('objects', () => {
  test('own and dict', () => {
    assert.equal(own({}, 'constructor'), undefined);
    assert.equal(own({ constructor: 1 }, 'constructor'), 1);
    const d = dict([['__proto__', 'x']]);
    assert.equal(d.__proto__, 'x');
    assert.equal(Object.getPrototypeOf(d), null);
    assert.equal(isObj([]), false);
  });
});

describe('contract', () => {
  test('container roles', () => {
    assert.equal(containerRole('service'), 'service');
    assert.equal(containerRole('checkout-data'), 'checkout');
    assert.equal(containerRole('follow-data'), 'follow');
    assert.equal(containerRole('istio-proxy'), undefined);
  });
  test('the serving line the scripts log', () => {
    assert.deepEqual(parseServingLine('2026-01-02T03:04:05Z data: serving images@0123456789ABCDEF0123456789abcdef at /pfs/data'), {
      since: '2026-01-02T03:04:05Z',
      input: 'data',
      repo: 'images',
      commit: '0123456789abcdef0123456789abcdef',
    });
    assert.equal(parseServingLine('2026-01-02T03:04:05Z data: checking out images@abc'), undefined);
  });
  test('recorded inputs and pins, tolerant of junk', () => {
    const annotations = {
      [ANNOTATIONS.spec]: JSON.stringify({ input: { cross: [{ pfs: { repo: 'a', branch: 'master', glob: '/' } }, { pfs: { name: 'x', repo: 'b', branch: 'dev', glob: '/', follow: true } }] } }),
      [ANNOTATIONS.pins]: JSON.stringify({ a: '0123456789abcdef0123456789abcdef', x: 5 }),
    };
    assert.deepEqual(recordedInputs(annotations), [
      { name: 'a', repo: 'a', ref: 'master', follow: false, commit: '0123456789abcdef0123456789abcdef' },
      { name: 'x', repo: 'b', ref: 'dev', follow: true },
    ]);
    const pins = decodePins({ [ANNOTATIONS.pins]: '{"__proto__": "p"}' });
    assert.equal(pins['__proto__'], 'p');
    assert.equal(Object.getPrototypeOf(pins), null);
    assert.deepEqual(recordedInputs({ [ANNOTATIONS.spec]: 'not json' }), []);
  });
});
