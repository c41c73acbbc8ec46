// Turns any failure into what the user sees (one line per problem on stderr) and an exit code.
import { KubectlError } from '../../cluster/errors.ts';
import { safeString, terminalLine } from '../../lib/text.ts';
import { SpecError } from '../../spec/diagnostics.ts';
import { EXIT, ReportedError, UsageError } from './errors.ts';
import { printDiagnostics } from './diagnostics.ts';
import { programName, style, writeLine, type IOStreams } from './iostreams.ts';

export function report(err: unknown, io: IOStreams): number {
  const c = style(io);
  if (err instanceof ReportedError) return err.exitCode;
  if (err instanceof SpecError) {
    printDiagnostics(io, err.diagnostics);
    return EXIT.failure;
  }
  // Messages carry what others wrote (a server's Status, a log's tail, a flag typed): said, never obeyed.
  if (err instanceof UsageError) {
    writeLine(io.stderr, `${c.red('error:')} ${terminalLine(err.message)}`);
    writeLine(io.stderr, `See '${programName(io)} ${err.command ? `${err.command} ` : ''}--help' for usage.`);
    return EXIT.usage;
  }
  const message = terminalLine(messageOf(err));
  writeLine(io.stderr, verbatim(err) ? message : `${c.red('error:')} ${message}`);
  if (io.verbose && err instanceof Error && err.stack) writeLine(io.stderr, c.dim(terminalLine(err.stack)));
  return EXIT.failure;
}

/** What went wrong, in words, whatever was thrown (String() itself can throw on an object without a prototype). */
function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : safeString(err);
}

// kubectl prints the API server's own words, and a failed connection, as they are; everything else is
// an "error:" line.
function verbatim(err: unknown): boolean {
  return err instanceof KubectlError;
}
