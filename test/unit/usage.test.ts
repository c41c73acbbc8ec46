// Usage errors, for every command in the registry (a command added there is covered here without a line
// more): a flag without its value, an empty value, a boolean given another value, a value outside the
// choices, a value the flag's check refuses, an unknown flag, a missing positional. Each must exit 2 with
// one `error: …` line and `See 'pachsvc <command> --help' for usage.`, nothing on stdout, and nothing sent
// to the cluster or pachd. A value that may be a secret is never echoed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Options } from 'yargs';
import type { Command, FlagTable } from '../../src/cli/command.ts';
import { checkClusterFlags } from '../../src/cli/flags/cluster.ts';
import { GLOBAL_FLAGS } from '../../src/cli/flags/global.ts';
import { checkFlagValues } from '../../src/cli/flags/values.ts';
import { UsageError } from '../../src/cli/output/errors.ts';
import { COMMANDS } from '../../src/cli/registry.ts';
import { expandBareFlags } from '../../src/cli/start/argv.ts';
import { runWith } from '../../src/cli/start/run.ts';
import { testFactory } from '../helpers/test-factory.ts';

/** A value for each positional a command may have; anything else gets `x`. */
const POSITIONAL_VALUES: Record<string, string> = { name: 'jupyter', names: 'jupyter', port: '8888', shell: 'bash' };
/** A value each flag that takes one accepts, for lines where it must be well formed. */
const GOOD_VALUES: Record<string, string> = { filename: 'examples/jupyter.json' };

interface Case {
  what: string;
  argv: string[];
  /** Text that must not appear on stderr (a value that may be a secret). */
  secret?: string;
  /** What the error line must say. */
  says?: RegExp;
}

function flagsOf(c: Command): [string, Options][] {
  return Object.entries({ ...c.flags, ...GLOBAL_FLAGS } as FlagTable);
}

function aliasesOf(o: Options): string[] {
  return o.alias === undefined ? [] : typeof o.alias === 'string' ? [o.alias] : [...o.alias];
}

/** The positionals a command needs (`<name>`), and those it may take (`[names..]`), in order. */
function positionals(c: Command): { required: string[]; optional: string[] } {
  const words = (c.args ?? '').split(/\s+/).filter(Boolean);
  return {
    required: words.filter((w) => w.startsWith('<')).map((w) => w.replace(/[<>.]/g, '')),
    optional: words.filter((w) => w.startsWith('[')).map((w) => w.replace(/[[\].]/g, '')),
  };
}

/** A well-formed command line: its positionals and its required flags. */
function baseArgv(c: Command): string[] {
  const { required, optional } = positionals(c);
  // delete takes names or --all: a name.
  const pos = [...required, ...optional.filter((p) => p === 'names')].map((p) => POSITIONAL_VALUES[p] ?? 'x');
  const flags = flagsOf(c).flatMap(([name, o]) => (o.demandOption ? [`--${name}`, GOOD_VALUES[name] ?? 'x'] : []));
  return [c.name, ...pos, ...flags];
}

function has(c: Command, flag: string): boolean {
  return flag in c.flags;
}

