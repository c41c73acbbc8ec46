// Reads a spec's text (JSON or YAML) into a tree that remembers where each key and value is,
// so that every later error can point at `file:line:col`.
import { parse as parseJson, type AnyNode as JsonNode } from '@humanwhocodes/momoa';
import type { Node as YamlNode } from 'yaml';
import { loadYaml, type YamlModule } from '../lib/yaml.ts';
import { SpecError, type Position } from './diagnostics.ts';

export type SourceNode =
  | { kind: 'object'; at: Position; entries: SourceEntry[] }
  | { kind: 'array'; at: Position; items: SourceNode[] }
  | { kind: 'scalar'; at: Position; value: string | number | boolean | null };

export interface SourceEntry {
  key: string;
  keyAt: Position;
  value: SourceNode;
}

export type SourceFormat = 'json' | 'yaml';

/** JSON when the file says so by name, or (for stdin and other names) when the text starts like JSON. */
export function detectFormat(text: string, file: string): SourceFormat {
  if (/\.json$/i.test(file)) return 'json';
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  return /^\s*[{[]/.test(text.replace(/^\uFEFF/, '')) ? 'json' : 'yaml';
}

export async function readSource(text: string, file: string): Promise<SourceNode> {
  const body = text.replace(/^\uFEFF/, '');
  if (detectFormat(body, file) === 'json') return readJson(body, file);
  // The YAML parser is loaded only for YAML specs: JSON ones start faster without it.
  return readYaml(body, file, await loadYaml());
}

function fail(file: string, at: Position, message: string): never {
  throw new SpecError([{ severity: 'error', file, position: at, message }]);
}

// Specs copied from Pachyderm's docs carry tabs, comments and trailing commas (the seed's own example
// has one), so JSON is read leniently: only what a human means unambiguously is accepted.
function readJson(text: string, file: string): SourceNode {
  let doc;
  try {
    doc = parseJson(text, { mode: 'jsonc', allowTrailingCommas: true, ranges: false, tokens: false });
  } catch (err) {
    const e = err as { message?: string; line?: number; column?: number };
    const message = (e.message ?? 'invalid JSON').replace(/\s*\(\d+:\d+\)\s*$/, '').replace(/\.$/, '');
    fail(file, { line: e.line ?? 1, column: e.column ?? 1 }, `invalid JSON: ${lowerFirst(message)}`);
  }
  return fromJson(doc.body, file);
}

function fromJson(node: JsonNode, file: string): SourceNode {
  const at = { line: node.loc.start.line, column: node.loc.start.column };
  switch (node.type) {
    case 'Object': {
      const seen = new Set<string>();
      const entries = node.members.map((m) => {
        const keyAt = { line: m.name.loc.start.line, column: m.name.loc.start.column };
        const key = m.name.type === 'String' ? m.name.value : m.name.name;
        if (seen.has(key)) fail(file, keyAt, `duplicate field "${key}"`);
        seen.add(key);
        return { key, keyAt, value: fromJson(m.value, file) };
      });
      return { kind: 'object', at, entries };
    }
    case 'Array':
      return { kind: 'array', at, items: node.elements.map((e) => fromJson(e.value, file)) };
    case 'String':
    case 'Number':
    case 'Boolean':
      return { kind: 'scalar', at, value: node.value };
    case 'Null':
      return { kind: 'scalar', at, value: null };
    default:
      return fail(file, at, `invalid JSON value (${node.type})`);
  }
}

function readYaml(text: string, file: string, yaml: YamlModule): SourceNode {
  const { LineCounter, parseAllDocuments } = yaml;
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number): Position => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (!Array.isArray(docs)) fail(file, { line: 1, column: 1 }, 'invalid YAML');
  const real = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  for (const doc of real) {
    const problem = doc.errors[0];
    if (problem) fail(file, pos(problem.pos[0]), `invalid YAML: ${yamlMessage(problem.message)}`);
  }
  const first = real[0];
  if (!first || first.contents === null) fail(file, { line: 1, column: 1 }, 'the spec is empty');
  const second = real[1];
  if (second) {
    const at = second.contents?.range ? pos(second.contents.range[0]) : { line: 1, column: 1 };
    fail(file, at, 'this file holds more than one spec; pachsvc takes one service per file');
  }
  return fromYaml(first.contents as YamlNode, file, pos, yaml);
}

function fromYaml(node: YamlNode, file: string, pos: (offset: number) => Position, yaml: YamlModule): SourceNode {
  const { isAlias, isMap, isScalar, isSeq } = yaml;
  const at = pos(node.range?.[0] ?? 0);
  if (isAlias(node)) fail(file, at, 'YAML aliases (*name) are not supported in specs');
  if (isMap(node)) {
    const entries: SourceEntry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyAt = keyNode?.range ? pos(keyNode.range[0]) : at;
      if (!keyNode || !isScalar(keyNode) || (keyNode.value !== null && typeof keyNode.value === 'object')) {
        fail(file, keyAt, 'field names must be plain strings');
      }
      const key = String(keyNode.value);
      if (key === '<<') fail(file, keyAt, 'YAML merge keys (<<) are not supported in specs');
      const value = pair.value
        ? fromYaml(pair.value as YamlNode, file, pos, yaml)
        : ({ kind: 'scalar', at: keyAt, value: null } as const);
      entries.push({ key, keyAt, value });
    }
    return { kind: 'object', at, entries };
  }
  if (isSeq(node)) {
    return { kind: 'array', at, items: node.items.map((i) => fromYaml(i as YamlNode, file, pos, yaml)) };
  }
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      return { kind: 'scalar', at, value: v };
    }
    if (typeof v === 'bigint') return { kind: 'scalar', at, value: Number(v) };
    return { kind: 'scalar', at, value: String(v) };
  }
  return fail(file, at, 'unsupported YAML node');
}

function yamlMessage(message: string): string {
  // The yaml package appends "at line N, column M" and a code frame; we print the position ourselves.
  return lowerFirst(message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''));
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The plain value of a source tree (what JSON.parse would give). */
export function toPlain(node: SourceNode): unknown {
  switch (node.kind) {
    case 'object':
      return Object.fromEntries(node.entries.map((e) => [e.key, toPlain(e.value)]));
    case 'array':
      return node.items.map(toPlain);
    case 'scalar':
      return node.value;
  }
}
