// What neither parser says well, checked on the command line as typed, before either runs: a flag that
// takes a value given none (`-f` last, `-f --follow`, `--name=`), and a boolean flag given a value other
// than true or false (`--follow=maybe`, which yargs-parser would silently read as false). Each is a usage
// error (exit 2) naming the flag, the same whether the fast path or yargs would have parsed the rest.
// A value is never echoed here: it may be a secret pasted into the wrong flag.
import type { Options } from 'yargs';
import type { FlagTable } from '../command.ts';
import { quote } from '../../lib/text.ts';
import { UsageError } from '../output/errors.ts';

interface Flag {
  name: string;
  boolean: boolean;
}

/** Throws a UsageError for the first flag given without its value, or a boolean given another value. */
export function checkFlagValues(argv: string[], table: FlagTable, command: string): void {
  // Help is asked for: yargs shows it whatever else the line holds.
  if (argv.some((a, i) => (a === '--help' || a === '-h') && !argv.slice(0, i).includes('--'))) return;
  const long = new Map<string, Flag>();
  const short = new Map<string, Flag>();
  for (const [name, o] of Object.entries(table) as [string, Options][]) {
    const flag = { name, boolean: o.type === 'boolean' };
    long.set(name, flag);
    long.set(camel(name), flag);
    const aliases = o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias];
    for (const a of aliases) (a.length === 1 ? short : long).set(a, flag);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return;
    let flag: Flag | undefined;
    let shown: string;
    let value: string | undefined;
    const m = /^--([^=]+)(?:=([\s\S]*))?$/.exec(arg);
    if (m) {
      const negated = /^no-/.test(m[1]!) ? long.get(m[1]!.slice(3)) : undefined;
      flag = long.get(m[1]!) ?? (negated?.boolean ? negated : undefined);
      shown = `--${m[1]}`;
      value = m[2];
    } else if (/^-[a-zA-Z]/.test(arg)) {
      // -f, -f=x, or a group of short flags (-Rf: the last one may take the next word).
      const eq = arg.indexOf('=');
      const letters = eq < 0 ? arg.slice(1) : arg.slice(1, eq);
      if (![...letters].every((c) => short.has(c))) continue;
      flag = short.get(letters.at(-1)!);
      shown = `-${letters.at(-1)}`;
      value = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      continue;
    }
    if (!flag) continue;
    if (flag.boolean) {
      if (value !== undefined && value !== 'true' && value !== 'false') {
        throw new UsageError(`${shown} is on or off: give it alone, or as ${shown}=true or ${shown}=false (not ${quote(value, 20)})`, command);
      }
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      // What yargs-parser takes as the value: the next word, unless it looks like a flag (a negative number does not).
      if (next === undefined || (/^-./.test(next) && !/^-\d/.test(next))) throw needsValue(shown, flag, command);
      value = next;
      i++;
    }
    if (value === '') throw needsValue(shown, flag, command);
  }
}

function needsValue(shown: string, flag: Flag, command: string): UsageError {
  const also = shown === `--${flag.name}` ? '' : ` (--${flag.name})`;
  return new UsageError(`${shown}${also} needs a value`, command);
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
