// Turns any failure into what the user sees (one line per problem on stderr) and an exit code.
import { KubectlError } from '../../cluster/errors.ts';
import { SpecError } from '../../spec/diagnostics.ts';
import { EXIT, ReportedError, UsageError } from './errors.ts';
import { printDiagnostics } from './diagnostics.ts';
import { style, writeLine, type IOStreams } from './iostreams.ts';

export function report(err: unknown, io: IOStreams): number {
  const c = style(io);
  if (err instanceof ReportedError) return err.exitCode;
  if (err instanceof SpecError) {
    printDiagnostics(io, err.diagnostics);
    return EXIT.failure;
  }
  if (err instanceof UsageError) {
    writeLine(io.stderr, `${c.red('error:')} ${err.message}`);
    writeLine(io.stderr, `See 'pachsvc ${err.command ? `${err.command} ` : ''}--help' for usage.`);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  writeLine(io.stderr, verbatim(err) ? message : `${c.red('error:')} ${message}`);
  if (io.verbose && err instanceof Error && err.stack) writeLine(io.stderr, c.dim(err.stack));
  return EXIT.failure;
}

// kubectl prints the API server's own words, and a failed connection, as they are; everything else is
// an "error:" line.
function verbatim(err: unknown): boolean {
  return err instanceof KubectlError;
}
