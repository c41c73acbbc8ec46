// Collects the diagnostics of one spec, each at the place in the file its JSON pointer names, with the
// field named as the user wrote it.
import type { Diagnostic, Position } from './diagnostics.ts';
import { displayPointer, locate, locatedAt } from './locate.ts';
import { toCamelCase, type Normalized } from './normalize.ts';

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    readonly doc: Normalized,
    readonly file: string,
  ) {}

  error(pointer: string, message: string, which: 'key' | 'value' = 'value'): void {
    this.add('error', pointer, message, which);
  }

  warn(pointer: string, message: string, which: 'key' | 'value' = 'value'): void {
    this.add('warning', pointer, message, which);
  }

  errorAt(position: Position, message: string): void {
    this.diagnostics.push({ severity: 'error', file: this.file, message, position });
  }

  private add(severity: Diagnostic['severity'], pointer: string, message: string, which: 'key' | 'value'): void {
    this.diagnostics.push({ severity, file: this.file, message, position: locate(this.doc, pointer, which) });
  }

  /** Whether the object at pointer had fields in the file (some may have been stripped as unsupported). */
  hadFields(pointer: string): boolean {
    return (locatedAt(this.doc, pointer)?.children?.size ?? 0) > 0;
  }

  /** The field as the user wrote it (`transform.imagePullSecrets`). */
  display(pointer: string): string {
    return displayPointer(this.doc, pointer) ?? pointer.slice(1).replace(/\//g, '.');
  }

  /** A field name in the user's own style. */
  style(key: string): string {
    return this.doc.camelCase ? toCamelCase(key) : key;
  }
}
