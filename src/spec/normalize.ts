// Brings every spelling of a spec to one: snake_case field names (Pachyderm's proto names), whatever the
// user wrote (snake_case, lowerCamelCase as protojson and the 2.x docs write them, or both mixed).
// It keeps, for each field, where it was and how the user spelled it, so messages can use their words.
//
// User keys are data, never code: every object made here has no prototype (a key `constructor` or
// `__proto__` is an ordinary key), and `null` is the same as an absent field, as protojson reads it.
import { dict } from '../lib/objects.ts';
import { escapeSegment } from '../lib/json-pointer.ts';
import type { Position } from './diagnostics.ts';
import type { SourceNode } from './source.ts';

/** Where a value of the normalized spec is in the file, as a tree that mirrors the spec. */
export interface Located {
  /** Where the value starts. */
  at: Position;
  /** Where the key starts, for values that are object members. */
  keyAt?: Position;
  /** The key as the user wrote it, or the index in a list. */
  written: string | number;
  /** The key is the user's own (an env name, a label key), not a field name. */
  userKey: boolean;
  parent?: Located;
  /** By normalized key (or index, as a string). */
  children?: Map<string, Located>;
}

export interface Normalized {
  value: unknown;
  /** Where the spec itself is; below it, every field and item. */
  root: Located;
  /** True when at least one field was written in camelCase. */
  camelCase: boolean;
  /** Fields written twice under two spellings (internalPort and internal_port). */
  duplicates: Duplicate[];
}

export interface Duplicate {
  pointer: string;
  keyAt: Position;
  written: string;
}

// Maps whose keys are the user's own data (variable names, label keys, Kubernetes fields): never renamed.
const FREE_MAPS = new Set([
  '/transform/env',
  '/metadata/labels',
  '/metadata/annotations',
  '/scheduling_spec/node_selector',
  '/service/annotations',
  '/spout/service/annotations',
  '/pod_spec',
  '/pod_patch',
]);

// Free maps whose values Kubernetes takes as strings: a number or boolean there is the text written
// (`VERSION: 1.10` is "1.10", not "1.1").
const STRING_MAPS = new Set(['/transform/env', '/metadata/labels', '/metadata/annotations', '/scheduling_spec/node_selector']);

export function toSnakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])/g, (c) => c.toLowerCase());
}

export function toCamelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function normalize(root: SourceNode): Normalized {
  const duplicates: Duplicate[] = [];
  let camelCase = false;

  const child = (parent: Located, key: string, located: Located) => {
    (parent.children ??= new Map()).set(key, located);
  };

  const walk = (node: SourceNode, here: Located, pointer: string, free: boolean): unknown => {
    switch (node.kind) {
      case 'scalar':
        return node.text !== undefined && here.parent && STRING_MAPS.has(pointer.slice(0, pointer.lastIndexOf('/'))) ? node.text : node.value;
      case 'array':
        return node.items.map((item, i) => {
          const located: Located = { at: item.at, written: i, userKey: false, parent: here };
          child(here, String(i), located);
          return walk(item, located, `${pointer}/${i}`, free);
        });
      case 'object': {
        const out = dict<unknown>();
        const freeHere = free || FREE_MAPS.has(pointer);
        for (const entry of node.entries) {
          // protojson reads null as "not given"; in the user's own maps (env, pod_spec) it stays a value.
          if (!freeHere && entry.value.kind === 'scalar' && entry.value.value === null) continue;
          const key = freeHere || entry.key.startsWith('$') ? entry.key : toSnakeCase(entry.key);
          if (key !== entry.key) camelCase = true;
          const p = `${pointer}/${escapeSegment(key)}`;
          // A key spelled twice (internalPort and internal_port) keeps its first value and place; the rules
          // report the second.
          if (Object.hasOwn(out, key)) {
            duplicates.push({ pointer: p, keyAt: entry.keyAt, written: entry.key });
            continue;
          }
          const located: Located = { at: entry.value.at, keyAt: entry.keyAt, written: entry.key, userKey: freeHere, parent: here };
          child(here, key, located);
          out[key] = walk(entry.value, located, p, freeHere || FREE_MAPS.has(p));
        }
        return out;
      }
    }
  };

  const top: Located = { at: root.at, written: '', userKey: false };
  const value = walk(root, top, '', false);
  return { value, root: top, camelCase, duplicates };
}
