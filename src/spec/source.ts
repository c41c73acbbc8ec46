// Reads a spec file's text (JSON or YAML; one spec, or several) into trees that remember where each key and
// value is, so that every later error can point at `file:line:col`.
//
// A file holds specs in every form pachctl reads: one object; JSON objects one after another (Pachyderm
// 1.x); YAML documents, or JSON ones, separated by `---`; a list of specs. Reading is bounded (LIMITS):
// nesting, the number of values and the length of keys and values are checked as the text is read, so a
// pathological file gets one positioned error, quickly, and never exhausts the stack or the memory.
import { parse as parseJson, type AnyNode as JsonNode } from '@humanwhocodes/momoa';
import type { Document, Node as YamlNode } from 'yaml';
import { quote, safeText } from '../lib/text.ts';
import { loadYaml, type YamlModule } from '../lib/yaml.ts';
import { SpecError, type Position } from './diagnostics.ts';
import { depthMessage, JsonLimitError, splitJson, valuesMessage } from './json-scan.ts';
import { LIMITS } from './limits.ts';

export type SourceNode =
  | { kind: 'object'; at: Position; entries: SourceEntry[] }
  | { kind: 'array'; at: Position; items: SourceNode[] }
  /** `text`: a number or boolean as it was written (`1.50`, `True`), for fields that keep it as a string. */
  | { kind: 'scalar'; at: Position; value: string | number | boolean | null; text?: string };

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

/** A document of the file: its top-level value (a spec, or a list of specs). */
export interface SourceDocument {
  node: SourceNode;
}

/**
 * Every document of a file, in order. Throws SpecError (at the place in the file) when the text cannot be
 * read. A file with no document at all is an error.
 */
export async function readDocuments(text: string, file: string): Promise<SourceDocument[]> {
  const body = text.replace(/^\uFEFF/, '');
  const docs = detectFormat(body, file) === 'json' ? readJson(body, file) : readYaml(body, file, await loadYaml());
  if (docs.length === 0) fail(file, { line: 1, column: 1 }, 'the spec is empty');
  return docs;
}

function fail(file: string, at: Position, message: string): never {
  throw new SpecError([{ severity: 'error', file, position: at, message }]);
}

/** Offsets to 1-based line:column, by binary search over the line starts. */
function lineTable(text: string): (offset: number) => Position {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

/** Checks a key or a string value against the length limits. */
function checkLength(file: string, at: Position, text: string, what: 'key' | 'value'): void {
  const limit = what === 'key' ? LIMITS.keyLength : LIMITS.valueLength;
  if (text.length > limit) {
    fail(
      file,
      at,
      what === 'key'
        ? `this field name is ${text.length} characters long; pachsvc reads names of at most ${limit} (${quote(text, 40)})`
        : `this value is ${text.length} characters long; pachsvc reads values of at most ${limit}, as every value is kept in an annotation and Kubernetes allows 256 KiB of them`,
    );
  }
}

// Specs copied from Pachyderm's docs carry tabs, comments and trailing commas (the seed's own example
// has one), so JSON is read leniently: only what a human means unambiguously is accepted.
function readJson(text: string, file: string): SourceDocument[] {
  const pos = lineTable(text);
  let pieces;
  try {
    pieces = splitJson(text);
  } catch (err) {
    if (err instanceof JsonLimitError) fail(file, pos(err.offset), err.message);
    throw err;
  }
  return pieces.map((piece) => {
    const slice = text.slice(piece.start, piece.end);
    let doc;
    try {
      doc = parseJson(slice, { mode: 'jsonc', allowTrailingCommas: true, ranges: false, tokens: false });
    } catch (err) {
      const e = err as { message?: string; offset?: number };
      const message = (e.message ?? 'invalid JSON').replace(/\s*\(\d+:\d+\)\s*$/, '').replace(/\.$/, '');
      fail(file, pos(piece.start + (e.offset ?? 0)), `invalid JSON: ${lowerFirst(safeMessage(message))}`);
    }
    return { node: fromJson(doc.body, file, (offset) => pos(piece.start + offset), slice) };
  });
}

function fromJson(node: JsonNode, file: string, pos: (offset: number) => Position, text: string): SourceNode {
  const at = pos(node.loc.start.offset);
  switch (node.type) {
    case 'Object': {
      const seen = new Set<string>();
      const entries = node.members.map((m) => {
        const keyAt = pos(m.name.loc.start.offset);
        const key = m.name.type === 'String' ? m.name.value : m.name.name;
        checkLength(file, keyAt, key, 'key');
        if (seen.has(key)) fail(file, keyAt, `duplicate field ${quote(key)}`);
        seen.add(key);
        return { key, keyAt, value: fromJson(m.value, file, pos, text) };
      });
      return { kind: 'object', at, entries };
    }
    case 'Array':
      return { kind: 'array', at, items: node.elements.map((e) => fromJson(e.value, file, pos, text)) };
    case 'String':
      checkLength(file, at, node.value, 'value');
      return { kind: 'scalar', at, value: node.value };
    case 'Number':
      return { kind: 'scalar', at, value: node.value, text: text.slice(node.loc.start.offset, node.loc.end.offset) };
    case 'Boolean':
      return { kind: 'scalar', at, value: node.value };
    case 'Null':
      return { kind: 'scalar', at, value: null };
    default:
      return fail(file, at, `invalid JSON value (${node.type})`);
  }
}

// The lexemes that start a value (a key, a scalar, a list item or a collection), counted against LIMITS.
const VALUE_TOKENS = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'block-scalar-header', 'flow-map-start', 'flow-seq-start', 'seq-item-ind', 'alias']);
const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);
// The tags of YAML 1.2's core schema: everything else (!!omap, !!set, !!binary, !!timestamp, local tags)
// has no meaning in a spec, as pachctl also refuses them.
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

