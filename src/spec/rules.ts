// The rules a JSON Schema cannot say: fields that mean nothing for a service, references in Pachyderm's
// grammar, ports that fit the Service type, unique input names, secrets, patches, and what the API server
// and the container runtime refuse (names, keys, images, numbers out of range), so that `validate` passes
// only what `create` can create. Each broken rule is one diagnostic at the place in the file it is about.
import { escapeSegment, prototypeSegment } from '../lib/json-pointer.ts';
import { isObj, own, type Obj } from '../lib/objects.ts';
import { quote } from '../lib/text.ts';
import type { Diagnostic } from './diagnostics.ts';
import { findInputs } from './inputs.ts';
import { checkJsonText, JsonLimitError } from './json-scan.ts';
import { envNameProblem, imageProblem, labelValueProblem, qualifiedNameProblem, secretKeyProblem } from './kube.ts';
import { LIMITS, ANNOTATIONS_SIZE_LIMIT } from './limits.ts';
import type { Normalized } from './normalize.ts';
import { parseRef } from './ref.ts';
import { Reporter } from './reporter.ts';
import {
  UNSUPPORTED_INPUT,
  UNSUPPORTED_LEGACY_INPUT,
  UNSUPPORTED_PARALLELISM,
  UNSUPPORTED_PFS,
  UNSUPPORTED_SERVICE,
  UNSUPPORTED_SPOUT,
  UNSUPPORTED_TOP,
  UNSUPPORTED_TRANSFORM,
} from './unsupported.ts';

export const NODE_PORT_RANGE = { min: 30000, max: 32767 };
export const RESERVED_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/managed-by'];
const PATCH_OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'];
/** Where the inputs are checked out; nothing else may be mounted there. */
const PFS = '/pfs';
/** Kubernetes' limit on runAsUser and runAsGroup (apimachinery IsValidUserID / IsValidGroupID). */
const MAX_ID = 2147483647;
/** More cores than any node has: a value beyond it is a mistake, and would not fit a quantity's milli-units. */
const MAX_CPU = 1_000_000;

/**
 * Reports, then removes, the Pachyderm fields a service has no use for, so that the schema does not
 * report them a second time as unknown.
 */
export function stripUnsupported(doc: Normalized, file: string, r = new Reporter(doc, file)): Diagnostic[] {
  const strip = (obj: unknown, pointer: string, table: Record<string, string>) => {
    if (!isObj(obj)) return;
    for (const key of Object.keys(obj)) {
      const reason = own(table, key);
      if (typeof reason !== 'string') continue;
      const p = `${pointer}/${escapeSegment(key)}`;
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
  strip(spec.spout, '/spout', UNSUPPORTED_SPOUT);
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

export function checkRules(doc: Normalized, file: string, r = new Reporter(doc, file)): Diagnostic[] {
  const spec = doc.value;
  // The schema says what a spec that is not an object is.
  if (!isObj(spec)) return r.diagnostics;
  // Required here rather than in the schema, to say why.
  if (spec.transform === undefined) {
    r.error('', `missing the required field "transform": it names the image to run (${r.style('transform')}: {image: …})`);
  }
  for (const d of doc.duplicates) {
    r.errorAt(d.keyAt, `${quote(d.written)} is already given under another spelling (${r.display(d.pointer)}); keep one`);
  }
  checkInputs(spec, r);
  checkService(spec, r);
  checkTransform(spec, r);
  checkResources(spec, r);
  checkMetadata(spec, r);
  checkScheduling(spec, r);
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
        `two inputs are named ${quote(site.name)} (the other is ${r.display(first)}): each input needs its own name, its directory under /pfs; set "name" on one of them`,
      );
    } else {
      names.set(site.name, site.pointer);
    }
    checkInputName(site.name, site.namePointer, r);

    if (site.glob !== undefined && site.glob !== '/') {
      r.error(
        site.globPointer,
        `glob ${quote(site.glob)} would split ${quote(site.repo)} into several datums; a service sees its input whole, as one datum: use "/"`,
      );
    }
    checkRef(site, r);
  }
}

