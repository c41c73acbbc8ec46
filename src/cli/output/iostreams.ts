// The process's streams and what they are (terminal or pipe, colour or not), as the GitHub CLI's
// iostreams: every command writes through these, so a test runs a command against in-memory streams.
import type { Writable } from 'node:stream';

export interface IOStreams {
  stdout: Writable;
  stderr: Writable;
  stdin: NodeJS.ReadableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Colour on stderr (messages). Off with --no-color, NO_COLOR, TERM=dumb or when stderr is not a terminal. */
  color: boolean;
  /** Colour on stdout (tables, inspect): only when stdout is a terminal as well. */
  colorOut: boolean;
  verbose: boolean;
  /** Whether a spinner may draw on stderr (a terminal, not CI). */
  progress: boolean;
  /** chalk, loaded only when colour is on. */
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

/** Whether colour was asked for: --color / --no-color first, then FORCE_COLOR, NO_COLOR, TERM. */
export function wantsColor(argv: string[], env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const flag = argv.includes('--color') ? true : argv.includes('--no-color') ? false : undefined;
  if (flag !== undefined) return flag;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

export async function processStreams(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<IOStreams> {
  const stdoutIsTTY = Boolean(process.stdout.isTTY);
  const stderrIsTTY = Boolean(process.stderr.isTTY);
  const color = wantsColor(argv, env, stderrIsTTY);
  const io: IOStreams = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stdoutIsTTY,
    stderrIsTTY,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    color,
    colorOut: wantsColor(argv, env, stdoutIsTTY) && (stdoutIsTTY || argv.includes('--color')),
    verbose: argv.includes('--verbose') || argv.includes('-v'),
    progress: stderrIsTTY && env.TERM !== 'dumb' && !env.CI,
  };
  if (color || io.colorOut) {
    const { Chalk, chalkStderr } = await import('chalk');
    io.styler = new Chalk({ level: Math.max(chalkStderr.level, 1) as 1 | 2 | 3 });
  }
  return io;
}

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}

/** Styling for stderr messages: chalk when colour is on, plain text otherwise. */
export function style(io: IOStreams): Styler {
  return io.color && io.styler ? io.styler : PLAIN;
}

/** Styling for stdout: only on a terminal. */
export function styleOut(io: IOStreams): Styler {
  return io.colorOut && io.styler ? io.styler : PLAIN;
}

export function warn(io: IOStreams, message: string): void {
  writeLine(io.stderr, `${style(io).yellow('warning:')} ${message}`);
}
