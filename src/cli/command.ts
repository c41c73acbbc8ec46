// A command, as data: its name, flags, help and examples, and what it runs. The registry (registry.ts)
// lists them; yargs (start/yargs.ts), the fast path (start/fast-path.ts), the help text and completion
// are all derived from these definitions, never written beside them.
import type { Options, PositionalOptions } from 'yargs';
import type { Factory } from './factory.ts';

export type FlagTable = Record<string, Options>;

export interface Command<A = any> {
  name: string;
  aliases?: string[];
  /** Positional arguments after the name, in yargs' syntax: `<name>`, `[names..]`. */
  args?: string;
  positionals?: Record<string, PositionalOptions>;
  /** One line for `pachsvc --help`. */
  summary: string;
  flags: FlagTable;
  /** Runnable examples for --help: [command line, what it does]. */
  examples: [string, string][];
  /**
   * Started without yargs when the call is well formed (the command is run often, by scripts and
   * editors): its flags are parsed by yargs-parser from the same table.
   */
  fast?: boolean;
  /** Left out of --help (the shell completion's helper). */
  hidden?: boolean;
  /** Completion of the first positional: `service` completes names of services in the cluster. */
  completes?: 'service';
  /** Runs the command; resolves to the exit code (0 when undefined). */
  run(args: A, f: Factory): Promise<number | void>;
}

export function defineCommand<A>(command: Command<A>): Command<A> {
  return command;
}