/**
 * An input's name is also an environment variable, an argument of env(1) in the service container, and
 * part of its checkout container's name (`checkout-<name>`, lower case, "_" as "-", 50 characters at most).
 */
function checkInputName(name: string, pointer: string, r: Reporter): void {
  if (name.startsWith('-')) {
    r.error(pointer, `input name ${quote(name)} cannot start with "-": it is passed to env(1) as <name>_COMMIT=…, which would read it as an option`);
  } else if (!/[A-Za-z0-9]/.test(name.slice(0, 50))) {
    r.error(pointer, `input name ${quote(name)} needs a letter or digit (in its first 50 characters): its checkout container is named after it, and a container name cannot be empty or end in "-"`);
  }
}

function checkRef(site: ReturnType<typeof findInputs>[number], r: Reporter): void {
  if (site.branchOnly !== undefined) {
    const branch = parseRef(site.branchOnly);
    if (!branch.ok || branch.ref.commit || branch.ref.ancestry) {
      r.error(site.refPointer, `with commit, branch must be a plain branch name, not ${quote(site.branchOnly)}`);
      return;
    }
  }
  const parsed = parseRef(site.refText);
  const pointer = site.commitPointer ?? site.refPointer;
  if (!parsed.ok) {
    r.error(pointer, `${r.display(pointer) || 'input'} ${quote(site.refText)} is not a commit reference: ${parsed.reason}`);
    return;
  }
  if (site.refPointer === `${site.pointer}/commit` && parsed.ref.commit === undefined) {
    r.error(pointer, `${r.display(pointer)} ${quote(site.refText)} is not a commit id (32 hexadecimal characters); to name a branch, use branch`);
    return;
  }
  if (parsed.ref.legacy) r.warn(pointer, `${parsed.ref.legacy.meaning}; pachsvc uses the 2.x form`);
  if (site.follow && !parsed.ref.branch) {
    r.error(`${site.pointer}/follow`, `follow keeps ${quote(site.name)} on the newest commit of its branch, but ${quote(site.refText)} names no branch`);
  } else if (site.follow && (parsed.ref.commit || parsed.ref.ancestry)) {
    r.error(`${site.pointer}/follow`, `follow keeps ${quote(site.name)} on the newest commit of its branch, so its reference must be the branch alone, not ${quote(site.refText)}`);
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
  if (typeof t.image === 'string') {
    const problem = imageProblem(t.image);
    if (problem) r.error('/transform/image', `${r.display('/transform/image')} ${quote(t.image)} cannot be pulled: ${problem}`);
  }
  if (Array.isArray(t.cmd) && t.cmd[0] === '') {
    r.error('/transform/cmd/0', `${r.display('/transform/cmd/0')} is empty: it names the program to run`);
  }
  if (Array.isArray(t.stdin) && t.stdin.length > 0 && (!Array.isArray(t.cmd) || t.cmd.length === 0)) {
    r.error('/transform/stdin', `${r.display('/transform/stdin')} is fed to cmd, but there is no cmd (for a script, use cmd ["sh"])`);
  }
  if (isObj(t.env)) {
    for (const name of Object.keys(t.env)) {
      const problem = envNameProblem(name);
      if (problem) r.error(`/transform/env/${escapeSegment(name)}`, `${quote(name)} cannot be an environment variable: ${problem}`, 'key');
    }
  }
  if (typeof t.user === 'string' && /^[0-9]+(:[0-9]+)?$/.test(t.user)) {
    const ids = t.user.split(':');
    if (ids.some((id) => id.length > 10 || Number(id) > MAX_ID)) {
      r.error('/transform/user', `${r.display('/transform/user')} ${quote(t.user)} is out of range: Kubernetes takes user and group ids from 0 to ${MAX_ID}`);
    }
  }
  if (Array.isArray(t.secrets)) checkSecrets(t.secrets, r);
}

function checkSecrets(secrets: unknown[], r: Reporter): void {
  const mounts = new Map<string, string>();
  secrets.forEach((s, i) => {
    if (!isObj(s)) return;
    const p = `/transform/secrets/${i}`;
    const name = quote(s.name);
    if (s.env_var !== undefined && s.key === undefined) {
      r.error(`${p}/env_var`, `secret ${name} sets ${r.style('env_var')} but not key: name the key of the Secret to read`);
    }
    if (s.key !== undefined && s.env_var === undefined) {
      r.error(`${p}/key`, `secret ${name} has a key but no ${r.style('env_var')} to put it in`);
    }
    if (s.env_var !== undefined && s.mount_path !== undefined) {
      r.error(`${p}/mount_path`, `secret ${name} sets both ${r.style('mount_path')} and ${r.style('env_var')}: give each use its own entry`);
    }
    if (s.env_var === undefined && s.mount_path === undefined && s.key === undefined) {
      r.error(p, `secret ${name} says neither where to mount it (${r.style('mount_path')}) nor which variable to set (${r.style('env_var')} and key)`);
    }
    if (typeof s.env_var === 'string') {
      const problem = envNameProblem(s.env_var);
      if (problem) r.error(`${p}/env_var`, `${quote(s.env_var)} cannot be an environment variable: ${problem}`);
    }
    // (The schema says what characters a key has; here, what else Kubernetes refuses.)
    if (typeof s.key === 'string' && /^[-._a-zA-Z0-9]+$/.test(s.key)) {
      const problem = secretKeyProblem(s.key);
      if (problem) r.error(`${p}/key`, `secret key ${quote(s.key)} is not valid: ${problem}`);
    }
    if (typeof s.mount_path === 'string' && s.mount_path.startsWith('/')) {
      const path = cleanPath(s.mount_path);
      const where = `${p}/mount_path`;
      if (path === '/') {
        r.error(where, `secret ${name} cannot be mounted at "/": it would hide the whole image`);
      } else if (path === PFS || path.startsWith(`${PFS}/`)) {
        r.error(where, `secret ${name} cannot be mounted at ${quote(s.mount_path)}: ${PFS} holds the inputs (mount it elsewhere, e.g. /etc/secrets/${typeof s.name === 'string' ? s.name : 'name'})`);
      } else if (mounts.has(path)) {
        r.error(where, `secret ${name} is mounted at ${quote(s.mount_path)}, where ${r.display(mounts.get(path)!)} is mounted already: two volumes cannot share a path`);
      } else {
        mounts.set(path, p);
      }
    }
  });
}

/** `/a//b/./c/` → `/a/b/c`; `..` goes up (never above `/`). */
function cleanPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

function checkResources(spec: Obj, r: Reporter): void {
  for (const field of ['resource_requests', 'resource_limits', 'sidecar_resource_requests', 'sidecar_resource_limits']) {
    const cpu = own(own(spec, field), 'cpu');
    if (typeof cpu !== 'string' || !/^[0-9]+(\.[0-9]+)?m?$/.test(cpu)) continue;
    const cores = cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
    const p = `/${field}/cpu`;
    if (!(cores > 0)) r.error(p, `${r.display(p)} must be more than 0, not ${quote(cpu)}`);
    else if (cores > MAX_CPU) r.error(p, `${r.display(p)} must be at most ${MAX_CPU} cores, not ${quote(cpu)}`);
  }
}

/** A value the schema lets through as a label, annotation or selector value (it has said what else is wrong). */
function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function checkMetadata(spec: Obj, r: Reporter): void {
  const meta = spec.metadata;
  if (!isObj(meta)) return;
  for (const kind of ['labels', 'annotations'] as const) {
    const map = meta[kind];
    if (!isObj(map)) continue;
    let size = 0;
    for (const [key, value] of Object.entries(map)) {
      const p = `/metadata/${kind}/${escapeSegment(key)}`;
      const text = scalarText(value);
      size += Buffer.byteLength(key) + Buffer.byteLength(text ?? '');
      if (kind === 'labels' && RESERVED_LABELS.includes(key)) {
        r.error(p, `label ${quote(key)} is set by pachsvc to select the service's pods and cannot be overridden`, 'key');
        continue;
      }
      const keyProblem = qualifiedNameProblem(key);
      if (keyProblem) r.error(p, `${quote(key)} is not a valid ${kind === 'labels' ? 'label' : 'annotation'} key: ${keyProblem}`, 'key');
      if (kind === 'labels' && text !== undefined) {
        const valueProblem = labelValueProblem(text);
        if (valueProblem) r.error(p, `label ${quote(key)} has an invalid value ${quote(text)}: ${valueProblem}`);
      }
    }
    if (kind === 'annotations' && size > ANNOTATIONS_SIZE_LIMIT) {
      r.error('/metadata/annotations', `${r.display('/metadata/annotations')} total ${size} bytes; Kubernetes keeps at most ${ANNOTATIONS_SIZE_LIMIT} of an object's annotations`);
    }
  }
}

const OPERATORS: Record<string, 'Exists' | 'Equal' | undefined> = { EXISTS: 'Exists', Exists: 'Exists', EQUAL: 'Equal', Equal: 'Equal' };
const NO_EXECUTE = ['NO_EXECUTE', 'NoExecute'];

function checkScheduling(spec: Obj, r: Reporter): void {
  const selector = own(own(spec, 'scheduling_spec'), 'node_selector');
  if (isObj(selector)) {
    for (const [key, value] of Object.entries(selector)) {
      const p = `/scheduling_spec/node_selector/${escapeSegment(key)}`;
      const keyProblem = qualifiedNameProblem(key);
      if (keyProblem) r.error(p, `${quote(key)} is not a valid node label key: ${keyProblem}`, 'key');
      const text = scalarText(value);
      const valueProblem = text === undefined ? undefined : labelValueProblem(text);
      if (valueProblem) r.error(p, `node selector ${quote(key)} has an invalid value ${quote(text)}: ${valueProblem}`);
    }
  }
  // What the API server checks of a toleration (ValidateTolerations).
  const tolerations = own(spec, 'tolerations');
  if (!Array.isArray(tolerations)) return;
  tolerations.forEach((t, i) => {
    if (!isObj(t)) return;
    const p = `/tolerations/${i}`;
    const key = typeof t.key === 'string' ? t.key : '';
    const operator = typeof t.operator === 'string' ? OPERATORS[t.operator] : undefined;
    if (key !== '') {
      const problem = qualifiedNameProblem(key);
      if (problem) r.error(`${p}/key`, `toleration key ${quote(key)} is not valid: ${problem}`);
    } else if (operator !== 'Exists') {
      r.error(p, `a toleration without a key matches every taint, so its operator must be ${quote(r.style('EXISTS'))} (or Exists)`);
    }
    if (operator === 'Exists' && typeof t.value === 'string' && t.value !== '') {
      r.error(`${p}/value`, `a toleration with operator Exists matches any value, so it cannot give one (${quote(t.value)})`);
    } else if (operator !== 'Exists' && typeof t.value === 'string') {
      const problem = labelValueProblem(t.value);
      if (problem) r.error(`${p}/value`, `toleration value ${quote(t.value)} is not valid: ${problem}`);
    }
    if (t.toleration_seconds !== undefined && !(typeof t.effect === 'string' && NO_EXECUTE.includes(t.effect))) {
      r.error(`${p}/toleration_seconds`, `${r.display(`${p}/toleration_seconds`)} applies to NoExecute taints only: set effect NO_EXECUTE (or NoExecute), or remove it`);
    }
  });
}

function checkPatches(spec: Obj, r: Reporter): void {
  const podSpec = parseJsonField(spec, 'pod_spec', r);
  // Given as anything but a string, the schema checks its type.
  if (typeof spec.pod_spec === 'string' && podSpec !== undefined && !isObj(podSpec)) {
    r.error('/pod_spec', `${r.display('/pod_spec')} must be a JSON object (a merge patch of the pod spec)`);
  }
  if (podSpec !== undefined) {
    // No pod spec field, and no Kubernetes map key, is `__proto__`: refused, wherever it is.
    const bad = protoKeyPath(podSpec);
    if (bad !== undefined) {
      r.error(typeof spec.pod_spec === 'string' ? '/pod_spec' : `/pod_spec${bad}`, `${r.display('/pod_spec')} has a key "__proto__" (at ${quote(bad)}): no pod spec field is named so`, typeof spec.pod_spec === 'string' ? 'value' : 'key');
    }
  }
  const podPatch = parseJsonField(spec, 'pod_patch', r);
  if (podPatch === undefined) return;
  if (!Array.isArray(podPatch)) {
    if (typeof spec.pod_patch !== 'string') return;
    r.error('/pod_patch', `${r.display('/pod_patch')} must be a JSON array of operations (an RFC 6902 JSON patch)`);
    return;
  }
  const inFile = Array.isArray(spec.pod_patch);
  podPatch.forEach((op, i) => {
    const problem = operationProblem(op);
    if (!problem) return;
    // In an array, at the operation (or its field); in Pachyderm's string form, at the string.
    const where = !inFile ? '/pod_patch' : problem.field && own(op, problem.field) !== undefined ? `/pod_patch/${i}/${problem.field}` : `/pod_patch/${i}`;
    r.error(where, `${r.display('/pod_patch')} operation ${i}: ${problem.message}`);
  });
}

/** The JSON pointer of the first `__proto__` key in a value, if any. */
function protoKeyPath(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = protoKeyPath(value[i], `${path}/${i}`);
      if (found !== undefined) return found;
    }
  } else if (isObj(value)) {
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return `${path}/__proto__`;
      const found = protoKeyPath(value[key], `${path}/${escapeSegment(key)}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function parseJsonField(spec: Obj, field: string, r: Reporter): unknown {
  const raw = spec[field];
  if (typeof raw !== 'string') return raw;
  try {
    // JSON.parse is not bounded; the scan before it is (a string nested 2,000 deep is refused here).
    checkJsonText(raw);
    return JSON.parse(raw);
  } catch (err) {
    if (err instanceof JsonLimitError) {
      r.error(`/${field}`, `${r.display(`/${field}`)}: ${err.limit === 'depth' ? `its JSON is nested more than ${LIMITS.depth} levels deep` : err.message}`);
    } else {
      r.error(`/${field}`, `${r.display(`/${field}`)} is not valid JSON: ${quote((err as Error).message, 120).slice(1, -1)}`);
    }
    return undefined;
  }
}

export function patchOperationProblem(op: unknown): string | undefined {
  return operationProblem(op)?.message;
}

/** What is wrong with one JSON patch operation, and in which of its fields. */
function operationProblem(op: unknown): { message: string; field?: 'op' | 'path' | 'from' } | undefined {
  if (!isObj(op)) return { message: 'must be an object like {"op": "add", "path": "/…", "value": …}' };
  if (typeof op.op !== 'string' || !PATCH_OPS.includes(op.op)) return { message: `"op" must be one of ${PATCH_OPS.join(', ')}`, field: 'op' };
  if (typeof op.path !== 'string' || (op.path !== '' && !op.path.startsWith('/'))) {
    return { message: '"path" must be a JSON pointer such as /containers/0/env', field: 'path' };
  }
  if (['add', 'replace', 'test'].includes(op.op) && !Object.hasOwn(op, 'value')) return { message: `"${op.op}" needs a "value"` };
  if (['move', 'copy'].includes(op.op) && (typeof op.from !== 'string' || (op.from !== '' && !op.from.startsWith('/')))) {
    return { message: `"${op.op}" needs a "from" JSON pointer` };
  }
  for (const field of ['path', 'from'] as const) {
    const pointer = op[field];
    const segment = typeof pointer === 'string' ? prototypeSegment(pointer) : undefined;
    if (segment !== undefined) return { message: `"${field}" ${quote(pointer)} goes through ${quote(segment)}, which names no pod spec field`, field };
  }
  return undefined;
}
