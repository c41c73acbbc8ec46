// Fields that other field managers (kubectl set env, kubectl label, an operator) added to pachsvc's
// objects, read from the objects' managedFields: what `inspect` and `diff` show as "set by others", and
// what `apply --take-ownership` removes. Pure.
import { isObj } from '../lib/objects.ts';
import { escapeSegment } from '../lib/json-pointer.ts';
import { FIELD_MANAGER, type KubeObject } from './types.ts';

export interface ForeignField {
  /** The field as a person reads it: `.spec.template.spec.containers[name=service].env[name=FOO]`. */
  path: string;
  /** Its JSON pointer in the live object (for removing it). */
  pointer: string;
  /** Who set it. */
  managers: string[];
}

// Kubernetes' own controllers keep their bookkeeping on objects (the Deployment's revision annotation,
// status): not drift.
function isSystem(manager: string): boolean {
  return manager.startsWith('kube-') || manager === 'k3s' || manager.endsWith('-controller-manager');
}

type Fields = Record<string, unknown>;

/** Every field another manager alone set on the object, outermost first. */
export function foreignFields(obj: KubeObject): ForeignField[] {
  const ours = new Set<string>();
  const theirs = new Map<string, { path: string[]; managers: Set<string> }>();
  for (const entry of obj.metadata.managedFields ?? []) {
    const e = entry as { manager?: string; subresource?: string; fieldsV1?: unknown };
    if (e.subresource || !isObj(e.fieldsV1)) continue;
    const manager = String(e.manager ?? '');
    for (const leaf of leaves(e.fieldsV1 as Fields, [])) {
      const key = JSON.stringify(leaf);
      if (manager === FIELD_MANAGER) ours.add(key);
      else if (!isSystem(manager)) {
        const t = theirs.get(key) ?? { path: leaf, managers: new Set<string>() };
        t.managers.add(manager);
        theirs.set(key, t);
      }
    }
  }
  const out: ForeignField[] = [];
  const covered: string[][] = [];
  const sorted = [...theirs.entries()].filter(([k]) => !ours.has(k)).sort(([, a], [, b]) => a.path.length - b.path.length);
  for (const [, t] of sorted) {
    // A field inside one already reported (an env var's name and value, under the env var) is the same change.
    if (covered.some((c) => c.every((s, i) => t.path[i] === s))) continue;
    // Not drift if pachsvc owns something inside it (a map both wrote to).
    const key = JSON.stringify(t.path).slice(0, -1);
    if ([...ours].some((o) => o.startsWith(key))) continue;
    const pointer = pointerOf(obj, t.path);
    if (pointer === undefined) continue;
    covered.push(t.path);
    out.push({ path: display(t.path), pointer, managers: [...t.managers].sort() });
  }
  return out;
}

/** The owned leaves of a fieldsV1 tree: a node owned as a whole (".") or one with no children. */
function leaves(tree: Fields, at: string[]): string[][] {
  const keys = Object.keys(tree).filter((k) => k !== '.');
  if (keys.length === 0 || Object.hasOwn(tree, '.')) return [at];
  return keys.flatMap((k) => leaves(isObj(tree[k]) ? (tree[k] as Fields) : {}, [...at, k]));
}

/** `f:spec`, `k:{"name":"FOO"}` → `.spec`, `[name=FOO]`. */
function display(path: string[]): string {
  return path
    .map((p) => {
      if (p.startsWith('f:')) return /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.slice(2)) ? `.${p.slice(2)}` : `[${JSON.stringify(p.slice(2))}]`;
      if (p.startsWith('k:')) {
        try {
          const k = JSON.parse(p.slice(2)) as Record<string, unknown>;
          return `[${Object.entries(k).map(([a, b]) => `${a}=${String(b)}`).join(',')}]`;
        } catch {
          return `[${p.slice(2)}]`;
        }
      }
      if (p.startsWith('v:')) return `[${p.slice(2)}]`;
      if (p.startsWith('i:')) return `[${p.slice(2)}]`;
      return `.${p}`;
    })
    .join('');
}

/** The JSON pointer of a managedFields path in the object, or undefined if it is not there. */
function pointerOf(obj: unknown, path: string[]): string | undefined {
  let node: unknown = obj;
  let pointer = '';
  for (const p of path) {
    if (p.startsWith('f:')) {
      const key = p.slice(2);
      if (!isObj(node) || !Object.hasOwn(node, key)) return undefined;
      node = node[key];
      pointer += `/${escapeSegment(key)}`;
      continue;
    }
    if (!Array.isArray(node)) return undefined;
    let index = -1;
    if (p.startsWith('k:')) {
      let k: Record<string, unknown>;
      try {
        k = JSON.parse(p.slice(2)) as Record<string, unknown>;
      } catch {
        return undefined;
      }
      index = node.findIndex((item) => isObj(item) && Object.entries(k).every(([a, b]) => JSON.stringify(item[a]) === JSON.stringify(b)));
    } else if (p.startsWith('v:')) {
      index = node.findIndex((item) => JSON.stringify(item) === p.slice(2));
    } else if (p.startsWith('i:')) {
      index = Number(p.slice(2));
    }
    if (index < 0 || index >= node.length) return undefined;
    node = node[index];
    pointer += `/${index}`;
  }
  return pointer;
}

/** JSON patch operations that remove the fields (array items from the highest index down). */
export function removalOps(fields: ForeignField[]): { op: 'remove'; path: string }[] {
  return [...fields].sort((a, b) => comparePointers(b.pointer, a.pointer)).map((f) => ({ op: 'remove' as const, path: f.pointer }));
}

// Segment by segment, numbers as numbers: /a/10 comes after /a/9.
function comparePointers(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    const nx = /^\d+$/.test(x[i]!) ? Number(x[i]) : NaN;
    const ny = /^\d+$/.test(y[i]!) ? Number(y[i]) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
    return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}
