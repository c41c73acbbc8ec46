// `render`, `validate` and `list` take the fast path when they can; the rest goes through yargs
// (main.ts) with every command (commands/index.ts), both loaded only then.
import { tryFastPath } from './fast-path.ts';
import { report } from './report.ts';
import { processTerminal } from './terminal.ts';

/**
 * kubectl reads a bare `--dry-run` as `--dry-run=client`. Said here, before any parser: yargs would
 * otherwise give the flag its default (`none`) and the "dry run" would write.
 */
export function expandBareFlags(argv: string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((a, i) => (a === '--dry-run' && (end < 0 || i < end) ? '--dry-run=client' : a));
}

export async function run(rawArgv: string[]): Promise<number> {
  const argv = expandBareFlags(rawArgv);
  // `pachsvc list -o json | head`: a reader that stops early is not an error (as for any Unix tool).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const term = await processTerminal(argv);
  try {
    if (await tryFastPath(argv, term)) return 0;
  } catch (err) {
    return report(err, term);
  }
  const [{ main }, { allCommands }] = await Promise.all([import('./main.ts'), import('./commands/index.ts')]);
  return main(argv, term, allCommands(term));
}
