import type { Diagnostic } from '../../spec/diagnostics.ts';
import { safeText, terminalLine } from '../../lib/text.ts';
import { style, writeLine, type IOStreams } from './iostreams.ts';

/** Each diagnostic as one line on stderr: `file:line:col: message`, warnings marked. */
export function printDiagnostics(io: IOStreams, diagnostics: Diagnostic[]): void {
  const c = style(io);
  for (const d of diagnostics) {
    const where = c.bold(`${safeText(d.file)}:${d.position.line}:${d.position.column}:`);
    const label = d.severity === 'warning' ? `${c.yellow('warning:')} ` : '';
    // One line each: a message that still holds a newline or a control character has it escaped.
    writeLine(io.stderr, `${where} ${label}${terminalLine(d.message.replace(/\n/g, '\\n'))}`);
  }
}

/** The machine-readable form of diagnostics (`validate -o json`). */
export function diagnosticsJson(diagnostics: Diagnostic[]) {
  return diagnostics.map((d) => ({
    file: d.file,
    line: d.position.line,
    column: d.position.column,
    severity: d.severity,
    message: d.message,
  }));
}