function casesFor(c: Command): Case[] {
  const base = baseArgv(c);
  const cases: Case[] = [];
  // Derived from the flag table: every flag that takes a value, given none; every boolean, given "maybe";
  // every flag with choices, given one outside them.
  for (const [name, o] of flagsOf(c)) {
    const spellings = [`--${name}`, ...aliasesOf(o).map((a) => (a.length === 1 ? `-${a}` : `--${a}`))];
    if (o.type === 'boolean') {
      cases.push({ what: `--${name}=maybe`, argv: [...base, `--${name}=maybe`] });
      continue;
    }
    for (const s of spellings) {
      // A bare `--dry-run` is `--dry-run=client`, as kubectl's: a value by convention.
      if (expandBareFlags([s])[0] !== s) continue;
      cases.push({ what: `${s} with no value (last)`, argv: [...base, s] });
      cases.push({ what: `${s} with no value (before another flag)`, argv: [...base, s, '--verbose'] });
    }
    // -f is given once in the base line: a second, empty one is the case.
    cases.push({ what: `--${name}= (empty)`, argv: [...base, `--${name}=`] });
    if (o.choices) cases.push({ what: `--${name} outside its choices`, argv: [...base, `--${name}`, 'bogus'] });
  }
  // The values the issue names, where the command has the flag.
  const named: [string, string[], Partial<Case>?][] = [
    ['filename', ['-f', '']],
    ['output', ['-o', 'xml']],
    ['follow', ['--follow=maybe']],
    ['dry-run', ['--dry-run=maybe']],
    ['timeout', ['--timeout', 'abc']],
    ['request-timeout', ['--request-timeout', 'abc']],
    ['since', ['--since', 'yesterday']],
    ['tail', ['--tail', 'x']],
    ['history-max', ['--history-max', 'many']],
    ['to-revision', ['--to-revision', '0']],
    ['namespace', ['-n', 'Bad NS']],
    ['namespace', ['-n', '\u001b[31mred']],
    ['context', ['--context', 'a\u0007b']],
    ['kubeconfig', ['--kubeconfig', 'a\nb']],
    ['pachctl-version', ['--pachctl-version', 'x y']],
    ['pachctl-image', ['--pachctl-image', '']],
    ['pachyderm-namespace', ['--pachyderm-namespace', 'Bad NS']],
    ['pachd-address', ['--pachd-address', 'ftp://x/y']],
    ['pachyderm-auth-secret', ['--pachyderm-auth-secret', 'a b'], { secret: 'a b' }],
    ['pachyderm-auth-secret', ['--pachyderm-auth-secret', 'sk_live_TOKENVALUE:x:y'], { secret: 'TOKENVALUE' }],
    ['pachyderm-auth-secret', ['--pachyderm-auth-secret=sk_live_TOKENVALUE'], { secret: 'TOKENVALUE' }],
  ];
  for (const [flag, extra, more] of named) {
    if (has(c, flag)) cases.push({ what: extra.map((a) => JSON.stringify(a)).join(' '), argv: [...base, ...extra], ...more });
  }
  cases.push({ what: 'an unknown flag', argv: [...base, '--bogus'] });
  cases.push({ what: 'an unknown flag with a value', argv: [...base, '--bogus=1'] });
  cases.push({ what: 'an unknown flag with a terminal sequence', argv: [...base, '--\u001b[2Jx'] });
  for (const alias of c.aliases ?? []) cases.push({ what: `an unknown flag, through the alias ${alias}`, argv: [alias, ...base.slice(1), '--bogus'] });
  const { required, optional } = positionals(c);
  // One word more than the command takes (a variadic one takes any number).
  if (!optional.some((p) => c.positionals?.[p]?.array)) cases.push({ what: 'a stray word', argv: [...base.slice(0, 1 + required.length + optional.length), ...(optional.length ? ['bash'] : []), 'stray', ...base.slice(1 + required.length + optional.length)], says: /^error: unexpected argument "stray"$/ });
  if (required.length > 0) {
    const pos = base.slice(1, 1 + required.length);
    cases.push({ what: 'no positional', argv: [c.name, ...base.slice(1 + required.length)] });
    if (required.length > 1) cases.push({ what: `only ${pos.length - 1} of ${required.length} positionals`, argv: [c.name, ...pos.slice(0, -1), ...base.slice(1 + required.length)] });
  }
  return cases;
}

/** Runs a command line as production would reach the cluster: flags checked first (productionFactory.kube does). */
async function run(argv: string[]) {
  const t = testFactory({ commits: {} });
  let pachd = 0;
  const kube = t.f.kube.bind(t.f);
  t.f.kube = async (flags, command) => {
    checkClusterFlags(flags, command);
    return kube(flags, command);
  };
  const resolvers = t.f.pachd.bind(t.f);
  t.f.pachd = async (o) => {
    pachd++;
    return resolvers(o);
  };
  const code = await runWith(argv, t.f);
  return { code, stdout: t.out(), stderr: t.err(), calls: t.kube.calls, pachd };
}

