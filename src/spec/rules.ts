// The rules a JSON Schema cannot say: fields that mean nothing for a service, references in Pachyderm's
// grammar, ports that fit the Service type, unique input names, secrets, patches. Each broken rule is one
// diagnostic at the place in the file it is about.
import type { Diagnostic, Position } from './diagnostics.ts';
import { findInputs } from './inputs.ts';
import { locate } from './locate.ts';
import { escapePointer, toCamelCase, type Normalized } from './normalize.ts';
import { parseRef } from './ref.ts';
import {
  UNSUPPORTED_INPUT,
  UNSUPPORTED_LEGACY_INPUT,
  UNSUPPORTED_PARALLELISM,
  UNSUPPORTED_PFS,
  UNSUPPORTED_SERVICE,
  UNSUPPORTED_TOP,
  UNSUPPORTED_TRANSFORM,
} from './unsupported.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export const NODE_PORT_RANGE = { min: 30000, max: 32767 };
export const RESERVED_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/managed-by'];
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PATCH_OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly doc: Normalized,
    private readonly file: string,
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
    return [...this.doc.locations.keys()].some((p) => p.startsWith(`${pointer}/`));
  }

  /** The field as the user wrote it (`transform.imagePullSecrets`). */
  display(pointer: string): string {
    return this.doc.locations.get(pointer)?.display ?? pointer.slice(1).replace(/\//g, '.');
  }

  /** A field name in the user's own style. */
  style(key: string): string {
    return this.doc.camelCase ? toCamelCase(key) : key;
  }
}

/**
 * Reports, then removes, the Pachyderm fields a service has no use for, so that the schema does not
 * report them a second time as unknown.
 */
export function stripUnsupported(doc: Normalized, file: string): Diagnostic[] {
  const r = new Reporter(doc, file);
  const strip = (obj: unknown, pointer: string, table: Record<string, string>) => {
    if (!isObj(obj)) return;
    for (const key of Object.keys(obj)) {
      const reason = table[key];
      if (reason === undefined) continue;
      const p = `${pointer}/${escapePointer(key)}`;
      r.error(p, `${r.display(p)}: ${reason}`, 'key');
      delete obj[key];
    }
  };
  const spec = doc.value;
  if (!isObj(spec)) return [];
  strip(spec, '', UNSUPPORTED_TOP);
  strip(spec.transform, '/transform', UNSUPPORTED_TRANSFORM);
  strip(spec.parallelism_spec, '/parallelism_spec', UNSUPPORTED_PARALLELISM);
  strip(spec.service, '/service', UNSUPPORTED_SERVICE);
  const walkInput = (input: unknown, pointer: string) => {
    if (!isObj(input)) return;
    strip(input, pointer, UNSUPPORTED_INPUT);
    strip(input.pfs, `${pointer}/pfs`, UNSUPPORTED_PFS);
    strip(input.atom, `${pointer}/atom`, UNSUPPORTED_PFS);
    for (const kind of ['cross', 'union']) {
      const list = input[kind];
      if (Array.isArray(list)) list.forEach((child, i) => walkInput(child, `${pointer}/${kind}/${i}`));
    }
  };
  walkInput(spec.input, '/input');
  if (Array.isArray(spec.inputs)) spec.inputs.forEach((item, i) => strip(item, `/inputs/${i}`, UNSUPPORTED_LEGACY_INPUT));
  return r.diagnostics;
}

export function checkRules(doc: Normalized, file: string): Diagnostic[] {
  const r = new Reporter(doc, file);
  const spec = doc.value;
  // The schema says what a spec that is not an object is.
  if (!isObj(spec)) return r.diagnostics;
  // Required here rather than in the schema, to say why.
  if (spec.transform === undefined) {
    r.error('', `missing the required field "transform": it names the image to run (${r.style('transform')}: {image: …})`);
  }
  if (spec.service === undefined) {
    r.error('', `missing the required field "service": it makes the spec a service, and gives the port it listens on (${r.style('service')}: {${r.style('internal_port')}: …})`);
  }
  for (const d of doc.duplicates) {
    r.errorAt(d.keyAt, `"${d.written}" is already given under another spelling (${r.display(d.pointer)}); keep one`);
  }
  checkInputs(spec, r);
  checkService(spec, r);
  checkTransform(spec, r);
  checkMetadata(spec, r);
  checkPatches(spec, r);
  return r.diagnostics;
}

