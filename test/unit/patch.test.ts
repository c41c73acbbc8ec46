// src/render/patch.ts against the RFCs' own examples: JSON merge patch (RFC 7386, appendix A) for
// pod_spec, JSON patch (RFC 6902, appendix A and section 4) for pod_patch; and against prototype
// pollution: no patch reaches or changes Object.prototype.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchError, jsonPatch, mergePatch, type PatchOperation } from '../../src/render/patch.ts';

describe('mergePatch (RFC 7386)', () => {
  // Appendix A: original, patch, result.
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  cases.forEach(([original, patch, result], i) => {
    test(`appendix A, example ${i + 1}: ${JSON.stringify(original)} + ${JSON.stringify(patch)}`, () => {
      const before = structuredClone(original);
      assert.deepEqual(mergePatch(original, patch), result);
      assert.deepEqual(original, before, 'the original was changed');
    });
  });

  test('the result shares nothing with the patch', () => {
    const patch = { a: { list: [1] } };
    const out = mergePatch({}, patch) as { a: { list: number[] } };
    out.a.list.push(2);
    assert.deepEqual(patch, { a: { list: [1] } });
  });
});

describe('jsonPatch (RFC 6902)', () => {
  const apply = (doc: unknown, ops: PatchOperation[]) => jsonPatch(doc, ops);
  // Appendix A: document, patch, result.
  const examples: [string, unknown, PatchOperation[], unknown][] = [
    ['A.1 add an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 add an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 remove an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 remove an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replace a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 move a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    ['A.7 move an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [
      'A.8 test, succeeding',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 add a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 unrecognized members are ignored', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 } as PatchOperation], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escapes', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 add an array value with "-"', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['copy', { a: { b: [1] } }, [{ op: 'copy', from: '/a/b', path: '/c' }], { a: { b: [1] }, c: [1] }],
    ['~1 in a path is "/"', { 'a/b': 1 }, [{ op: 'replace', path: '/a~1b', value: 2 }], { 'a/b': 2 }],
    ['add at the end of an array by index', { a: [1] }, [{ op: 'add', path: '/a/1', value: 2 }], { a: [1, 2] }],
    ['add to the root replaces the document', { a: 1 }, [{ op: 'add', path: '', value: { b: 2 } }], { b: 2 }],
    ['add replaces an existing member', { a: 1 }, [{ op: 'add', path: '/a', value: 2 }], { a: 2 }],
    [
      'test compares objects whatever the order of their members',
      { a: { x: 1, y: [1, { z: 2, w: 3 }] } },
      [{ op: 'test', path: '/a', value: { y: [1, { w: 3, z: 2 }], x: 1 } }],
      { a: { x: 1, y: [1, { z: 2, w: 3 }] } },
    ],
  ];
  for (const [name, doc, ops, result] of examples) {
    test(name, () => {
      const before = structuredClone(doc);
      assert.deepEqual(apply(doc, ops), result);
      assert.deepEqual(doc, before, 'the document was changed');
    });
  }

  // Errors: document, operation, message (after "pod_patch operation 0 (<op> <path>): ").
  const errors: [string, unknown, PatchOperation, string][] = [
    ['A.9 test, failing', { baz: 'qux' }, { op: 'test', path: '/baz', value: 'bar' }, 'test failed: the value differs'],
    ['A.12 add to a missing parent', { foo: 'bar' }, { op: 'add', path: '/baz/bat', value: 'qux' }, 'no value at /baz'],
    ['A.15 test: a string is not a number', { '/': 9, '~1': 10 }, { op: 'test', path: '/~01', value: '10' }, 'test failed: the value differs'],
    ['test: arrays in another order differ', { a: [1, 2] }, { op: 'test', path: '/a', value: [2, 1] }, 'test failed: the value differs'],
    ['remove a missing member', { a: 1 }, { op: 'remove', path: '/b' }, 'no value at /b'],
    ['replace a missing member', { a: 1 }, { op: 'replace', path: '/b', value: 2 }, 'no value at /b'],
    ['index past the end', { a: [1] }, { op: 'add', path: '/a/2', value: 3 }, 'index 2 is out of range (length 1)'],
    ['remove at the end index', { a: [1] }, { op: 'remove', path: '/a/1' }, 'index 1 is out of range (length 1)'],
    ['"-" only where adding', { a: [1] }, { op: 'remove', path: '/a/-' }, '"-" is not an array index'],
    ['leading zeros are no index', { a: [1, 2] }, { op: 'remove', path: '/a/01' }, '"01" is not an array index'],
    ['move from a missing place', { a: 1 }, { op: 'move', from: '/x', path: '/y' }, 'no value at /x'],
    ['copy from a missing place', { a: 1 }, { op: 'copy', from: '/x', path: '/y' }, 'no value at /x'],
    ['add under a scalar', { a: 1 }, { op: 'add', path: '/a/b', value: 2 }, 'cannot add under a number'],
    ['a path that is no pointer', { a: 1 }, { op: 'add', path: 'a', value: 2 }, '"a" is not a JSON pointer (it must start with "/")'],
    ['an inherited member is no value', { a: {} }, { op: 'remove', path: '/a/toString' }, 'no value at /a/toString'],
    ['an inherited member cannot be walked into', { a: {} }, { op: 'add', path: '/a/hasOwnProperty/x', value: 1 }, 'no value at /a/hasOwnProperty'],
    ['an unknown op', { a: 1 }, { op: 'frob', path: '/a' }, 'unknown op "frob"'],
  ];
  for (const [name, doc, op, message] of errors) {
    test(`error: ${name}`, () => {
      assert.throws(
        () => apply(doc, [{ op: 'test', path: '', value: doc }, op]),
        (err: unknown) => {
          assert.ok(err instanceof PatchError);
          assert.equal(err.field, 'pod_patch');
          assert.equal(err.message, `pod_patch operation 1 (${op.op} ${op.path}): ${message}`);
          return true;
        },
      );
    });
  }

  test('operations apply in order, each to the result of the one before', () => {
    const ops: PatchOperation[] = [
      { op: 'add', path: '/list', value: [] },
      { op: 'add', path: '/list/-', value: 'a' },
      { op: 'add', path: '/list/0', value: 'b' },
      { op: 'copy', from: '/list', path: '/copy' },
      { op: 'remove', path: '/list/1' },
      { op: 'test', path: '/copy', value: ['b', 'a'] },
    ];
    assert.deepEqual(apply({}, ops), { list: ['b'], copy: ['b', 'a'] });
  });
});

describe('prototype pollution', () => {
  const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  function assertUntouched(): void {
    assert.equal(({} as Record<string, unknown>).namespace, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeBefore);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
  }

  const refused = (field: 'pod_spec' | 'pod_patch', pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof PatchError, String(err));
    assert.equal(err.field, field);
    assert.match(err.message, pattern);
    return true;
  };

  // JSON.parse makes "__proto__" an own key, as the spec loader does.
  const pod = () => JSON.parse('{"containers": [{"name": "service", "env": []}], "nodeSelector": {}}');

  for (const key of PROTOTYPE_KEYS) {
    test(`pod_patch: every op with ${key} in its path or from is refused`, () => {
      const paths = [`/${key}/namespace`, `/${key}`, `/containers/0/${key}/polluted`, `/nodeSelector/${key}`];
      for (const path of paths) {
        for (const op of ['add', 'replace', 'remove', 'test'] as const) {
          assert.throws(() => jsonPatch(pod(), [{ op, path, value: 'kube-system' }]), refused('pod_patch', new RegExp(`"${key}" is refused`)), `${op} ${path}`);
        }
        assert.throws(() => jsonPatch(pod(), [{ op: 'move', from: path, path: '/x' }]), refused('pod_patch', /is refused/));
        assert.throws(() => jsonPatch(pod(), [{ op: 'copy', from: path, path: '/x' }]), refused('pod_patch', /is refused/));
        assert.throws(() => jsonPatch(pod(), [{ op: 'copy', from: '/nodeSelector', path }]), refused('pod_patch', /is refused/));
      }
      assertUntouched();
    });

    test(`pod_spec: a ${key} key at any depth is refused, naming where`, () => {
      for (const text of [`{"${key}": {"namespace": "kube-system"}}`, `{"nodeSelector": {"${key}": {"polluted": "yes"}}}`, `{"a": {"b": {"${key}": 1}}}`]) {
        const patch = JSON.parse(text);
        assert.throws(() => mergePatch(pod(), patch), refused('pod_spec', new RegExp(`^pod_spec at /.*${key}: "${key}" is refused`)));
        // Even where the target has nothing to merge into.
        assert.throws(() => mergePatch(null, patch), refused('pod_spec', /is refused/));
      }
      assertUntouched();
    });
  }

  test('the example from the issue: /__proto__/namespace puts nothing on any object', () => {
    const before = pod();
    assert.throws(() => jsonPatch(before, [{ op: 'add', path: '/__proto__/namespace', value: 'kube-system' }]), PatchError);
    assert.equal((before as Record<string, unknown>).namespace, undefined);
    assertUntouched();
  });

  test('values holding a "__proto__" key are copied as data: own keys, no prototype changed', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    const viaPatch = jsonPatch({}, [{ op: 'add', path: '/x', value }]) as Record<string, Record<string, unknown>>;
    assert.equal(Object.getPrototypeOf(viaPatch.x), Object.prototype);
    assert.ok(Object.hasOwn(viaPatch.x!, '__proto__'));
    assert.equal(viaPatch.x!.polluted, undefined);
    // A list replaces whatever was there; the objects in it are data too.
    const viaMerge = mergePatch({}, { list: [value] }) as { list: Record<string, unknown>[] };
    assert.equal(Object.getPrototypeOf(viaMerge.list[0]), Object.prototype);
    assert.equal(viaMerge.list[0]!.polluted, undefined);
    assertUntouched();
  });

  test('test compares own members only', () => {
    assert.throws(() => jsonPatch({ a: {} }, [{ op: 'test', path: '/a', value: { toString: Object.prototype.toString } }]), /test failed/);
  });

  test('control characters in a path are shown escaped', () => {
    assert.throws(
      () => jsonPatch({}, [{ op: 'remove', path: '/a\u001b[31m/b' }]),
      (err: unknown) => err instanceof PatchError && err.message === 'pod_patch operation 0 (remove /a\\u001b[31m/b): no value at /a\\u001b[31m',
    );
  });

  test('an error names the operation\'s place in pod_patch', () => {
    assert.throws(
      () => jsonPatch({}, [{ op: 'add', path: '/a', value: 1 }, { op: 'remove', path: '/b' }]),
      (err: unknown) => err instanceof PatchError && err.pointer === '/pod_patch/1',
    );
  });
});
