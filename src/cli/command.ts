// A command as data (name, options, examples, what it runs), turned into a yargs command module here,
// once, instead of in every command file.
import type { Argv, CommandModule, PositionalOptions } from 'yargs';
import type { OptionTable } from './options.ts';
import type { Terminal } from './terminal.ts';

export interface CommandSpec<A> {
  /** yargs' command string: `inspect <name>`, `delete [names..]`. */
  command: string;
  aliases?: string[];
  describe: string;
  positionals?: Record<string, PositionalOptions>;
  options: OptionTable;
  /** Runnable examples for --help: [command line, what it does]. */
  examples: [string, string][];
  run: (args: A, term: Terminal) => Promise<void>;
}

export function defineCommand<A>(spec: CommandSpec<A>, term: Terminal): CommandModule<object, A> {
  return {
    command: spec.command,
    ...(spec.aliases ? { aliases: spec.aliases } : {}),
    describe: spec.describe,
    builder: (y: Argv) => {
      let b = y;
      for (const [name, options] of Object.entries(spec.positionals ?? {})) b = b.positional(name, options);
      b = b.options(spec.options);
      for (const [cmd, what] of spec.examples) b = b.example(cmd, what);
      return b as unknown as Argv<A>;
    },
    handler: (args) => spec.run(args as unknown as A, term),
  };
}
