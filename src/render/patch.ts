// JSON merge patch (RFC 7386, Pachyderm's pod_spec) and JSON patch (RFC 6902, Pachyderm's pod_patch),
// applied to a pod spec. Pure: they return new values and never change their input.
//
// Patches are user text: they walk own properties only (so `constructor` or `toString` is never found
// on Object.prototype), and refuse the keys `__proto__`, `constructor` and `prototype` outright (no pod
// spec field has those names, and written as `o[key] = …` the first would change a prototype).
import { isObj, isPrototypeKey, own } from '../lib/objects.ts';
import { joinPointer, parsePointer } from '../lib/json-pointer.ts';
import { quote, safeText } from '../lib/text.ts';
import { PatchError } from './errors.ts';

export { PatchError } from './errors.ts';

type Json = unknown;

const prototypeRefusal = (key: string) =>
  `${quote(key)} is refused: it is no pod spec field, and it would reach JavaScript's object prototype`;

export function mergePatch(target: Json, patch: Json): Json {
  return merge(target, patch, []);
}

function merge(target: Json, patch: Json, at: string[]): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObj(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    const path = [...at, key];
    if (isPrototypeKey(key)) throw new PatchError('pod_spec', `pod_spec at ${safeText(joinPointer(path))}: ${prototypeRefusal(key)}`);
    if (value === null) delete out[key];
    else out[key] = merge(own(out, key), value, path);
  }
  return out;
}

export interface PatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

/**
 * Applies the operations in order. `afterEach` sees the document after each operation (for render's
 * warnings); it must not change it.
 */
export function jsonPatch(target: Json, ops: PatchOperation[], afterEach?: (doc: Json, index: number) => void): Json {
  let doc = structuredClone(target);
  ops.forEach((op, i) => {
    try {
      doc = applyOperation(doc, op);
    } catch (err) {
      const where = `${safeText(String(op.op))} ${safeText(String(op.path))}`;
      throw new PatchError('pod_patch', `pod_patch operation ${i} (${where}): ${(err as Error).message}`, `/pod_patch/${i}`);
    }
    afterEach?.(doc, i);
  });
  return doc;
}

/** A pointer's segments; a prototype key anywhere in it is refused. */
function segments(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw new Error(`${quote(String(pointer))} is not a JSON pointer`);
  const path = parsePointer(pointer);
  const bad = path.find(isPrototypeKey);
  if (bad !== undefined) throw new Error(prototypeRefusal(bad));
  return path;
}

const show = (path: string[]) => safeText(joinPointer(path));

function get(doc: Json, path: string[]): Json {
  let node = doc;
  for (const [i, key] of path.entries()) {
    if (Array.isArray(node)) node = node[arrayIndex(node, key, false)];
    else if (isObj(node) && Object.hasOwn(node, key)) node = node[key];
    else throw new Error(`no value at ${show(path.slice(0, i + 1))}`);
  }
  return node;
}

function arrayIndex(arr: Json[], key: string, forInsert: boolean): number {
  if (forInsert && key === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new Error(`${quote(key)} is not an array index`);
  const i = Number(key);
  if (i > arr.length || (!forInsert && i === arr.length)) throw new Error(`index ${i} is out of range (length ${arr.length})`);
  return i;
}

function applyOperation(doc: Json, op: PatchOperation): Json {
  const path = segments(op.path);
  switch (op.op) {
    case 'add':
      return insert(doc, path, structuredClone(op.value));
    case 'remove':
      return remove(doc, path);
    case 'replace':
      get(doc, path);
      return insert(remove(doc, path), path, structuredClone(op.value));
    case 'move': {
      const from = segments(op.from ?? '');
      const value = get(doc, from);
      return insert(remove(doc, from), path, value);
    }
    case 'copy':
      return insert(doc, path, structuredClone(get(doc, segments(op.from ?? ''))));
    case 'test':
      if (!jsonEqual(get(doc, path), op.value)) throw new Error('test failed: the value differs');
      return doc;
    default:
      throw new Error(`unknown op ${quote(String(op.op))}`);
  }
}

// RFC 6902 4.6: objects are equal with the same members, in any order; arrays, element by element.
export function jsonEqual(a: Json, b: Json): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObj(a)) {
    if (!isObj(b) || Object.keys(a).length !== Object.keys(b).length) return false;
    return Object.keys(a).every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

function insert(doc: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  // key is never a prototype key (segments refused those), so this writes an own property.
  else if (isObj(parent)) parent[key] = value;
  else throw new Error(`cannot add under a ${parent === null ? 'null' : typeof parent}`);
  return doc;
}

function remove(doc: Json, path: string[]): Json {
  if (path.length === 0) return undefined;
  const parent = get(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (isObj(parent) && Object.hasOwn(parent, key)) delete parent[key];
  else throw new Error(`no value at ${show(path)}`);
  return doc;
}
