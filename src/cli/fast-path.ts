// `render`, `validate` and `list` are run often, by scripts, editors and people, so they start without yargs: the same
// option declarations are parsed with yargs-parser (yargs's own parser). Only a call that is entirely
// well-formed takes this path; anything else (help, a typo, a missing value) goes to yargs, which
// explains it. The result is the same either way, only sooner.
import parse from 'yargs-parser';
import type { Options } from 'yargs';
import { runList } from './commands/list.ts';
import { runRender } from './commands/render.ts';
import { runValidate } from './commands/validate.ts';
import { GLOBAL_OPTIONS, LIST_OPTIONS, RENDER_COMMAND_OPTIONS, VALIDATE_OPTIONS, type OptionTable } from './options.ts';
import type { Terminal } from './terminal.ts';

type Run = (args: never, term: Terminal) => Promise<void>;

const COMMANDS: Record<string, { options: OptionTable; run: Run }> = {
  render: { options: RENDER_COMMAND_OPTIONS, run: runRender as Run },
  validate: { options: VALIDATE_OPTIONS, run: runValidate as Run },
  list: { options: LIST_OPTIONS, run: runList as Run },
  ls: { options: LIST_OPTIONS, run: runList as Run },
};

/** Runs the command if it can be run without yargs; returns false to hand it to yargs. */
export async function tryFastPath(argv: string[], term: Terminal): Promise<boolean> {
  const command = COMMANDS[argv[0] ?? ''];
  if (!command) return false;
  const args = parseStrict(argv.slice(1), { ...command.options, ...GLOBAL_OPTIONS });
  if (!args) return false;
  await command.run(args as never, term);
  return true;
}

function parseStrict(argv: string[], table: OptionTable): Record<string, unknown> | undefined {
  const alias: Record<string, string[]> = {};
  const string: string[] = [];
  const boolean: string[] = [];
  const defaults: Record<string, unknown> = {};
  const known = new Set<string>();
  for (const [name, o] of Object.entries(table) as [string, Options][]) {
    const aliases = o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias];
    alias[name] = aliases;
    for (const n of [name, ...aliases]) known.add(n).add(camel(n));
    if (o.type === 'boolean') boolean.push(name);
    else string.push(name);
    if (o.default !== undefined) defaults[name] = o.default;
  }
  if (argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '--')) return undefined;
  const parsed = parse(argv, { alias, string, boolean, default: defaults, configuration: { 'duplicate-arguments-array': false } });
  if (parsed._.length > 0) return undefined;
  for (const key of Object.keys(parsed)) if (key !== '_' && !known.has(key)) return undefined;
  for (const [name, o] of Object.entries(table) as [string, Options][]) {
    const value = parsed[name];
    if (o.demandOption && value === undefined) return undefined;
    if (o.type !== 'boolean' && value !== undefined && (typeof value !== 'string' || value === '')) return undefined;
    if (o.choices && value !== undefined && !(o.choices as unknown[]).includes(value)) return undefined;
  }
  return parsed;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
