// Shell completion, as kubectl's: the script calls `pachsvc __complete CWORD WORDS…`, which answers one
// candidate a line: commands, flags, flag values, and, from the cluster, service names, namespaces and
// contexts. What the cluster cannot answer within the time limit is left out, silently.
import type { FlagTable } from '../command.ts';
import { defineCommand, type Command } from '../command.ts';
import type { Factory } from '../factory.ts';
import { GLOBAL_FLAGS } from '../flags/global.ts';
import { UsageError } from '../output/errors.ts';
import { writeLine } from '../output/iostreams.ts';

const BASH = `# pachsvc completion for bash: source <(pachsvc completion bash)
_pachsvc_complete() {
  local IFS=$'\\n'
  local prog="\${PACHSVC_COMPLETE_PROG:-\${COMP_WORDS[0]}}"
  COMPREPLY=( $(compgen -W "$("$prog" __complete "\${COMP_CWORD}" "\${COMP_WORDS[@]}" 2>/dev/null)" -- "\${COMP_WORDS[COMP_CWORD]}") )
}
complete -o default -F _pachsvc_complete pachsvc
`;

const ZSH = `#compdef pachsvc
# pachsvc completion for zsh: source <(pachsvc completion zsh)
_pachsvc() {
  local -a candidates
  candidates=("\${(@f)$("\${words[1]}" __complete $((CURRENT - 1)) "\${words[@]}" 2>/dev/null)}")
  compadd -a candidates
}
if (( $+functions[compdef] )); then compdef _pachsvc pachsvc; fi
`;

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
    if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`completion is for bash or zsh, not ${JSON.stringify(shell.slice(0, 20))}`, 'completion');
    f.io.stdout.write(shell === 'bash' ? BASH : ZSH);
  },
});

export const COMPLETE = defineCommand<{ cword?: string; words?: string[] }>({
  name: '__complete',
  hidden: true,
  args: '[cword] [words..]',
  summary: 'Completion candidates for the shell scripts',
  positionals: { cword: { type: 'string' }, words: { type: 'string', array: true } },
  flags: {},
  examples: [],
  async run(args, f) {
    const { COMMANDS } = await import('../registry.ts');
    const words = (args.words ?? []).map(String);
    const cword = Number(args.cword);
    if (!Number.isInteger(cword) || cword < 1) return;
    for (const c of await candidates(words, cword, COMMANDS, f)) writeLine(f.io.stdout, c);
  },
});

/** The candidates for the word at cword (words[0] is the program). */
export async function candidates(words: string[], cword: number, commands: Command[], f: Factory): Promise<string[]> {
  const cur = words[cword] ?? '';
  const visible = commands.filter((c) => !c.hidden);
  if (cword === 1) return [...visible.map((c) => c.name), ...flagNames(GLOBAL_FLAGS)].filter((w) => w.startsWith(cur));
  const command = visible.find((c) => c.name === words[1] || c.aliases?.includes(words[1] ?? ''));
  if (!command) return [];
  const flags = { ...command.flags, ...GLOBAL_FLAGS };
  const prev = words[cword - 1] ?? '';
  const prevFlag = flagOf(prev, flags);
  if (prevFlag) {
    const choices = (flags as FlagTable)[prevFlag]?.choices;
    if (choices) return (choices as string[]).filter((c) => c.startsWith(cur));
    if (prevFlag === 'namespace') return (await fromCluster(words, f, 'namespaces')).filter((n) => n.startsWith(cur));
    if (prevFlag === 'context') return (await fromCluster(words, f, 'contexts')).filter((n) => n.startsWith(cur));
    return [];
  }
  if (cur.startsWith('-')) return flagNames(flags).filter((w) => w.startsWith(cur));
  if (command.completes === 'service') return (await fromCluster(words, f, 'services')).filter((n) => n.startsWith(cur));
  return [];
}

function flagNames(flags: FlagTable): string[] {
  return Object.entries(flags).flatMap(([name, o]) => [`--${name}`, ...(o.type === 'boolean' ? [`--no-${name}`] : [])]);
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

/** The value of a cluster flag already on the command line. */
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

async function fromCluster(words: string[], f: Factory, what: 'services' | 'namespaces' | 'contexts'): Promise<string[]> {
  const flags = {
    ...optional('namespace', given(words, ['-n', '--namespace'])),
    ...optional('context', given(words, ['--context'])),
    ...optional('kubeconfig', given(words, ['--kubeconfig'])),
    // Answered within the user's limit, else within 5 s: a shell must not hang on a TAB.
    'request-timeout': given(words, ['--request-timeout']) ?? '5s',
  };
  try {
    if (what === 'contexts') return [];
    const kube = await f.kube(flags, '__complete');
    const { listServices, KINDS } = await import('../../cluster/index.ts');
    if (what === 'namespaces') return (await kube.list(KINDS.Namespace, undefined)).items.map((n) => n.metadata.name);
    return (await listServices(kube, { allNamespaces: false })).map((s) => s.name);
  } catch {
    return [];
  }
}

function optional(key: string, value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [key]: value };
}
