// One linear pass over JSON text (with comments and trailing commas, as the JSON parser takes it), before
// anything parses it: it finds where each top-level value starts and ends (Pachyderm 1.x read a file of
// specs written one after another, and `---` lines may separate them as YAML documents are), and refuses
// nesting deeper, or more values, than LIMITS allow. The parser that follows is recursive; this is not.
import { LIMITS } from './limits.ts';

/** A top-level value: text.slice(start, end). */
export interface JsonPiece {
  start: number;
  end: number;
}

/** Which of LIMITS the text goes beyond. */
export type JsonLimit = 'depth' | 'values';

/** Where the text goes beyond a limit, and which. */
export class JsonLimitError extends Error {
  constructor(
    readonly offset: number,
    readonly limit: JsonLimit,
    message: string,
  ) {
    super(message);
  }
}

export function depthMessage(): string {
  return `this value is nested more than ${LIMITS.depth} levels deep; a spec is never that deep`;
}

export function valuesMessage(): string {
  return `the file holds more than ${LIMITS.values} keys and values; a spec holds a few hundred`;
}

/**
 * The top-level values of `text`. Anything at the top level that is not a `{…}` or `[…]` value (a scalar,
 * or text that is not JSON) becomes the last piece, from there to the end: the parser then reads it, and
 * reports what is wrong with it at its place.
 */
export function splitJson(text: string, budget = { values: 0 }): JsonPiece[] {
  const pieces: JsonPiece[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    i = skipTrivia(text, i, true);
    if (i >= n) return pieces;
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const end = scanValue(text, i, budget);
      pieces.push({ start: i, end });
      i = end;
    } else {
      pieces.push({ start: i, end: n });
      return pieces;
    }
  }
}

/** Checks the depth and the number of values of one JSON text (a pod_spec written as a string, say). */
export function checkJsonText(text: string): void {
  splitJson(text);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff;
}

/** Skips whitespace and comments (and, between top-level values, `---` document separators). */
function skipTrivia(text: string, i: number, topLevel: boolean): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
    } else if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2f) {
      while (i < n && text.charCodeAt(i) !== 0x0a) i++;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a /* * */) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (topLevel && c === 0x2d /* - */ && (i === 0 || text.charCodeAt(i - 1) === 0x0a) && text.startsWith('---', i) && (i + 3 >= n || isSpace(text.charCodeAt(i + 3)))) {
      i += 3;
    } else {
      return i;
    }
  }
  return i;
}

/** The end of the value that starts at `start` with `{` or `[`. */
function scanValue(text: string, start: number, budget: { values: number }): number {
  const n = text.length;
  let depth = 0;
  let i = start;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      count(budget, i);
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22 || d === 0x0a) break;
        else i++;
      }
      i++;
    } else if (c === 0x7b || c === 0x5b) {
      count(budget, i);
      depth++;
      if (depth > LIMITS.depth) throw new JsonLimitError(i, 'depth', depthMessage());
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      i++;
      if (depth === 0) return i;
    } else if (c === 0x2f /* / */ && (text.charCodeAt(i + 1) === 0x2f || text.charCodeAt(i + 1) === 0x2a)) {
      i = skipTrivia(text, i, false);
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) {
      // A number or a literal (true, false, null, or an unquoted word the parser will refuse).
      count(budget, i);
      i++;
      while (i < n && /[A-Za-z0-9.+-]/.test(text[i]!)) i++;
    } else {
      i++;
    }
  }
  return n;
}

function count(budget: { values: number }, offset: number): void {
  budget.values++;
  if (budget.values > LIMITS.values) throw new JsonLimitError(offset, 'values', valuesMessage());
}
