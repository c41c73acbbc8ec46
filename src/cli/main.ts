// pachsvc's entry point: wires the commands into yargs and turns every failure into one clear line and
// an exit code (0 ok, 1 failure, 2 usage). Cluster commands load the Kubernetes client only when run.
import yargs, { type CommandModule } from 'yargs';
import { closest } from '../spec/suggest.ts';
import { COMMAND_NAMES as COMMANDS } from './commands/index.ts';
import { EXIT, UsageError } from './errors.ts';
import { GLOBAL_OPTIONS } from './options.ts';
import { report } from './report.ts';
import type { Terminal } from './terminal.ts';
import { VERSION } from './version.ts';

/** yargs spreads some messages over lines ("Invalid values:\n  Argument: …"); a terminal line says it once. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/^Invalid values: Argument: (\S+), Given: (.*), Choices: (.*)$/, 'invalid value $2 for --$1 (choose from $3)')
    .replace(/^Unknown arguments?: /, 'unknown flag: --');
}

export async function main(argv: string[], term: Terminal, commands: CommandModule<object, any>[]): Promise<number> {
  let usage: UsageError | undefined;
  const cli = yargs(argv)
    .scriptName('pachsvc')
    .usage('pachsvc: run long-lived services on versioned Pachyderm data, on Kubernetes.\n\nUsage: $0 <command> [flags]')
    .command(commands)
    .options(GLOBAL_OPTIONS)
    .completion('completion', 'Print a bash/zsh completion script (source <(pachsvc completion))')
    .demandCommand(1, 'name a command (see pachsvc --help)')
    .recommendCommands()
    .strict()
    .version(VERSION)
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .showHelpOnFail(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue('Docs: README.md. Specs: the Pachyderm 1.x job form or 2.x pipeline form, JSON or YAML.')
    .exitProcess(false)
    .fail((message, err) => {
      if (err) throw err;
      usage = new UsageError(oneLine(message ?? 'invalid usage'), COMMANDS.includes(argv[0] ?? '') ? argv[0] : undefined);
      throw usage;
    });

  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !COMMANDS.includes(first)) {
    const guess = closest(first, COMMANDS);
    return report(new UsageError(`unknown command "${first}"${guess ? ` (did you mean "${guess}"?)` : ''}`), term);
  }

  try {
    await cli.parseAsync();
    return EXIT.ok;
  } catch (err) {
    return report(usage ?? err, term);
  }
}