function readYaml(text: string, file: string, yaml: YamlModule): SourceDocument[] {
  const { Composer, Lexer, LineCounter, Parser, CST } = yaml;
  const lines = new LineCounter();
  const pos = (offset: number): Position => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };

  // The lexer and parser are iterative: nesting and size are checked while they run, before the
  // (recursive) composer sees the tokens.
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  const tokens = [];
  let values = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const type = CST.tokenType(lexeme);
    if (type && VALUE_TOKENS.has(type) && ++values > LIMITS.values) fail(file, pos(parser.offset), valuesMessage());
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > LIMITS.depth) {
      let depth = 0;
      for (const token of parser.stack) {
        if (COLLECTIONS.has(token.type) && ++depth > LIMITS.depth) fail(file, pos(token.offset), depthMessage());
      }
    }
  }
  for (const token of parser.end()) tokens.push(token);

  // The core schema whatever the document says: a `%YAML 1.1` document keeps timestamps, `yes`, `0777` and
  // `1:30` as the text written (pachctl's YAML reader resolves them the YAML 1.2 way too). Duplicate keys
  // are found below, in linear time (the yaml package's own check is quadratic).
  const composer = new Composer({ schema: 'core', merge: false, uniqueKeys: false });
  const docs: Document.Parsed[] = [...composer.compose(tokens, false)];
  // An empty document (between two `---`, or only comments) holds no spec; `--- ~` holds a null one.
  const empty = (node: unknown) => node === null || (yaml.isScalar(node) && node.value === null && node.source === '' && node.tag === undefined);
  const real = docs.filter((d) => !empty(d.contents) || d.errors.length > 0);
  for (const doc of real) {
    const problem = doc.errors[0];
    if (problem) fail(file, pos(problem.pos[0]), `invalid YAML: ${yamlMessage(problem.message)}`);
  }
  return real.map((doc) => ({ node: fromYaml(doc.contents as YamlNode, file, pos, yaml, 1) }));
}

function fromYaml(node: YamlNode, file: string, pos: (offset: number) => Position, yaml: YamlModule, depth: number): SourceNode {
  const { isAlias, isMap, isScalar, isSeq } = yaml;
  const at = pos(node.range?.[0] ?? 0);
  if (isAlias(node)) fail(file, at, 'YAML aliases (*name) are not supported in specs');
  if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
    fail(file, at, `the YAML tag ${quote(node.tag.replace(/^tag:yaml\.org,2002:/, '!!'))} is not supported in specs: write plain maps, lists and scalars`);
  }
  if ((isMap(node) || isSeq(node)) && depth > LIMITS.depth) fail(file, at, depthMessage());
  if (isMap(node)) {
    const entries: SourceEntry[] = [];
    const seen = new Set<string>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyAt = keyNode?.range ? pos(keyNode.range[0]) : at;
      if (!keyNode || !isScalar(keyNode) || (keyNode.value !== null && typeof keyNode.value === 'object')) {
        fail(file, keyAt, 'field names must be plain strings');
      }
      if (keyNode.tag !== undefined && !CORE_TAGS.has(keyNode.tag)) {
        fail(file, keyAt, `the YAML tag ${quote(keyNode.tag.replace(/^tag:yaml\.org,2002:/, '!!'))} is not supported in specs: write plain maps, lists and scalars`);
      }
      // A key is the text written (`1.10:` is "1.10", not "1.1").
      const key = typeof keyNode.value === 'string' ? keyNode.value : (keyNode.source ?? String(keyNode.value));
      checkLength(file, keyAt, key, 'key');
      if (key === '<<') fail(file, keyAt, 'YAML merge keys (<<) are not supported in specs');
      if (seen.has(key)) fail(file, keyAt, `duplicate field ${quote(key)}`);
      seen.add(key);
      const value = pair.value
        ? fromYaml(pair.value as YamlNode, file, pos, yaml, depth + 1)
        : ({ kind: 'scalar', at: keyAt, value: null } as const);
      entries.push({ key, keyAt, value });
    }
    return { kind: 'object', at, entries };
  }
  if (isSeq(node)) {
    return { kind: 'array', at, items: node.items.map((i) => fromYaml(i as YamlNode, file, pos, yaml, depth + 1)) };
  }
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') {
      checkLength(file, at, v, 'value');
      return { kind: 'scalar', at, value: v };
    }
    if (typeof v === 'number') return { kind: 'scalar', at, value: v, ...(node.source !== undefined ? { text: node.source } : {}) };
    if (typeof v === 'boolean') return { kind: 'scalar', at, value: v, ...(node.source !== undefined ? { text: node.source } : {}) };
    if (v === null) return { kind: 'scalar', at, value: v };
    // The core schema makes nothing else; should a scalar still be something else, it is the text written.
    const written = node.source ?? String(v);
    checkLength(file, at, written, 'value');
    return { kind: 'scalar', at, value: written };
  }
  return fail(file, at, 'unsupported YAML node');
}

function yamlMessage(message: string): string {
  // The yaml package appends "at line N, column M" and a code frame; we print the position ourselves.
  return lowerFirst(safeMessage(message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')));
}

/** A parser's message may quote the text it stopped at: never raw, never long. */
function safeMessage(message: string): string {
  return safeText(message, 200);
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