function checkInputs(spec: Obj, r: Reporter): void {
  if (spec.input !== undefined && spec.inputs !== undefined) {
    r.error('/inputs', `give either ${r.style('input')} (Pachyderm 2.x) or inputs (1.x), not both`, 'key');
  }
  const walk = (input: unknown, pointer: string) => {
    if (!isObj(input)) return;
    const kinds = ['pfs', 'atom', 'cross', 'union'].filter((k) => input[k] !== undefined);
    if (kinds.length === 0 && Object.keys(input).length === 0 && !r.hadFields(pointer)) {
      r.error(pointer, `${r.display(pointer) || 'input'} is empty: give one of pfs, cross or union`);
    } else if (kinds.length > 1) {
      r.error(`${pointer}/${kinds[1]}`, `${r.display(pointer)} has both ${kinds[0]} and ${kinds[1]}: an input is exactly one of pfs, cross or union`, 'key');
    }
    for (const kind of ['cross', 'union']) {
      const list = input[kind];
      if (Array.isArray(list)) list.forEach((child, i) => walk(child, `${pointer}/${kind}/${i}`));
    }
  };
  walk(spec.input, '/input');

  const names = new Map<string, string>();
  for (const site of findInputs(spec)) {
    const first = names.get(site.name);
    if (first !== undefined) {
      r.error(
        site.namePointer,
        `two inputs are named "${site.name}" (the other is ${r.display(first)}): each input needs its own name, its directory under /pfs; set "name" on one of them`,
      );
    } else {
      names.set(site.name, site.pointer);
    }

    if (site.glob !== undefined && site.glob !== '/') {
      r.error(
        site.globPointer,
        `glob ${JSON.stringify(site.glob)} would split ${site.repo} into several datums; a service sees its input whole, as one datum: use "/"`,
      );
    }
    checkRef(site, r);
  }
}

function checkRef(site: ReturnType<typeof findInputs>[number], r: Reporter): void {
  if (site.branchOnly !== undefined) {
    const branch = parseRef(site.branchOnly);
    if (!branch.ok || branch.ref.commit || branch.ref.ancestry) {
      r.error(site.refPointer, `with commit, branch must be a plain branch name, not ${JSON.stringify(site.branchOnly)}`);
      return;
    }
  }
  const parsed = parseRef(site.refText);
  const pointer = site.commitPointer ?? site.refPointer;
  if (!parsed.ok) {
    r.error(pointer, `${r.display(pointer) || 'input'} ${JSON.stringify(site.refText)} is not a commit reference: ${parsed.reason}`);
    return;
  }
  if (site.refPointer === `${site.pointer}/commit` && parsed.ref.commit === undefined) {
    r.error(pointer, `${r.display(pointer)} ${JSON.stringify(site.refText)} is not a commit id (32 hexadecimal characters); to name a branch, use branch`);
    return;
  }
  if (parsed.ref.legacy) r.warn(pointer, `${parsed.ref.legacy.meaning}; pachsvc uses the 2.x form`);
  if (site.follow && !parsed.ref.branch) {
    r.error(`${site.pointer}/follow`, `follow keeps ${site.name} on the newest commit of its branch, but ${JSON.stringify(site.refText)} names no branch`);
  } else if (site.follow && (parsed.ref.commit || parsed.ref.ancestry)) {
    r.error(`${site.pointer}/follow`, `follow keeps ${site.name} on the newest commit of its branch, so its reference must be the branch alone, not ${JSON.stringify(site.refText)}`);
  }
}

function checkService(spec: Obj, r: Reporter): void {
  const service = spec.service;
  if (!isObj(service)) return;
  const external = service.external_port;
  const type = service.type ?? (external !== undefined ? 'NodePort' : 'ClusterIP');
  if (typeof external !== 'number') return;
  if (type === 'NodePort' && (external < NODE_PORT_RANGE.min || external > NODE_PORT_RANGE.max) && external >= 1 && external <= 65535) {
    r.error(
      '/service/external_port',
      `${r.display('/service/external_port')} ${external} is outside the NodePort range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}: a NodePort Service opens external_port on every node` +
        ` (use a port in that range, or type LoadBalancer to expose ${external})`,
    );
  }
  if (type === 'ClusterIP') {
    r.error(
      '/service/external_port',
      `${r.display('/service/external_port')} has no effect on a ClusterIP Service, which is reachable only inside the cluster on internal_port: remove it, or set type NodePort or LoadBalancer`,
    );
  }
}

