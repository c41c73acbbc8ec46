// pachsvc starts here. `--version` is answered before anything else loads; a well-formed call of a
// command marked `fast` runs without yargs (fast-path.ts); everything else goes through yargs (yargs.ts),
// which explains mistakes. Every failure ends as one clear line and an exit code (0, 1, or 2 for usage).
import { VERSION } from '../version.ts';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { run } = await import('./run.ts');
  process.exitCode = await run(argv);
}
