// Every command, made into yargs commands from its definition (registry.ts): flags, positionals,
// help and examples. yargs explains what the fast path would not take: --help, typos, missing values.
import yargs, { type Argv } from 'yargs';
import { closest } from '../../spec/suggest.ts';
import type { Command } from '../command.ts';
import type { Factory } from '../factory.ts';
import { GLOBAL_FLAGS } from '../flags/global.ts';
import { EXIT, UsageError } from '../output/errors.ts';
import { programName } from '../output/iostreams.ts';
import { report } from '../output/report.ts';
import { COMMAND_NAMES, COMMANDS, findCommand } from '../registry.ts';
import { quote } from '../../lib/text.ts';
import { VERSION } from '../version.ts';

/**
 * yargs spreads some messages over lines ("Invalid values:\n  Argument: …"); a terminal line says it once.
 * yargs calls a stray word and an unknown flag alike an "Unknown argument": argv tells them apart.
 */
function oneLine(message: string, argv: string[]): string {
  const line = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/^Invalid values: Argument: (\S+), Given: (.*), Choices: (.*)$/, 'invalid value $2 for --$1 (choose from $3)');
  const unknown = /^Unknown arguments?: (.*)$/.exec(line);
  if (!unknown) return line;
  const end = argv.indexOf('--');
  const words = new Set((end < 0 ? argv : argv.slice(0, end)).filter((a) => !a.startsWith('-')));
  const names = unknown[1]!.split(', ');
  const stray = names.filter((n) => words.has(n));
  const flags = names.filter((n) => !words.has(n));
  if (stray.length === 0) return `unknown flag: --${flags.join(', --')}`;
  const said = `unexpected argument${stray.length > 1 ? 's' : ''} ${stray.map((w) => quote(w)).join(', ')}`;
  return flags.length === 0 ? said : `${said}; unknown flag: --${flags.join(', --')}`;
}

export async function runYargs(argv: string[], f: Factory): Promise<number> {
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !COMMAND_NAMES.includes(first)) {
    const guess = closest(first.slice(0, 64), COMMAND_NAMES);
    return report(new UsageError(`unknown command ${quote(first)}${guess ? ` (did you mean "${guess}"?)` : ''}`), f.io);
  }
  let exitCode: number = EXIT.ok;
  let usage: UsageError | undefined;
  const command = findCommand(first ?? '');
  const cli = yargs()
    .scriptName(programName(f.io))
    .usage('pachsvc: run long-lived services on versioned Pachyderm data, on Kubernetes.\n\nUsage: $0 <command> [flags]')
    .options(GLOBAL_FLAGS)
    .demandCommand(1, `name a command (see ${programName(f.io)} --help)`)
    .strict()
    .version(VERSION)
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .showHelpOnFail(false)
    .wrap(Math.min(110, (f.io.stdout as NodeJS.WriteStream).columns || 100))
    .epilogue('Docs: README.md. Specs: the Pachyderm 1.x job form or 2.x pipeline form, JSON or YAML.')
    .exitProcess(false)
    .fail((message, err) => {
      if (err) throw err;
      usage = new UsageError(oneLine(message ?? 'invalid usage', argv), command?.name);
      throw usage;
    });
  for (const c of COMMANDS) {
    cli.command({
      command: c.args ? `${c.name} ${c.args}` : c.name,
      ...(c.aliases ? { aliases: c.aliases } : {}),
      describe: c.hidden ? false : c.summary,
      builder: (y: Argv) => builder(y, c),
      handler: async (args) => {
        exitCode = (await c.run(args, f)) ?? EXIT.ok;
      },
    });
  }
  try {
    let help = '';
    await cli.parseAsync(argv, {}, (_err, _args, output) => {
      help = output;
    });
    if (help) f.io.stdout.write(`${help}\n`);
    return exitCode;
  } catch (err) {
    return report(usage ?? err, f.io);
  }
}

function builder(y: Argv, c: Command): Argv {
  let b = y;
  for (const [name, options] of Object.entries(c.positionals ?? {})) b = b.positional(name, options);
  b = b.options(c.flags);
  for (const [cmd, what] of c.examples) b = b.example(cmd, what);
  return b;
}
