// Temporary files of the test helpers: one folder per test process, removed when the process exits, with
// a fresh folder inside it for each thing made (a kubeconfig, TLS material, a stub's files), so that
// nothing is left behind in the system's temporary folder however many tests run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let root: string | undefined;

/** A new empty folder, inside this process's folder (made on first use, removed at exit). */
export function tempDir(prefix: string): string {
  if (root === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'pachsvc-test-'));
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
    root = made;
  }
  return mkdtempSync(join(root, `${prefix}-`));
}
