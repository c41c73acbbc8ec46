// Shell completion, as kubectl's: the scripts call `pachsvc __complete CWORD -- WORDS…`, which answers one
// candidate a line: commands, flags, flag values, and, from the cluster, service names, namespaces and
// contexts. What the cluster cannot answer within the time limit is left out, silently. With --cobra it
// answers as a cobra program's `__complete` does (`value<TAB>description` lines, then `:<directive>`):
// kubectl (1.26+) completes `kubectl pachsvc …` that way, through bin/kubectl_complete-pachsvc.
import type { FlagTable } from '../command.ts';
import { defineCommand, type Command } from '../command.ts';
import type { Factory } from '../factory.ts';
import { GLOBAL_FLAGS } from '../flags/global.ts';
import { UsageError } from '../output/errors.ts';
import { writeLine } from '../output/iostreams.ts';

// The words go after `--`, so that the flags among them reach __complete as words, not as its flags. The
// candidates (names from the cluster and the kubeconfig among them) are taken literally, one a line:
// compgen -W would expand `…` and $(…) in them, running what a context or service name holds. The
// prefix test quotes the word typed, so it is no pattern either (bash 3.2 has all of this).
const BASH = `# pachsvc completion for bash: source <(pachsvc completion bash)
_pachsvc_complete() {
  local prog="\${PACHSVC_COMPLETE_PROG:-\${COMP_WORDS[0]}}"
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local line
  COMPREPLY=()
  while IFS= read -r line; do
    if [[ "$line" == "$cur"* ]]; then COMPREPLY+=("$line"); fi
  done < <("$prog" __complete "\${COMP_CWORD}" -- "\${COMP_WORDS[@]}" 2>/dev/null)
}
complete -o default -F _pachsvc_complete pachsvc
`;

const ZSH = `#compdef pachsvc
# pachsvc completion for zsh: source <(pachsvc completion zsh)
_pachsvc() {
  local -a candidates
  candidates=(\${(f)"$("\${PACHSVC_COMPLETE_PROG:-\${words[1]}}" __complete $((CURRENT - 1)) -- "\${words[@]}" 2>/dev/null)"})
  if (( \${#candidates} )); then compadd -a candidates; else _files; fi
}
if (( $+functions[compdef] )); then compdef _pachsvc pachsvc; fi
`;

const SHELLS = ['bash', 'zsh'];

export const COMPLETION = defineCommand<{ shell?: string }>({
  name: 'completion',
  args: '[shell]',
  summary: 'Print a bash or zsh completion script (source <(pachsvc completion bash))',
  positionals: { shell: { type: 'string', describe: 'bash (default) or zsh' } },
  flags: {},
  examples: [
    ['source <($0 completion bash)', 'Complete commands, flags, services, namespaces and contexts in bash'],
    ['$0 completion zsh > "${fpath[1]}/_pachsvc"', 'Install it for zsh'],
  ],
  async run(args, f) {
    const shell = args.shell ?? 'bash';
    if (!SHELLS.includes(shell)) throw new UsageError(`completion is for bash or zsh, not ${JSON.stringify(shell.slice(0, 20))}`, 'completion');
    f.io.stdout.write(shell === 'bash' ? BASH : ZSH);
  },
});

/** cobra's ShellCompDirective values that pachsvc gives. */
export const DIRECTIVE = { default: 0, noFileComp: 4 } as const;

export const COMPLETE = defineCommand<{ cword?: string; words?: string[]; cobra?: boolean; _?: (string | number)[] }>({
  name: '__complete',
  hidden: true,
  args: '[cword] [words..]',
  summary: 'Completion candidates for the shell scripts',
  positionals: { cword: { type: 'string' }, words: { type: 'string', array: true } },
  flags: { cobra: { type: 'boolean', describe: "Answer as cobra's __complete does (value<TAB>description lines, then :<directive>)" } },
  examples: [],
  async run(args, f) {
    const { COMMANDS } = await import('../registry.ts');
    // After `--` the words are yargs' leftovers (after the command's name); before it, the positional.
    const words = [...(args.words ?? []), ...(args._ ?? []).slice(1)].map(String);
    const cword = Number(args.cword);
    if (!Number.isInteger(cword) || cword < 1) return;
    const { candidates, files } = await complete(words, cword, COMMANDS, f);
    for (const c of candidates) writeLine(f.io.stdout, args.cobra && c.description ? `${c.value}\t${oneLine(c.description)}` : c.value);
    if (args.cobra) writeLine(f.io.stdout, `:${files ? DIRECTIVE.default : DIRECTIVE.noFileComp}`);
  },
});

export interface Candidate {
  value: string;
  description?: string;
}

export interface Completion {
  candidates: Candidate[];
  /** The word is a file name (the value of -f or --kubeconfig): the shell may offer files. */
  files: boolean;
}

/** Flags whose value is a file name. */
const FILE_FLAGS = new Set(['filename', 'kubeconfig']);

/** The candidates for the word at cword (words[0] is the program). */
export async function candidates(words: string[], cword: number, commands: Command[], f: Factory): Promise<string[]> {
  return (await complete(words, cword, commands, f)).candidates.map((c) => c.value);
}

