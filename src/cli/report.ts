// Turns any failure into what the user sees (one line per problem on stderr) and an exit code.
import { SpecError } from '../spec/diagnostics.ts';
import { EXIT, ReportedError, UsageError } from './errors.ts';
import { printDiagnostics } from './output/diagnostics.ts';
import { style, writeLine, type Terminal } from './terminal.ts';

export function report(err: unknown, term: Terminal): number {
  const c = style(term);
  if (err instanceof ReportedError) return err.exitCode;
  if (err instanceof SpecError) {
    printDiagnostics(term, err.diagnostics);
    return EXIT.failure;
  }
  if (err instanceof UsageError) {
    writeLine(term.stderr, `${c.red('error:')} ${err.message}`);
    writeLine(term.stderr, `See 'pachsvc ${err.command ? `${err.command} ` : ''}--help' for usage.`);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  // kubectl prints the API server's own words as they are; everything else is an "error:" line.
  const verbatim = /^(Error from server|The connection to the server|Unable to connect to the server|You must be logged in)/.test(message);
  writeLine(term.stderr, verbatim ? message : `${c.red('error:')} ${message}`);
  if (term.verbose && err instanceof Error && err.stack) writeLine(term.stderr, c.dim(err.stack));
  return EXIT.failure;
}