// Raw characters a terminal acts on (all C0 but \n, DEL, C1).
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('usage errors: exit 2, one line and the hint, nothing on stdout, nothing sent', { concurrency: 4 }, () => {
  // Hidden commands are protocols for scripts (__complete: the shell's words), not typed by people.
  for (const c of COMMANDS.filter((x) => !x.hidden)) {
    describe(c.name, () => {
      test(`the well-formed line (${baseArgv(c).join(' ')}) is no usage error`, async () => {
        const r = await run(baseArgv(c));
        assert.notEqual(r.code, 2, r.stderr);
      });
      for (const k of casesFor(c)) {
        test(k.what, async () => {
          const r = await run(k.argv);
          const shown = { argv: k.argv, code: r.code, stdout: r.stdout.slice(0, 200), stderr: r.stderr };
          assert.equal(r.code, 2, JSON.stringify(shown));
          assert.equal(r.stdout, '', JSON.stringify(shown));
          const lines = r.stderr.split('\n');
          assert.equal(lines.length, 3, JSON.stringify(shown));
          assert.match(lines[0]!, k.says ?? /^error: \S/);
          assert.equal(lines[1], `See 'pachsvc ${c.name} --help' for usage.`);
          assert.equal(lines[2], '');
          assert.doesNotMatch(r.stderr, RAW_CONTROL);
          assert.doesNotMatch(r.stderr, /^\s+at /m);
          if (k.secret) assert.ok(!r.stderr.includes(k.secret), `the value is echoed: ${r.stderr}`);
          assert.deepEqual(r.calls, [], 'nothing is sent to the cluster');
          assert.equal(r.pachd, 0, 'nothing is asked of pachd');
        });
      }
    });
  }
});

describe('checkFlagValues', () => {
  const table: FlagTable = {
    filename: { alias: 'f', type: 'string' },
    recursive: { alias: 'R', type: 'boolean' },
    tail: { type: 'string' },
    'dry-run': { type: 'string' },
    follow: { type: 'boolean' },
    secret: { type: 'string' },
  };
  const problem = (argv: string[]) => {
    try {
      checkFlagValues(argv, table, 'cmd');
      return undefined;
    } catch (err) {
      assert.ok(err instanceof UsageError);
      assert.equal(err.command, 'cmd');
      return err.message;
    }
  };

  test('a flag that takes a value, given none', () => {
    assert.equal(problem(['-f']), '-f (--filename) needs a value');
    assert.equal(problem(['--filename']), '--filename needs a value');
    assert.equal(problem(['-f', '--follow']), '-f (--filename) needs a value');
    assert.equal(problem(['-f', '']), '-f (--filename) needs a value');
    assert.equal(problem(['--filename=']), '--filename needs a value');
    assert.equal(problem(['-f=']), '-f (--filename) needs a value');
    assert.equal(problem(['-Rf']), '-f (--filename) needs a value');
    assert.equal(problem(['--dryRun']), '--dryRun (--dry-run) needs a value');
  });

  test('values that look like flags but are values: -, negative numbers, anything after =', () => {
    assert.equal(problem(['-f', '-']), undefined);
    assert.equal(problem(['--tail', '-1']), undefined);
    assert.equal(problem(['--tail=-x']), undefined);
    assert.equal(problem(['-Rf', 'x.json']), undefined);
    assert.equal(problem(['-f', 'a', '-f', 'b']), undefined);
  });

  test('a boolean is given alone, or true or false', () => {
    assert.equal(problem(['--follow']), undefined);
    assert.equal(problem(['--follow=true', '--no-follow', '--no-follow=false', '-R']), undefined);
    assert.equal(problem(['--follow=maybe']), '--follow is on or off: give it alone, or as --follow=true or --follow=false (not "maybe")');
    assert.equal(problem(['--no-follow=1']), '--no-follow is on or off: give it alone, or as --no-follow=true or --no-follow=false (not "1")');
    assert.equal(problem(['--follow=\u001b[31m']), '--follow is on or off: give it alone, or as --follow=true or --follow=false (not "\\u001b[31m")');
  });

  test('a value is never echoed', () => {
    assert.ok(!problem(['--secret'])!.includes('TOKEN'));
    assert.equal(problem(['--secret', 'TOKEN']), undefined);
  });

  test('unknown flags, positionals, words after -- and help are left to the parsers', () => {
    assert.equal(problem(['--bogus']), undefined);
    assert.equal(problem(['--__proto__', '--constructor=1', '--toString']), undefined);
    assert.equal(problem(['-x']), undefined);
    assert.equal(problem(['name', '--', '-f']), undefined);
    assert.equal(problem(['-f', '--help']), undefined);
    assert.equal(problem(['-h', '-f']), undefined);
  });
});
