// User text inside messages: quoted, with every character that could move the cursor, change colours,
// write to the clipboard or start a new line escaped, and cut short, so a hostile value is shown, never
// obeyed, and a 10 MB value makes a short line.

// C0 and C1 controls, DEL, line and paragraph separators, bidi overrides and isolates, BOM, specials and
// unpaired surrogates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' };

/** Escapes what a terminal would act on; the text stays readable. */
export function escapeText(text: string): string {
  return text.replace(/["\\\n\r\t]/g, (c) => SHORT[c]!).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `"value"`, escaped, and cut to about `max` characters with a note of the full length. */
export function quote(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : String(value);
  if (text.length <= max) return `"${escapeText(text)}"`;
  // Cut on a character boundary: never leave half a surrogate pair.
  let cut = text.slice(0, max);
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `"${escapeText(cut)}…" (${text.length} characters)`;
}

/** Text that is printed as it is (a path, a name) but must not carry control characters. */
export function safeText(text: string, max = 200): string {
  const escaped = escapeText(text).replace(/\\(["\\])/g, '$1');
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
