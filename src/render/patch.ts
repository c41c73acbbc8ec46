// JSON merge patch (RFC 7386, Pachyderm's pod_spec) and JSON patch (RFC 6902, Pachyderm's pod_patch),
// applied to a pod spec. Pure: they return new values and never change their input.

export class PatchError extends Error {
  constructor(
    readonly field: 'pod_spec' | 'pod_patch',
    message: string,
  ) {
    super(message);
    this.name = 'PatchError';
  }
}

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObj(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

export interface PatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

export function jsonPatch(target: Json, ops: PatchOperation[]): Json {
  let doc = structuredClone(target);
  ops.forEach((op, i) => {
    try {
      doc = applyOperation(doc, op);
    } catch (err) {
      throw new PatchError('pod_patch', `pod_patch operation ${i} (${op.op} ${op.path}): ${(err as Error).message}`);
    }
  });
  return doc;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`"${pointer}" is not a JSON pointer`);
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: Json, path: string[]): Json {
  let node = doc;
  for (const key of path) {
    if (Array.isArray(node)) node = node[arrayIndex(node, key, false)];
    else if (isObj(node) && key in node) node = node[key];
    else throw new Error(`no value at /${path.join('/')}`);
  }
  return node;
}

function arrayIndex(arr: Json[], key: string, forInsert: boolean): number {
  if (forInsert && key === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new Error(`"${key}" is not an array index`);
  const i = Number(key);
  if (i > arr.length || (!forInsert && i === arr.length)) throw new Error(`index ${i} is out of range (length ${arr.length})`);
  return i;
}

function applyOperation(doc: Json, op: PatchOperation): Json {
  const path = parsePointer(op.path);
  switch (op.op) {
    case 'add':
      return insert(doc, path, structuredClone(op.value));
    case 'remove':
      return remove(doc, path);
    case 'replace':
      get(doc, path);
      return insert(remove(doc, path), path, structuredClone(op.value));
    case 'move': {
      const value = get(doc, parsePointer(op.from ?? ''));
      return insert(remove(doc, parsePointer(op.from ?? '')), path, value);
    }
    case 'copy':
      return insert(doc, path, structuredClone(get(doc, parsePointer(op.from ?? ''))));
    case 'test':
      if (!jsonEqual(get(doc, path), op.value)) throw new Error('test failed: the value differs');
      return doc;
    default:
      throw new Error(`unknown op "${op.op}"`);
  }
}

// RFC 6902 4.6: objects are equal with the same members, in any order; arrays, element by element.
function jsonEqual(a: Json, b: Json): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObj(a)) {
    if (!isObj(b) || Object.keys(a).length !== Object.keys(b).length) return false;
    return Object.keys(a).every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

function insert(doc: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else if (isObj(parent)) parent[key] = value;
  else throw new Error(`cannot add under a ${parent === null ? 'null' : typeof parent}`);
  return doc;
}

function remove(doc: Json, path: string[]): Json {
  if (path.length === 0) return undefined;
  const parent = get(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (isObj(parent) && key in parent) delete parent[key];
  else throw new Error(`no value at /${path.join('/')}`);
  return doc;
}
