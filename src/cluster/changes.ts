// What changed between two revisions of a service, in words a person scans: the image, the command, the
// ports, the inputs and the commits they serve. Read from the canonical specs and pins the revisions
// recorded. Pure.
import { findInputs } from '../spec/inputs.ts';
import { isObj } from '../lib/objects.ts';

export interface RevisionContent {
  spec?: Record<string, unknown>;
  pins: Record<string, string>;
}

/** The changes from `before` to `after`, one phrase each; `created` when there is no before. */
export function describeChanges(before: RevisionContent | undefined, after: RevisionContent): string[] {
  if (!before) return ['created'];
  const a = before.spec ?? {};
  const b = after.spec ?? {};
  const out: string[] = [];
  const field = (label: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${label} ${show(x)} → ${show(y)}`);
  };
  field('image', at(a, 'transform', 'image'), at(b, 'transform', 'image'));
  field('cmd', at(a, 'transform', 'cmd'), at(b, 'transform', 'cmd'));
  if (JSON.stringify(at(a, 'transform', 'stdin')) !== JSON.stringify(at(b, 'transform', 'stdin'))) out.push('stdin changed');
  field('port', ports(a), ports(b));
  field('replicas', at(a, 'parallelism_spec', 'constant') ?? 1, at(b, 'parallelism_spec', 'constant') ?? 1);
  const envA = at(a, 'transform', 'env');
  const envB = at(b, 'transform', 'env');
  if (JSON.stringify(envA ?? {}) !== JSON.stringify(envB ?? {})) out.push(`env ${keysChanged(envA, envB)}`);

  const inputsA = new Map(findInputs(a).map((i) => [i.name, i]));
  const inputsB = new Map(findInputs(b).map((i) => [i.name, i]));
  for (const [name, i] of inputsB) {
    const was = inputsA.get(name);
    if (!was) out.push(`input ${name} added (${i.repo}@${i.refText})`);
    else if (was.repo !== i.repo || was.refText !== i.refText || was.follow !== i.follow) {
      out.push(`input ${name}: ${was.repo}@${was.refText}${was.follow ? ' (follow)' : ''} → ${i.repo}@${i.refText}${i.follow ? ' (follow)' : ''}`);
    }
  }
  for (const name of inputsA.keys()) if (!inputsB.has(name)) out.push(`input ${name} removed`);
  // Data: the commit each input serves.
  for (const name of new Set([...Object.keys(before.pins), ...Object.keys(after.pins)])) {
    const x = before.pins[name];
    const y = after.pins[name];
    if (x !== y && inputsB.has(name)) out.push(`data ${name}: ${short(x)} → ${short(y)}`);
  }
  const known = JSON.stringify([at(a, 'transform', 'image'), at(a, 'transform', 'cmd'), at(a, 'transform', 'stdin'), ports(a), at(a, 'parallelism_spec'), envA, at(a, 'input')]);
  const knownB = JSON.stringify([at(b, 'transform', 'image'), at(b, 'transform', 'cmd'), at(b, 'transform', 'stdin'), ports(b), at(b, 'parallelism_spec'), envB, at(b, 'input')]);
  if (out.length === 0 || (JSON.stringify(a) !== JSON.stringify(b) && known === knownB)) out.push('other spec fields');
  return out;
}

/** A commit id as people quote them: the first 8 characters; `unpinned` for none. */
export function short(id: string | undefined): string {
  return id ? `${id.slice(0, 8)}…` : 'unpinned';
}

function at(o: unknown, ...path: string[]): unknown {
  let node = o;
  for (const k of path) node = isObj(node) && Object.hasOwn(node, k) ? node[k] : undefined;
  return node;
}

function ports(spec: unknown): string | undefined {
  const s = at(spec, 'service');
  if (!isObj(s)) return undefined;
  const ext = s.external_port !== undefined ? `→${String(s.external_port)}` : '';
  return `${String(s.internal_port)}${ext}/${String(s.type ?? 'ClusterIP')}`;
}

function keysChanged(a: unknown, b: unknown): string {
  const x = isObj(a) ? a : {};
  const y = isObj(b) ? b : {};
  const changed = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
  return changed.length <= 3 ? changed.join(', ') : `${changed.slice(0, 3).join(', ')} and ${changed.length - 3} more`;
}

function show(v: unknown): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
