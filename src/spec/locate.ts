// Where a field of the normalized spec is in the file, and how to name it in a message (in the user's
// own spelling). Both walk the location tree of normalize(), so they cost the depth of the field.
import { parsePointer } from '../lib/json-pointer.ts';
import { quote } from '../lib/text.ts';
import type { Position } from './diagnostics.ts';
import type { Located, Normalized } from './normalize.ts';

/** The location of a JSON pointer of the normalized spec, if the file has it. */
export function locatedAt(doc: Normalized, pointer: string): Located | undefined {
  let node: Located | undefined = doc.root;
  let segments: string[];
  try {
    segments = parsePointer(pointer);
  } catch {
    return undefined;
  }
  for (const segment of segments) {
    node = node.children?.get(segment);
    if (!node) return undefined;
  }
  return node;
}

/** Where a JSON pointer of the normalized spec is in the file; the nearest located parent if it is not there. */
export function locate(doc: Normalized, pointer: string, which: 'key' | 'value' = 'value'): Position {
  let node: Located = doc.root;
  let segments: string[];
  try {
    segments = parsePointer(pointer);
  } catch {
    return node.at;
  }
  for (const segment of segments) {
    const next = node.children?.get(segment);
    if (!next) return node.at;
    node = next;
  }
  return (which === 'key' && node.keyAt) || node.at;
}

/** The path of a pointer as the user wrote it, for messages: `input.cross[1].pfs.repo`, `transform.env["A B"]`. */
export function displayPointer(doc: Normalized, pointer: string): string | undefined {
  const node = locatedAt(doc, pointer);
  return node ? displayOf(node) : undefined;
}

// A field name shown bare after a dot; anything else (a user's key with spaces or quotes) in brackets.
const PLAIN_KEY = /^[A-Za-z0-9_$][A-Za-z0-9_$.-]*$/;

export function displayOf(node: Located): string {
  const parts: string[] = [];
  for (let n: Located | undefined = node; n?.parent; n = n.parent) {
    const w = n.written;
    if (typeof w === 'number') parts.push(`[${w}]`);
    else if (!n.userKey && w.length <= 64 && PLAIN_KEY.test(w)) parts.push(n.parent.parent ? `.${w}` : w);
    else parts.push(`[${quote(w, 64)}]`);
  }
  return parts.reverse().join('');
}
