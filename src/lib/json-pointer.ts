// JSON pointers (RFC 6901): how specs, patches and schema errors name a place in a document.
import { isPrototypeKey } from './objects.ts';

export function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `/a/b~1c` → ['a', 'b/c']; '' → []. Throws on text that is not a pointer. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`${JSON.stringify(pointer.slice(0, 40))} is not a JSON pointer (it must start with "/")`);
  return pointer.slice(1).split('/').map(unescapeSegment);
}

export function joinPointer(segments: readonly string[]): string {
  return segments.map((s) => `/${escapeSegment(s)}`).join('');
}

/** The first segment that would walk into a prototype (`__proto__`, `constructor`, `prototype`), if any. */
export function prototypeSegment(pointer: string): string | undefined {
  try {
    return parsePointer(pointer).find(isPrototypeKey);
  } catch {
    return undefined;
  }
}

/** The value at a pointer, own properties only; undefined when there is none. */
export function valueAt(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const key of parsePointer(pointer)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
