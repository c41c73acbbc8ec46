// The process's streams and what they are (terminal or pipe, colour or not), as the GitHub CLI's
// iostreams: every command writes through these, so a test runs a command against in-memory streams.
import type { Writable } from 'node:stream';
import { terminalLine } from '../../lib/text.ts';

export interface IOStreams {
  stdout: Writable;
  stderr: Writable;
  stdin: NodeJS.ReadableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /**
   * Colour on stderr (messages): on a terminal unless NO_COLOR is set or TERM=dumb; --color and
   * FORCE_COLOR force it, --no-color turns it off.
   */
  color: boolean;
  /**
   * Colour on stdout (tables, inspect): by the same rules, except that FORCE_COLOR (often set for a whole
   * CI job) does not colour what a pipe or file receives; only --color does.
   */
  colorOut: boolean;
  /** How the user runs pachsvc, for help and messages: `pachsvc`, or `kubectl pachsvc` as a kubectl plugin. */
  program?: string;
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

export const DEFAULT_PROGRAM = 'pachsvc';

/** --color or --no-color, whichever comes last (before `--`: what follows it is no flag), if either. */
function colorFlag(argv: string[]): boolean | undefined {
  let flag: boolean | undefined;
  for (const a of flagWords(argv)) {
    if (a === '--color' || a === '--color=true') flag = true;
    else if (a === '--no-color' || a === '--color=false') flag = false;
  }
  return flag;
}

function flagWords(argv: string[]): string[] {
  const end = argv.indexOf('--');
  return end < 0 ? argv : argv.slice(0, end);
}

/** Whether colour was asked for: --color / --no-color first, then FORCE_COLOR, NO_COLOR, TERM. */
export function wantsColor(argv: string[], env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const flag = colorFlag(argv);
  if (flag !== undefined) return flag;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** Whether stdout gets colour: as wantsColor, but FORCE_COLOR alone never colours a pipe or a file. */
export function wantsColorOut(argv: string[], env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const flag = colorFlag(argv);
  if (flag !== undefined) return flag;
  return isTTY && wantsColor(argv, env, isTTY);
}

export async function processStreams(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<IOStreams> {
  const stdoutIsTTY = Boolean(process.stdout.isTTY);
  const stderrIsTTY = Boolean(process.stderr.isTTY);
  const color = wantsColor(argv, env, stderrIsTTY);
  const flags = flagWords(argv);
  const io: IOStreams = {
    stdout: process.stdout,
    stderr: process.stderr,
    // process.stdin is made when first read (a stream over the terminal, pipe or file, ~5 ms): only
    // `-f -` and edit's terminal need it.
    get stdin() {
      return process.stdin;
    },
    stdoutIsTTY,
    stderrIsTTY,
    get stdinIsTTY() {
      return Boolean(process.stdin.isTTY);
    },
    color,
    colorOut: wantsColorOut(argv, env, stdoutIsTTY),
    verbose: flags.includes('--verbose') || flags.includes('-v'),
    progress: stderrIsTTY && env.TERM !== 'dumb' && !env.CI,
    // bin/kubectl-pachsvc sets it: kubectl runs the plugin, and the user typed `kubectl pachsvc`.
    program: env.PACHSVC_PROGRAM || DEFAULT_PROGRAM,
  };
  if (color || io.colorOut) {
    const { Chalk, chalkStderr } = await import('chalk');
    io.styler = new Chalk({ level: Math.max(chalkStderr.level, 1) as 1 | 2 | 3 });
  }
  return io;
}

/** How the user runs pachsvc (`pachsvc`, or `kubectl pachsvc`), for help and messages. */
export function programName(io: IOStreams): string {
  return io.program ?? DEFAULT_PROGRAM;
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
  // What others wrote (pachd's answer, a field manager's name) is shown, never obeyed.
  writeLine(io.stderr, `${style(io).yellow('warning:')} ${terminalLine(message)}`);
}
