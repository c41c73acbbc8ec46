import type { Position } from './diagnostics.ts';
import type { Normalized } from './normalize.ts';

/** Where a JSON pointer of the normalized spec is in the file; the nearest located parent if it is not there. */
export function locate(doc: Normalized, pointer: string, which: 'key' | 'value' = 'value'): Position {
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const found = doc.locations.get(p);
    if (found) return (which === 'key' && found.keyAt) || found.at;
    if (p === '') return { line: 1, column: 1 };
  }
}

/** The value at a JSON pointer, or undefined. */
export function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}
