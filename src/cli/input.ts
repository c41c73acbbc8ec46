// Reads the spec named by -f: a file, or stdin for "-".
// readFileSync: a spec is small, and fs/promises would load streams and readline at every start.
import { readFileSync } from 'node:fs';
import { STDIN_FILE } from '../spec/load.ts';
import type { Terminal } from './terminal.ts';
import { UsageError } from './errors.ts';

export interface SpecText {
  text: string;
  /** The name messages use: the path as given, or `<stdin>`. */
  file: string;
}

export async function readSpecText(path: string, term: Terminal): Promise<SpecText> {
  if (path === '-') {
    if (term.stdin.isTTY) throw new UsageError('-f - reads the spec from stdin, but stdin is a terminal: pipe a spec in, or name a file');
    const chunks: Buffer[] = [];
    for await (const chunk of term.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return { text: Buffer.concat(chunks).toString('utf8'), file: STDIN_FILE };
  }
  try {
    return { text: readFileSync(path, 'utf8'), file: path };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory (name one spec file)' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new Error(`cannot read ${path}: ${why}`);
  }
}
