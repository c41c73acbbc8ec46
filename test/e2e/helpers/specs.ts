// Spec files for end-to-end tests, and reading a service's two objects back. Inputs name a commit id
// (`branch: <32 hex>`), so they are pinned as written and no pachd is needed.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, kubectlJson, pachsvc, type RunResult } from './kube.ts';

export const COMMIT_A = '0123456789abcdef0123456789abcdef';
export const COMMIT_B = 'fedcba9876543210fedcba9876543210';

const dir = mkdtempSync(join(tmpdir(), 'pachsvc-e2e-specs-'));
let count = 0;

export interface SpecOptions {
  image?: string;
  port?: number;
  env?: Record<string, string>;
  /** The input's commit id (written as `branch: <id>`). */
  commit?: string;
  replicas?: number;
  /** Merged over the spec at the top level. */
  extra?: Record<string, unknown>;
}

/** The spec as an object (Pachyderm 2.x form). */
export function specObject(name: string, o: SpecOptions = {}): Record<string, unknown> {
  const port = o.port ?? 8080;
  return {
    pipeline: { name },
    transform: { image: o.image ?? 'python:3.12-slim', cmd: ['python3', '-m', 'http.server', String(port)], ...(o.env ? { env: o.env } : {}) },
    service: { internal_port: port },
    input: { pfs: { repo: 'data', glob: '/', branch: o.commit ?? COMMIT_A } },
    ...(o.replicas ? { parallelism_spec: { constant: o.replicas } } : {}),
    ...o.extra,
  };
}

/** Writes a spec file; returns its path. */
export function specFile(name: string, o: SpecOptions = {}): string {
  const file = join(dir, `${name}-${++count}.json`);
  writeFileSync(file, JSON.stringify(specObject(name, o)));
  return file;
}

/** Writes any text as a spec file. */
export function rawSpecFile(text: string, ext = 'json'): string {
  const file = join(dir, `raw-${++count}.${ext}`);
  writeFileSync(file, text);
  return file;
}

/** A scratch directory for a test's own files (editor scripts, counters). */
export function scratchDir(): string {
  return mkdtempSync(join(dir, 'scratch-'));
}

/** Runs pachsvc and asserts exit 0; returns the result. */
export async function pachsvcOk(args: readonly string[], opts: Parameters<typeof pachsvc>[1] = {}): Promise<RunResult> {
  const r = await pachsvc(args, opts);
  assert.equal(r.code, 0, `pachsvc ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stderr}`);
  return r;
}

/** A service's Deployment and Service as the API server has them (undefined where missing). */
export async function readService(namespace: string, name: string): Promise<{ deployment?: any; service?: any }> {
  const out: { deployment?: any; service?: any } = {};
  for (const [key, kind] of [['deployment', 'deployment'], ['service', 'service']] as const) {
    const r = await kubectl(['get', kind, name, '-o', 'json', '--ignore-not-found'], { namespace });
    assert.equal(r.code, 0, r.stderr);
    if (r.stdout.trim()) out[key] = JSON.parse(r.stdout);
  }
  return out;
}

/** The service container of a Deployment (or pod template). */
export function serviceContainer(deployment: any): any {
  return deployment.spec.template.spec.containers.find((c: any) => c.name === 'service');
}

/** `name=value` of every plain env var of a container. */
export function envOf(container: any): Record<string, string> {
  return Object.fromEntries((container.env ?? []).filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
}

/** Names of the ConfigMaps that hold a service's revisions. */
export async function revisionRecords(namespace: string, name: string): Promise<string[]> {
  const list = await kubectlJson(['get', 'configmaps', '-l', `pachsvc.io/revision-of=${name}`], { namespace });
  return list.items.map((c: any) => c.metadata.name).sort();
}
