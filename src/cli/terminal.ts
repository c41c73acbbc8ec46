// The process's streams and what they are: terminal or pipe, color or not. Commands write through this,
// so tests can run them against in-memory streams.
import type { Writable } from 'node:stream';

export interface Terminal {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Color on stderr (messages). Off with --no-color, NO_COLOR, TERM=dumb or when stderr is not a terminal. */
  color: boolean;
  verbose: boolean;
  /** chalk, loaded only when color is on. */
  styler?: Styler;
}

export interface Styler {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const PLAIN: Styler = { red: (s) => s, yellow: (s) => s, green: (s) => s, bold: (s) => s, dim: (s) => s };

export async function processTerminal(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Terminal> {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const colorFlag = argv.includes('--color') ? true : argv.includes('--no-color') ? false : undefined;
  const color =
    colorFlag ?? (forced || (Boolean(process.stderr.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb'));
  const term: Terminal = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    color,
    verbose: argv.includes('--verbose') || argv.includes('-v'),
  };
  if (color) {
    const { Chalk, chalkStderr } = await import('chalk');
    term.styler = new Chalk({ level: Math.max(chalkStderr.level, 1) as 1 | 2 | 3 });
  }
  return term;
}

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}

/** Styling for stderr messages: chalk when color is on, plain text otherwise. */
export function style(term: Terminal): Styler {
  return term.styler ?? PLAIN;
}
