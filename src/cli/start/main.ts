// pachsvc starts here (the built loader, dist/pachsvc.cjs, calls main). `--version` is answered before
// anything else loads; a well-formed call of any command runs without yargs (fast-path.ts);
// everything else goes through yargs (yargs.ts), which explains mistakes. Every failure ends as one clear
// line and an exit code (0, 1, or 2 for usage).
import { VERSION } from '../version.ts';

/** Runs one command line; resolves to its exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const { run } = await import('./run.ts');
  return run(argv);
}