/** The candidates for the word at cword, with descriptions, and whether files fit there. */
export async function complete(words: string[], cword: number, commands: Command[], f: Factory): Promise<Completion> {
  const cur = words[cword] ?? '';
  const visible = commands.filter((c) => !c.hidden);
  if (cword === 1) return matching([...visible.map((c) => ({ value: c.name, description: c.summary })), ...flagCandidates(GLOBAL_FLAGS)], cur);
  const command = visible.find((c) => c.name === words[1] || c.aliases?.includes(words[1] ?? ''));
  if (!command) return { candidates: [], files: false };
  const flags: FlagTable = { ...command.flags, ...GLOBAL_FLAGS };

  // A flag's value: after the flag, or after `--flag=` (whole as cobra passes it; bash splits it at '=').
  let prev = words[cword - 1] ?? '';
  let prefix = '';
  const eq = cur.indexOf('=');
  if (cur.startsWith('--') && eq > 0) {
    prev = cur.slice(0, eq);
    prefix = cur.slice(0, eq + 1);
  } else if (prev === '=' && cword >= 3) {
    prev = words[cword - 2] ?? '';
  }
  const valueOf = flagOf(prev, flags);
  if (valueOf) {
    const values = await flagValues(valueOf, flags, words, cword, f);
    return { candidates: matching(values.map((v) => ({ value: prefix + v })), cur).candidates, files: FILE_FLAGS.has(valueOf) };
  }
  if (cur.startsWith('-')) return matching(flagCandidates(flags), cur);

  const index = positionalIndex(words, cword, flags);
  if (command.name === COMPLETION.name && index === 0) return matching(SHELLS.map((value) => ({ value })), cur);
  if (command.completes === 'service' && (index === 0 || variadic(command))) {
    return matching((await fromCluster(words, cword, f, 'services')).map((value) => ({ value })), cur);
  }
  return { candidates: [], files: false };
}

function matching(all: Candidate[], cur: string): Completion {
  return { candidates: all.filter((c) => c.value.startsWith(cur)), files: false };
}

function flagCandidates(flags: FlagTable): Candidate[] {
  return Object.entries(flags).flatMap(([name, o]) => {
    const description = typeof o.describe === 'string' ? o.describe : undefined;
    const flag = { value: `--${name}`, ...(description ? { description } : {}) };
    return o.type === 'boolean' ? [flag, { value: `--no-${name}` }] : [flag];
  });
}

async function flagValues(flag: string, flags: FlagTable, words: string[], cword: number, f: Factory): Promise<string[]> {
  const choices = flags[flag]?.choices;
  if (choices) return (choices as unknown[]).map(String);
  if (flag === 'namespace') return fromCluster(words, cword, f, 'namespaces');
  if (flag === 'context') return fromCluster(words, cword, f, 'contexts');
  return [];
}

/** The flag a word names if that flag takes a value (so the next word is its value). */
function flagOf(word: string, flags: FlagTable): string | undefined {
  if (!word.startsWith('-') || word.includes('=')) return undefined;
  for (const [name, o] of Object.entries(flags)) {
    const aliases = o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias];
    const names = [`--${name}`, ...aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`))];
    if (names.includes(word)) return o.type === 'boolean' ? undefined : name;
  }
  return undefined;
}

/** How many positional arguments come before the word at cword (flags and their values skipped). */
function positionalIndex(words: string[], cword: number, flags: FlagTable): number {
  let n = 0;
  for (let i = 2; i < cword; i++) {
    const w = words[i]!;
    if (w === '--') return n + (cword - i - 1);
    if (w.startsWith('-') && w !== '-') {
      if (flagOf(w, flags)) i += words[i + 1] === '=' ? 2 : 1;
      continue;
    }
    n++;
  }
  return n;
}

/** The command's first positional takes any number of words (`[names..]`). */
function variadic(command: Command): boolean {
  return /^[<[]\w+\.\.[>\]]/.test(command.args ?? '');
}

/** The value of a flag on the command line. */
function given(words: string[], names: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    for (const n of names) {
      if (w === n && i + 1 < words.length) return words[i + 1];
      if (w.startsWith(`${n}=`)) return w.slice(n.length + 1);
    }
  }
  return undefined;
}

const COMPLETION_TIMEOUT_MS = 5000;

/**
 * Names from the cluster (or, for contexts, the kubeconfig) for the cluster flags on the line. Answered
 * within --request-timeout, else 5 s, in all (a shell must not hang on a TAB); nothing on any failure.
 */
async function fromCluster(words: string[], cword: number, f: Factory, what: 'services' | 'namespaces' | 'contexts'): Promise<string[]> {
  // The word being completed is no flag's value yet.
  const line = words.filter((_, i) => i !== cword);
  const kubeconfig = given(line, ['--kubeconfig']);
  try {
    const { durationFlag } = await import('../flags/cluster.ts');
    const timeout = given(line, ['--request-timeout']);
    const ms = (timeout === undefined ? 0 : durationFlag('request-timeout', timeout)) || COMPLETION_TIMEOUT_MS;
    return await within(ms, async () => {
      if (what === 'contexts') {
        const { contextNames } = await import('../../cluster/config.ts');
        return contextNames(optional('kubeconfig', kubeconfig), f.env);
      }
      const flags = {
        ...optional('namespace', given(line, ['-n', '--namespace'])),
        ...optional('context', given(line, ['--context'])),
        ...optional('kubeconfig', kubeconfig),
        'request-timeout': `${ms}ms`,
      };
      const kube = await f.kube(flags, '__complete');
      const { KINDS, serviceNames } = await import('../../cluster/index.ts');
      if (what === 'namespaces') return (await kube.list(KINDS.Namespace, undefined)).items.map((n) => n.metadata.name);
      return serviceNames(kube, kube.namespace);
    });
  } catch {
    return [];
  }
}

/** What work gives within ms, else nothing. */
async function within(ms: number, work: () => Promise<string[]>): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), ms);
  });
  try {
    return await Promise.race([work().catch(() => []), late]);
  } finally {
    clearTimeout(timer);
  }
}

function optional(key: string, value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [key]: value };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
