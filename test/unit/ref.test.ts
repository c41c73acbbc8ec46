// The commit-reference grammar (src/spec/ref.ts): every form Pachyderm users write, every rejection, and
// formatRef giving pachctl the reference back (always with the ancestry count: master^1, not master^).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRef, isPinned, parseRef, type CommitRef } from '../../src/spec/ref.ts';
import { COMMIT_A } from './helpers/spec.ts';

function parsed(text: string): CommitRef {
  const result = parseRef(text);
  if (!result.ok) assert.fail(`${JSON.stringify(text)} was refused: ${result.reason}`);
  return result.ref;
}

function reason(text: string): string {
  const result = parseRef(text);
  if (result.ok) assert.fail(`${JSON.stringify(text)} was accepted as ${JSON.stringify(result.ref)}`);
  return result.reason;
}

describe('parseRef accepts', () => {
  // text, what it means, and how pachctl is given it back
  const forms: [string, CommitRef, string][] = [
    ['master', { branch: 'master' }, 'master'],
    ['feature_x-2', { branch: 'feature_x-2' }, 'feature_x-2'],
    [COMMIT_A, { commit: COMMIT_A }, COMMIT_A],
    [COMMIT_A.toUpperCase(), { commit: COMMIT_A }, COMMIT_A],
    [`master=${COMMIT_A}`, { branch: 'master', commit: COMMIT_A }, `master=${COMMIT_A}`],
    ['master^', { branch: 'master', ancestry: { op: '^', count: 1 } }, 'master^1'],
    ['master^2', { branch: 'master', ancestry: { op: '^', count: 2 } }, 'master^2'],
    ['master^^^', { branch: 'master', ancestry: { op: '^', count: 3 } }, 'master^3'],
    ['master~3', { branch: 'master', ancestry: { op: '~', count: 3 } }, 'master~3'],
    ['master~', { branch: 'master', ancestry: { op: '~', count: 1 } }, 'master~1'],
    ['master~~', { branch: 'master', ancestry: { op: '~', count: 2 } }, 'master~2'],
    ['master.1', { branch: 'master', ancestry: { op: '.', count: 1 } }, 'master.1'],
    ['master.12', { branch: 'master', ancestry: { op: '.', count: 12 } }, 'master.12'],
    ['master.-1', { branch: 'master', ancestry: { op: '.', count: -1 } }, 'master.-1'],
    [`${COMMIT_A}^2`, { commit: COMMIT_A, ancestry: { op: '^', count: 2 } }, `${COMMIT_A}^2`],
    [`dev=${COMMIT_A}~1`, { branch: 'dev', commit: COMMIT_A, ancestry: { op: '~', count: 1 } }, `dev=${COMMIT_A}~1`],
  ];
  for (const [text, ref, formatted] of forms) {
    test(`${text.length > 20 ? text.replace(COMMIT_A, '<id>') : text}`, () => {
      assert.deepEqual(parsed(text), ref);
      assert.equal(formatRef(ref), formatted);
      // What formatRef gives back means the same.
      assert.deepEqual(parsed(formatted), ref);
    });
  }

  test('1.x branch/N as the 2.x forward reference branch.(N+1), with a note saying so', () => {
    assert.deepEqual(parsed('master/3'), {
      branch: 'master',
      ancestry: { op: '.', count: 4 },
      legacy: {
        written: 'master/3',
        meaning: 'Pachyderm 1.x ref "master/3" (commit number 3 of master, counting from 0) is master.4 in Pachyderm 2.x',
      },
    });
    assert.equal(formatRef(parsed('master/0')), 'master.1');
    assert.equal(formatRef(parsed('dev/41')), 'dev.42');
  });
});

describe('parseRef refuses, saying why', () => {
  const refusals: [string, string][] = [
    ['', 'the commit reference is empty'],
    ['master ', 'a commit reference cannot contain spaces'],
    ['ma\tster', 'a commit reference cannot contain spaces'],
    ['master^~', 'cannot mix "^" and "~" in "^~"'],
    ['master~^2', 'cannot mix "^" and "~" in "~^2"'],
    ['master.0', '".0" names no commit: counting starts at .1 (the first commit)'],
    ['master^x', '"^x" is not an ancestry suffix (use ^, ^N, ~N or .N)'],
    ['master.', '"." is not an ancestry suffix (use ^, ^N, ~N or .N)'],
    ['bad!name', '"bad!name" is neither a branch name (letters, digits, "_" and "-") nor a commit id (32 hex characters)'],
    ['master=xyz', '"xyz" is not a commit id (32 hexadecimal characters)'],
    [`master=${COMMIT_A}0`, `"${COMMIT_A}0" is not a commit id (32 hexadecimal characters)`],
    [`bad!=${COMMIT_A}`, '"bad!" is not a valid branch name'],
    ['a=b=c', 'use at most one "=" (branch=commit)'],
    ['bad!/3', '"bad!" is not a valid branch name'],
    ['feature/x', '"/" may only appear in the 1.x form branch/N'],
    ['master/-1', '"/" may only appear in the 1.x form branch/N'],
    ['^2', 'a commit reference must start with a branch name or a commit id'],
    ['.1', 'a commit reference must start with a branch name or a commit id'],
  ];
  for (const [text, why] of refusals) {
    test(JSON.stringify(text), () => assert.equal(reason(text), why));
  }
});

test('isPinned: only a commit id with nothing relative on it always names the same commit', () => {
  assert.equal(isPinned(parsed(COMMIT_A)), true);
  assert.equal(isPinned(parsed(`master=${COMMIT_A}`)), true);
  assert.equal(isPinned(parsed(`${COMMIT_A}^`)), false);
  assert.equal(isPinned(parsed('master')), false);
  assert.equal(isPinned(parsed('master.1')), false);
});
