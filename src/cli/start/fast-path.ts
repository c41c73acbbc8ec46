// Every command starts without yargs when it is called well formed: its flag table (the same one yargs
// gets) and its positionals (`<name>`, `[names..]`) are parsed with yargs-parser. Only a call that is
// entirely well formed takes this path; anything else (help, a typo, a missing value, one positional too
// many) goes to yargs, which explains it. The result is the same either way, only sooner: loading and
// building yargs costs more than most commands' own work.
import parse from 'yargs-parser';
import type { Options } from 'yargs';
import type { FlagTable } from '../command.ts';
import type { Factory } from '../factory.ts';
import { GLOBAL_FLAGS } from '../flags/global.ts';
import { loadCommand } from './commands.ts';

/** Runs the command if it can be run without yargs and returns its exit code; undefined hands it to yargs. */
export async function tryFastPath(argv: string[], f: Factory): Promise<number | undefined> {
  const command = await loadCommand(argv[0] ?? '');
  if (!command) return undefined;
  const args = await parseStrict(argv.slice(1), { ...command.flags, ...GLOBAL_FLAGS });
  if (!args || !takePositionals(args, command.args)) return undefined;
  return (await command.run(args, f)) ?? 0;
}

/**
 * Gives the positionals (parsed `_`, all strings) their names from the command's yargs syntax:
 * `<name>` one, required; `[name]` one, optional; `[names..]` / `<names..>` the rest, as a list. False
 * when they do not fit (yargs then says what is wrong).
 */
function takePositionals(args: Record<string, unknown>, syntax: string | undefined): boolean {
  const given = (args._ as unknown[]).map(String);
  for (const token of syntax?.split(/\s+/).filter(Boolean) ?? []) {
    const m = /^([<[])([\w-]+)(\.\.)?[>\]]$/.exec(token);
    if (!m) return false;
    const [, open, name, variadic] = m as unknown as [string, string, string, string | undefined];
    if (variadic) {
      if (open === '<' && given.length === 0) return false;
      args[name] = given.splice(0);
      continue;
    }
    const value = given.shift();
    if (value === undefined) {
      if (open === '<') return false;
      continue;
    }
    args[name] = value;
  }
  if (given.length > 0) return false;
  args._ = [];
  return true;
}

async function parseStrict(argv: string[], table: FlagTable): Promise<Record<string, unknown> | undefined> {
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
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h' || a === '--version')) return undefined;
  // Positionals stay strings (yargs keeps them so for `type: 'string'`); after `--`, everything is one.
  const parsed = parse(argv, { alias, string, boolean, default: defaults, configuration: { 'duplicate-arguments-array': true, 'parse-positional-numbers': false } });
  for (const key of Object.keys(parsed)) if (key !== '_' && !known.has(key)) return undefined;
  for (const [name, o] of Object.entries(table) as [string, Options][]) {
    const value = parsed[name];
    if (o.demandOption && value === undefined) return undefined;
    if (o.type === 'boolean' && value !== undefined && typeof value !== 'boolean') return undefined;
    const values = Array.isArray(value) ? value : [value];
    // A repeated flag is a list only where the table says so (-f); elsewhere yargs explains it. (Only
    // commands that read specs have such a flag, and they load the spec flags anyway.)
    if (Array.isArray(value) && !(await import('../flags/spec.ts')).REPEATABLE_FLAGS.has(name)) return undefined;
    if (o.type !== 'boolean' && value !== undefined && values.some((v) => typeof v !== 'string' || v === '')) return undefined;
    if (o.choices && value !== undefined && !values.every((v) => (o.choices as unknown[]).includes(v))) return undefined;
  }
  return parsed;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
