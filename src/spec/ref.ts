// The one parser for commit references, in every form a Pachyderm user writes them:
//   master                    a branch (its head, resolved when the service is created)
//   0123…cdef (32 hex)        a commit id
//   master=0123…cdef          a commit, named together with its branch
//   master/3                  Pachyderm 1.2–1.3 numbering (0 = first commit), mapped to 2.x's master.4
//   master^ master^2 master~2 ancestors of a branch head or commit (pachd's ancestry syntax)
//   master.1 master.-1        counting forward from the first commit of a branch

import { quote } from '../lib/text.ts';

export const NAME_PATTERN = /^[a-zA-Z0-9_-]+$/;
/** The largest count pachd's ancestry syntax is given here (it reads them as Go ints; no history is longer). */
const MAX_COUNT = 2147483647;
const COMMIT_ID = /^[0-9a-fA-F]{32}$/;

export type Ancestry =
  | { op: '^' | '~'; count: number } // count generations back
  | { op: '.'; count: number }; // the count-th commit from the start (negative: from the end)

export interface CommitRef {
  /** The branch the ref names, if any. */
  branch?: string;
  /** The commit id the ref names, if any (lowercase hex). */
  commit?: string;
  ancestry?: Ancestry;
  /** Set when the ref was written in Pachyderm 1.x numbering; says how it was mapped. */
  legacy?: { written: string; meaning: string };
}

export type RefResult = { ok: true; ref: CommitRef } | { ok: false; reason: string };

export function parseRef(text: string): RefResult {
  const bad = (reason: string): RefResult => ({ ok: false, reason });
  if (text === '') return bad('the commit reference is empty');
  if (/\s/.test(text)) return bad('a commit reference cannot contain spaces');

  const legacy = /^([^/]+)\/(\d+)$/.exec(text);
  if (legacy) {
    const [, branch, n] = legacy as unknown as [string, string, string];
    if (!NAME_PATTERN.test(branch)) return bad(`${quote(branch)} is not a valid branch name`);
    if (n.length > 10 || Number(n) >= MAX_COUNT) return bad(`commit number ${quote(n)} is too large`);
    const count = Number(n) + 1;
    return {
      ok: true,
      ref: {
        branch,
        ancestry: { op: '.', count },
        legacy: {
          written: text,
          meaning: `Pachyderm 1.x ref "${text}" (commit number ${n} of ${branch}, counting from 0) is ${branch}.${count} in Pachyderm 2.x`,
        },
      },
    };
  }
  if (text.includes('/')) return bad('"/" may only appear in the 1.x form branch/N');

  const suffix = /^([^.^~]+)((?:[.^~].*)?)$/.exec(text);
  if (!suffix) return bad('a commit reference must start with a branch name or a commit id');
  const [, base, tail] = suffix as unknown as [string, string, string];

  const ref: CommitRef = {};
  const eq = base.split('=');
  if (eq.length > 2) return bad('use at most one "=" (branch=commit)');
  if (eq.length === 2) {
    const [branch, commit] = eq as [string, string];
    if (!NAME_PATTERN.test(branch)) return bad(`${quote(branch)} is not a valid branch name`);
    if (!COMMIT_ID.test(commit)) return bad(`${quote(commit)} is not a commit id (32 hexadecimal characters)`);
    ref.branch = branch;
    ref.commit = commit.toLowerCase();
  } else if (COMMIT_ID.test(base)) {
    ref.commit = base.toLowerCase();
  } else if (NAME_PATTERN.test(base)) {
    ref.branch = base;
  } else {
    return bad(`${quote(base)} is neither a branch name (letters, digits, "_" and "-") nor a commit id (32 hex characters)`);
  }

  if (tail !== '') {
    const ancestry = parseAncestry(tail);
    if (typeof ancestry === 'string') return bad(ancestry);
    ref.ancestry = ancestry;
  }
  return { ok: true, ref };
}

function parseAncestry(tail: string): Ancestry | string {
  const digits = /\d+/.exec(tail)?.[0];
  if (digits !== undefined && (digits.length > 10 || Number(digits) > MAX_COUNT)) return `${quote(digits)} is too large a count`;
  const forward = /^\.(-?\d+)$/.exec(tail);
  if (forward) {
    const count = Number(forward[1]);
    if (count === 0) return '".0" names no commit: counting starts at .1 (the first commit)';
    return { op: '.', count };
  }
  const counted = /^([\^~])(\d+)$/.exec(tail);
  if (counted) return { op: counted[1] as '^' | '~', count: Number(counted[2]) };
  const repeated = /^(\^+|~+)$/.exec(tail);
  if (repeated) return { op: tail[0] as '^' | '~', count: tail.length };
  if (/^[\^~]+\d*$/.test(tail)) return `cannot mix "^" and "~" in ${quote(tail)}`;
  return `${quote(tail)} is not an ancestry suffix (use ^, ^N, ~N or .N)`;
}

/** The ref as pachctl and pachd take it after `repo@`. */
export function formatRef(ref: CommitRef): string {
  let base: string;
  if (ref.branch && ref.commit) base = `${ref.branch}=${ref.commit}`;
  else base = ref.commit ?? ref.branch ?? '';
  const a = ref.ancestry;
  if (!a) return base;
  // Always with a count (master^1, not master^): pachd reads both, and the number says it plainly.
  return `${base}${a.op}${a.count}`;
}

/** A ref that always names the same commit: an id with nothing relative on top of it. */
export function isPinned(ref: CommitRef): boolean {
  return ref.commit !== undefined && ref.ancestry === undefined;
}
