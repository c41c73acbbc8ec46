// Loading specs in tests: a minimal valid spec to vary, and the problems of a broken one as the CLI prints them.
import assert from 'node:assert/strict';
import { SpecError, formatDiagnostic } from '../../../src/spec/diagnostics.ts';
import { loadSpec, loadSpecs, type LoadOptions, type LoadedFile, type LoadedSpec } from '../../../src/spec/load.ts';
import type { ServiceSpec } from '../../../src/spec/model.ts';

export const COMMIT_A = '0123456789abcdef0123456789abcdef';
export const COMMIT_B = 'fedcba9876543210fedcba9876543210';

type Obj = Record<string, unknown>;

/** A valid 2.x spec (snake_case), with `extra` fields merged in at the top level (undefined removes one). */
export function spec(extra: Obj = {}): Obj {
  const base: Obj = {
    pipeline: { name: 'svc' },
    transform: { image: 'busybox:1.36' },
    service: { internal_port: 8080 },
    input: { pfs: { repo: 'data', glob: '/' } },
  };
  const out = { ...base, ...extra };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

/** The spec as one-line JSON (so that columns are easy to count in a test) or pretty JSON. */
export function json(value: unknown, pretty = false): string {
  return pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}

export function load(text: string, file = 'spec.json', options: Omit<LoadOptions, 'file'> = {}): Promise<LoadedSpec> {
  return loadSpec(text, { file, ...options });
}

export async function service(text: string, file = 'spec.json', options: Omit<LoadOptions, 'file'> = {}): Promise<ServiceSpec> {
  return (await load(text, file, options)).service;
}

/** Every spec of a file (loadSpecs). */
export function loadAll(text: string, file = 'specs.yaml', options: Omit<LoadOptions, 'file'> = {}): Promise<LoadedFile> {
  return loadSpecs(text, { file, ...options });
}

/** The `file:line:col: message` lines of a file of specs that must not load. */
export async function fileProblems(text: string, file = 'specs.yaml', options: Omit<LoadOptions, 'file'> = {}): Promise<string[]> {
  try {
    await loadSpecs(text, { file, ...options });
  } catch (err) {
    if (err instanceof SpecError) return err.diagnostics.map(formatDiagnostic);
    throw err;
  }
  assert.fail(`the file loaded, but it should not have:\n${text.slice(0, 2000)}`);
}

/** The `file:line:col: message` lines of a spec that must not load. */
export async function problems(text: string, file = 'spec.json', options: Omit<LoadOptions, 'file'> = {}): Promise<string[]> {
  try {
    await loadSpec(text, { file, ...options });
  } catch (err) {
    if (err instanceof SpecError) return err.diagnostics.map(formatDiagnostic);
    throw err;
  }
  assert.fail(`the spec loaded, but it should not have:\n${text}`);
}

/** The one problem of a spec that must not load. */
export async function problem(text: string, file = 'spec.json', options: Omit<LoadOptions, 'file'> = {}): Promise<string> {
  const all = await problems(text, file, options);
  assert.equal(all.length, 1, `expected one problem, got:\n${all.join('\n')}`);
  return all[0]!;
}

/** 1-based line:column of the n-th (0-based) occurrence of `needle` in `text`. */
export function at(text: string, needle: string, nth = 0): string {
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = text.indexOf(needle, index + 1);
    assert.ok(index >= 0, `${JSON.stringify(needle)} (#${nth}) is not in the spec`);
  }
  return lineColumn(text, index);
}

/** 1-based line:column of the value of the n-th `"key":` in one-line JSON. */
export function valueOf(text: string, key: string, nth = 0): string {
  const needle = `${JSON.stringify(key)}:`;
  const [line, column] = at(text, needle, nth).split(':').map(Number) as [number, number];
  return `${line}:${column + needle.length}`;
}

function lineColumn(text: string, index: number): string {
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}
