// `render`, `validate` and `list` take the fast path when they can; the rest goes through yargs
// (main.ts) with every command (commands/index.ts), both loaded only then.
import { tryFastPath } from './fast-path.ts';
import { report } from './report.ts';
import { processTerminal } from './terminal.ts';

export async function run(argv: string[]): Promise<number> {
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
