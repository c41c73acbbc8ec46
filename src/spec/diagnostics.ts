/** A position in a spec file, 1-based like every editor and compiler shows it. */
export interface Position {
  line: number;
  column: number;
}

export type Severity = 'error' | 'warning';

/** One problem found in a spec, tied to where it is in the file. */
export interface Diagnostic {
  severity: Severity;
  message: string;
  file: string;
  position: Position;
}

/** Thrown when a spec cannot be used; carries every problem found, sorted by position. */
export class SpecError extends Error {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[]) {
    const sorted = sortDiagnostics(diagnostics);
    super(sorted.map(formatDiagnostic).join('\n'));
    this.name = 'SpecError';
    this.diagnostics = sorted;
  }
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.position.line - b.position.line || a.position.column - b.position.column,
  );
}

/** `spec.json:7:5: message` (compiler style, so editors and terminals can jump to it). */
export function formatDiagnostic(d: Diagnostic): string {
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  return `${d.file}:${d.position.line}:${d.position.column}: ${prefix}${d.message}`;
}
