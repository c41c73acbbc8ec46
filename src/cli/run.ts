// `render`, `validate` and `list` take the fast path when they can; the rest goes through yargs
// (main.ts), loaded only then. Everything but yargs, the Kubernetes client and the YAML parser is in
// this module's bundle chunk, so a command starts with a handful of files read.
import { allCommands } from './commands/index.ts';
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
  const { main } = await import('./main.ts');
  return main(argv, term, allCommands(term));
}
