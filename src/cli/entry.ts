// The bundled program's first module. `--version` is answered before anything else loads; everything
// else starts in run.ts.
import { VERSION } from './version.ts';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { run } = await import('./run.ts');
  process.exitCode = await run(argv);
}
