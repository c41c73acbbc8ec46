/**
 * kubectl reads a bare `--dry-run` as `--dry-run=client`. Said here, before any parser: yargs would
 * otherwise give the flag its default (`none`) and the "dry run" would write.
 */
export function expandBareFlags(argv: string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((a, i) => (a === '--dry-run' && (end < 0 || i < end) ? '--dry-run=client' : a));
}