function checkTransform(spec: Obj, r: Reporter): void {
  const t = spec.transform;
  if (!isObj(t)) return;
  if (Array.isArray(t.stdin) && t.stdin.length > 0 && (!Array.isArray(t.cmd) || t.cmd.length === 0)) {
    r.error('/transform/stdin', `${r.display('/transform/stdin')} is fed to cmd, but there is no cmd (for a script, use cmd ["sh"])`);
  }
  if (Array.isArray(t.secrets)) {
    t.secrets.forEach((s, i) => {
      if (!isObj(s)) return;
      const p = `/transform/secrets/${i}`;
      if (s.env_var !== undefined && s.key === undefined) {
        r.error(`${p}/env_var`, `secret ${JSON.stringify(s.name)} sets ${r.style('env_var')} but not key: name the key of the Secret to read`);
      }
      if (s.key !== undefined && s.env_var === undefined) {
        r.error(`${p}/key`, `secret ${JSON.stringify(s.name)} has a key but no ${r.style('env_var')} to put it in`);
      }
      if (s.env_var !== undefined && s.mount_path !== undefined) {
        r.error(`${p}/mount_path`, `secret ${JSON.stringify(s.name)} sets both ${r.style('mount_path')} and ${r.style('env_var')}: give each use its own entry`);
      }
      if (s.env_var === undefined && s.mount_path === undefined && s.key === undefined) {
        r.error(p, `secret ${JSON.stringify(s.name)} says neither where to mount it (${r.style('mount_path')}) nor which variable to set (${r.style('env_var')} and key)`);
      }
    });
  }
}

function checkMetadata(spec: Obj, r: Reporter): void {
  const meta = spec.metadata;
  if (!isObj(meta)) return;
  for (const kind of ['labels', 'annotations'] as const) {
    const map = meta[kind];
    if (!isObj(map)) continue;
    for (const [key, value] of Object.entries(map)) {
      const p = `/metadata/${kind}/${escapePointer(key)}`;
      if (kind === 'labels' && RESERVED_LABELS.includes(key)) {
        r.error(p, `label "${key}" is set by pachsvc to select the service's pods and cannot be overridden`, 'key');
        continue;
      }
      if (!QUALIFIED_NAME.test(key) || key.length > 316) {
        r.error(p, `"${key}" is not a valid ${kind === 'labels' ? 'label' : 'annotation'} key (an optional DNS prefix and "/", then letters, digits, "-", "_" and ".")`, 'key');
      }
      if (kind === 'labels' && (!LABEL_VALUE.test(String(value)) || String(value).length > 63)) {
        r.error(p, `label "${key}" has an invalid value ${JSON.stringify(value)}: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit`);
      }
    }
  }
}

function checkPatches(spec: Obj, r: Reporter): void {
  const podSpec = parseJsonField(spec, 'pod_spec', r);
  // Given as anything but a string, the schema checks its type.
  if (typeof spec.pod_spec === 'string' && podSpec !== undefined && !isObj(podSpec)) {
    r.error('/pod_spec', `${r.display('/pod_spec')} must be a JSON object (a merge patch of the pod spec)`);
  }
  const podPatch = parseJsonField(spec, 'pod_patch', r);
  if (podPatch === undefined) return;
  if (!Array.isArray(podPatch)) {
    if (typeof spec.pod_patch !== 'string') return;
    r.error('/pod_patch', `${r.display('/pod_patch')} must be a JSON array of operations (an RFC 6902 JSON patch)`);
    return;
  }
  podPatch.forEach((op, i) => {
    const problem = patchOperationProblem(op);
    if (problem) r.error('/pod_patch', `${r.display('/pod_patch')} operation ${i}: ${problem}`);
  });
}

function parseJsonField(spec: Obj, field: string, r: Reporter): unknown {
  const raw = spec[field];
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch (err) {
    r.error(`/${field}`, `${r.display(`/${field}`)} is not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}

export function patchOperationProblem(op: unknown): string | undefined {
  if (!isObj(op)) return 'must be an object like {"op": "add", "path": "/…", "value": …}';
  if (typeof op.op !== 'string' || !PATCH_OPS.includes(op.op)) return `"op" must be one of ${PATCH_OPS.join(', ')}`;
  if (typeof op.path !== 'string' || (op.path !== '' && !op.path.startsWith('/'))) return '"path" must be a JSON pointer such as /containers/0/env';
  if (['add', 'replace', 'test'].includes(op.op) && !('value' in op)) return `"${op.op}" needs a "value"`;
  if (['move', 'copy'].includes(op.op) && (typeof op.from !== 'string' || (op.from !== '' && !op.from.startsWith('/')))) {
    return `"${op.op}" needs a "from" JSON pointer`;
  }
  return undefined;
}

