// User text inside messages: quoted, with every character that could move the cursor, change colours,
// write to the clipboard, start a new line or hide itself escaped, and cut short, so a hostile value is
// shown, never obeyed, and a 10 MB value makes a short line.

// C0 and C1 controls, DEL, line and paragraph separators, bidi marks, overrides and isolates, invisible
// characters (soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width space, non-joiner and
// joiner, word joiner and the invisible operators, deprecated format characters), BOM, specials, unpaired
// surrogates and the invisible tag characters (U+E0000–U+E007F, which can spell out hidden text).
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' };

function escapeUnsafe(c: string): string {
  // A tag character is a surrogate pair: one escape for the code point.
  if (c.length === 2) return `\\u{${c.codePointAt(0)!.toString(16)}}`;
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Escapes what a terminal would act on; the text stays readable. */
export function escapeText(text: string): string {
  return text.replace(/["\\\n\r\t]/g, (c) => SHORT[c]!).replace(UNSAFE, escapeUnsafe);
}

/** `"value"`, escaped, and cut to about `max` characters with a note of the full length. */
export function quote(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : safeString(value);
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

/**
 * A message about to be written to a terminal, as the last line of defence: every line keeps its words,
 * quotes and backslashes, but nothing in it can act on the terminal (ESC, CR, C1, bidi, invisible
 * characters and lone surrogates are escaped), and a line longer than `max` is cut with a note.
 */
export function terminalLine(message: string, max = 8192): string {
  return message
    .split('\n')
    .map((line) => {
      const safe = line.replace(/[\r\t]/g, (c) => SHORT[c]!).replace(UNSAFE, escapeUnsafe);
      if (safe.length <= max) return safe;
      let cut = safe.slice(0, max);
      if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
      return `${cut}… (${safe.length} characters)`;
    })
    .join('\n');
}

/**
 * One line of a table or one field's value, from the cluster or a file, written to a terminal: as
 * terminalLine, and a newline in it is shown as `\n` (it cannot start a line that looks like another row).
 */
export function terminalCell(text: string, max = 8192): string {
  return terminalLine(text.replace(/\n/g, '\\n'), max);
}

/** String(value), for values String() cannot convert (objects without a prototype, symbols' holders). */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
