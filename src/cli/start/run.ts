// From argv to an exit code: the streams, the factory, then the fast path or yargs.
import { productionFactory, type Factory } from '../factory.ts';
import { EXIT } from '../output/errors.ts';
import { processStreams } from '../output/iostreams.ts';
import { report } from '../output/report.ts';
import { expandBareFlags } from './argv.ts';
import { tryFastPath } from './fast-path.ts';
import { checkFlagValues } from '../flags/values.ts';
import { GLOBAL_FLAGS } from '../flags/global.ts';
import { loadCommand } from './commands.ts';

export async function run(rawArgv: string[]): Promise<number> {
  // `pachsvc list -o json | head`: a reader that stops early is not an error (as for any Unix tool).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
  const argv = expandBareFlags(rawArgv);
  const f = productionFactory(await processStreams(argv));
  try {
    return await runWith(argv, f);
  } finally {
    f.close();
  }
}

/** Runs one command line with the given factory (the tests' entry: in-memory streams and cluster). */
export async function runWith(rawArgv: string[], f: Factory): Promise<number> {
  const argv = expandBareFlags(rawArgv);
  try {
    // A flag without its value, or a boolean given another: the same usage error whichever parser runs.
    const command = await loadCommand(argv[0] ?? '');
    if (command) checkFlagValues(argv.slice(1), { ...command.flags, ...GLOBAL_FLAGS }, command.name);
    const fast = await tryFastPath(argv, f);
    if (fast !== undefined) return fast;
  } catch (err) {
    return report(err, f.io);
  }
  const { runYargs } = await import('./yargs.ts');
  return runYargs(argv, f);
}
