// A small YAML emitter for Kubernetes objects: block style like kubectl's, scripts as `|` literals, and
// any string that could be read back as something else double-quoted. Kept here instead of the yaml
// package so that `render` starts fast.
//
// What it writes means exactly what `-o json` means: the value JSON.stringify would write (toJSON is
// called, undefined members are left out, undefined list items and non-finite numbers are null), read
// back unchanged by a YAML 1.2 reader and by kubectl's (sigs.k8s.io/yaml, YAML 1.1 rules):
// - Words YAML 1.1 or 1.2 reads as booleans, null or numbers (yes, on, ~, 0777, 1e3, .inf, 2001-12-14, …)
//   are quoted. Only plain ASCII words are left unquoted.
// - Quoted strings are JSON strings, whose escapes YAML shares, with what JSON leaves raw but a YAML
//   reader would not keep escaped too: DEL and the C1 controls (\x7f…\x9f), NEL (\N: kubectl's reader
//   folds a raw one into a space), the line and paragraph separators (\L, \P), the BOM and U+FFFE/U+FFFF.
// - A lone surrogate cannot be written as UTF-8: it is written as JSON writes it ("\ud800"). The yaml
//   package reads that back as the same lone surrogate; Go's YAML reader refuses it (and Go's JSON reader
//   turns the JSON form into U+FFFD), so such a value never silently becomes another one in Kubernetes.
// - A key longer than YAML's 1,024-character limit for implicit keys is written as an explicit `? key`.

export function toYaml(value: unknown): string {
  const json = jsonValue(value, '');
  return `${emit(json === undefined ? null : json, 0).replace(/^[\n ]/, '')}\n`;
}

const INDENT = '  ';
// YAML 1.1 and 1.2 words that a reader would turn into booleans or null.
const RESERVED = /^(y|n|yes|no|true|false|on|off|null|~)$/i;
// Floats to some YAML 1.1 readers: ".", "._", ".e1", "e9".
const YAML11_FLOAT = /^\.?[0-9_]*([eE][-+]?[0-9]+)?$/;
// Plain ASCII words; not "..." (at the start of a line, the end of a document).
const PLAIN = /^(?!\.\.\.)[A-Za-z_./][A-Za-z0-9_./@+=-]*(:[A-Za-z0-9_./@+=-]+)*$/;
// Characters JSON.stringify leaves raw that must be escaped in a YAML double-quoted scalar.
const UNSAFE_IN_QUOTES = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;
const ESCAPES: Record<string, string> = { '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };
// What a literal block cannot hold byte for byte: control characters but tab and newline, DEL, C1 (NEL
// among them), the separators, the BOM, U+FFFE/U+FFFF and lone surrogates.
const NOT_LITERAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// YAML limits an implicit key to 1,024 characters up to its ":" (go-yaml counts characters, the yaml
// package UTF-16 units; a string's length is never less than either).
const MAX_IMPLICIT_KEY = 1000;

/** The value JSON.stringify would write for `value` (as a member named `key`); undefined when it leaves it out. */
function jsonValue(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      if (value instanceof Number || value instanceof String || value instanceof Boolean) return value.valueOf();
      return value;
    default:
      return value;
  }
}

function emit(value: unknown, depth: number): string {
  const pad = INDENT.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    let out = '';
    // An index loop, not map: holes are items too (null, as in JSON).
    for (let i = 0; i < value.length; i++) {
      const item = jsonValue(value[i], String(i));
      const inner = emit(item === undefined ? null : item, depth + 1);
      out += `\n${pad}-${inner.startsWith('\n') ? inner.replace(/^\n\s*/, ' ') : inner}`;
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    let out = '';
    for (const key of Object.keys(value)) {
      const member = jsonValue((value as Record<string, unknown>)[key], key);
      if (member === undefined) continue;
      const k = scalarString(key, -1);
      const v = emit(member, depth + 1);
      out += k.length > MAX_IMPLICIT_KEY ? `\n${pad}? ${k}\n${pad}:${v}` : `\n${pad}${k}:${v}`;
    }
    return out === '' ? ' {}' : out;
  }
  return ` ${scalar(value, depth)}`;
}

function scalar(value: unknown, depth: number): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return scalarString(String(value), depth);
}

/** A string as a YAML scalar: plain when nothing could read it as anything else, else quoted; at depth ≥ 0 (a value) multi-line text may be a literal block. */
function scalarString(s: string, depth: number): string {
  if (PLAIN.test(s) && !RESERVED.test(s) && !/^[.+-]?\d/.test(s) && !/^\.(inf|nan)$/i.test(s) && !YAML11_FLOAT.test(s)) return s;
  if (depth >= 0 && isBlockLiteral(s)) {
    // A top-level literal is indented too, so no line of it can be read as `---` or `...`.
    const pad = INDENT.repeat(Math.max(depth, 1));
    const body = s.endsWith('\n') ? s.slice(0, -1) : s;
    const lines = body.split('\n').map((line) => (line === '' ? '' : `${pad}${line}`));
    return `${s.endsWith('\n') ? '|' : '|-'}\n${lines.join('\n')}`;
  }
  return quoted(s);
}

function quoted(s: string): string {
  const json = JSON.stringify(s);
  UNSAFE_IN_QUOTES.lastIndex = 0;
  return UNSAFE_IN_QUOTES.test(json) ? json.replace(UNSAFE_IN_QUOTES, escape) : json;
}

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return ESCAPES[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

// Multi-line text reads best as a literal block, when YAML can keep it byte for byte.
function isBlockLiteral(s: string): boolean {
  if (!s.includes('\n') || s.endsWith('\n\n')) return false;
  if (/^[ \t\n]/.test(s)) return false;
  if (/[\t ]\n|[\t ]$/.test(s)) return false;
  return !NOT_LITERAL.test(s);
}
