// A small YAML emitter for Kubernetes objects (maps, lists, strings, numbers, booleans, null): block
// style like kubectl's, scripts as `|` literals, and any string that could be read back as something
// else quoted. Kept here instead of the yaml package so that `render` starts fast; the tests check that
// the yaml package reads back exactly what was written.

type Value = unknown;

export function toYaml(value: Value): string {
  return `${emit(value, 0, false).replace(/^\n/, '')}\n`;
}

const INDENT = '  ';
// YAML 1.1 and 1.2 words that a reader would turn into booleans or null.
const RESERVED = /^(y|n|yes|no|true|false|on|off|null|~)$/i;
// Floats to some YAML 1.1 readers: ".", "._", ".e1", "e9".
const YAML11_FLOAT = /^\.?[0-9_]*([eE][-+]?[0-9]+)?$/;
const PLAIN = /^[A-Za-z_./][A-Za-z0-9_./@+=-]*(:[A-Za-z0-9_./@+=-]+)*$/;

function emit(value: Value, depth: number, inList: boolean): string {
  const pad = INDENT.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    return value
      .map((item) => {
        const inner = emit(item, depth + 1, true);
        return `\n${pad}-${inner.startsWith('\n') ? inner.replace(/^\n\s*/, ' ') : inner}`;
      })
      .join('');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, Value>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return ' {}';
    const lines = entries.map(([k, v]) => `\n${pad}${scalarString(k, -1)}:${emit(v, depth + 1, false)}`);
    return lines.join('');
  }
  void inList;
  return ` ${scalar(value, depth)}`;
}

function scalar(value: Value, depth: number): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
  if (typeof value === 'boolean') return String(value);
  return scalarString(String(value), depth);
}

function scalarString(s: string, depth: number): string {
  if (PLAIN.test(s) && !RESERVED.test(s) && !/^[.+-]?\d/.test(s) && !/^\.(inf|nan)$/i.test(s) && !YAML11_FLOAT.test(s)) return s;
  if (depth >= 0 && isBlockLiteral(s)) {
    const pad = INDENT.repeat(depth);
    const body = s.endsWith('\n') ? s.slice(0, -1) : s;
    const lines = body.split('\n').map((line) => (line === '' ? '' : `${pad}${line}`));
    return `${s.endsWith('\n') ? '|' : '|-'}\n${lines.join('\n')}`;
  }
  return JSON.stringify(s);
}

// Multi-line text reads best as a literal block, when YAML can keep it byte for byte.
function isBlockLiteral(s: string): boolean {
  if (!s.includes('\n') || s.endsWith('\n\n')) return false;
  if (/^[ \t\n]/.test(s)) return false;
  if (/[\t ]\n|[\t ]$/.test(s)) return false;
  // Only printable characters and tabs (no other control characters, no BOM, no unpaired surrogates).
  return !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\ud800-\udfff]/.test(s);
}
