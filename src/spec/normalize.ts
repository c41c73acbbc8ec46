// Brings every spelling of a spec to one: snake_case field names (Pachyderm's proto names), whatever the
// user wrote (snake_case, lowerCamelCase as protojson and the 2.x docs write them, or both mixed).
// It keeps, for each field, where it was and how the user spelled it, so messages can use their words.
import type { Position } from './diagnostics.ts';
import type { SourceNode } from './source.ts';

export interface Located {
  /** Where the value starts. */
  at: Position;
  /** Where the key starts, for values that are object members. */
  keyAt?: Position;
  /** The path as the user wrote it, for messages: `input.cross[1].pfs.repo`. */
  display: string;
}

export interface Normalized {
  value: unknown;
  /** JSON pointer (of the normalized value, as ajv reports it) → where it is in the file. */
  locations: Map<string, Located>;
  /** True when at least one field was written in camelCase. */
  camelCase: boolean;
  /** Fields written twice under two spellings (internalPort and internal_port). */
  duplicates: Duplicate[];
}

// Maps whose keys are the user's own data (variable names, label keys, Kubernetes fields): never renamed.
const FREE_MAPS = new Set([
  '/transform/env',
  '/metadata/labels',
  '/metadata/annotations',
  '/scheduling_spec/node_selector',
  '/service/annotations',
  '/pod_spec',
  '/pod_patch',
]);

export function toSnakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])/g, (c) => c.toLowerCase());
}

export function toCamelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function normalize(root: SourceNode): Normalized {
  const locations = new Map<string, Located>();
  const duplicates: Duplicate[] = [];
  let camelCase = false;

  const walk = (node: SourceNode, pointer: string, display: string, free: boolean): unknown => {
    switch (node.kind) {
      case 'scalar':
        return node.value;
      case 'array':
        return node.items.map((item, i) => {
          const p = `${pointer}/${i}`;
          const d = `${display}[${i}]`;
          locations.set(p, { at: item.at, display: d });
          return walk(item, p, d, free);
        });
      case 'object': {
        const out: Record<string, unknown> = {};
        const freeHere = free || FREE_MAPS.has(pointer);
        for (const entry of node.entries) {
          const key = freeHere || entry.key.startsWith('$') ? entry.key : toSnakeCase(entry.key);
          if (key !== entry.key) camelCase = true;
          const p = `${pointer}/${escapePointer(key)}`;
          const d = display ? (freeHere ? `${display}[${JSON.stringify(entry.key)}]` : `${display}.${entry.key}`) : entry.key;
          // A key spelled twice (internalPort and internal_port) keeps its first value and place; the rules
          // report the second.
          if (key in out) {
            duplicates.push({ pointer: p, keyAt: entry.keyAt, written: entry.key });
            continue;
          }
          locations.set(p, { at: entry.value.at, keyAt: entry.keyAt, display: d });
          out[key] = walk(entry.value, p, d, freeHere || FREE_MAPS.has(p));
        }
        return out;
      }
    }
  };

  locations.set('', { at: root.at, display: '' });
  const value = walk(root, '', '', false);
  return { value, locations, camelCase, duplicates };
}

export interface Duplicate {
  pointer: string;
  keyAt: Position;
  written: string;
}
