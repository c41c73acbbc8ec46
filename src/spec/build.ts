// Turns a checked, normalized spec into the canonical ServiceSpec. Only called once every rule passed,
// so it can trust the shape of what it reads.
import { findInputs, projectName } from './inputs.ts';
import type { Dialect, Input, JsonPatchOperation, Resources, SecretRef, ServiceSpec, ServiceType, Toleration } from './model.ts';
import { parseRef } from './ref.ts';

type Obj = Record<string, any>;

export function detectDialect(spec: Obj, camelCase: boolean): Dialect {
  if (spec.inputs !== undefined || spec.parallelism_spec?.strategy !== undefined) return 'pachyderm-1.x';
  return camelCase ? 'pachyderm-2.x-camel' : 'pachyderm-2.x';
}

export function buildService(spec: Obj, name: string, options: { follow?: boolean; spout?: boolean }): ServiceSpec {
  const t: Obj = spec.transform ?? {};
  const service: Obj = spec.service;
  const project = projectName(spec.pipeline?.project);
  const external: number | undefined = service.external_port;
  const type: ServiceType = service.type ?? (external !== undefined ? 'NodePort' : 'ClusterIP');

  const out: ServiceSpec = {
    name,
    image: t.image,
    cmd: t.cmd ?? [],
    stdin: t.stdin ?? [],
    env: stringMap(t.env),
    secrets: (t.secrets ?? []).map(secretRef),
    imagePullSecrets: t.image_pull_secrets ?? [],
    memoryVolume: t.memory_volume === true,
    replicas: spec.parallelism_spec?.constant ?? 1,
    inputs: findInputs(spec).map((site): Input => {
      const parsed = parseRef(site.refText);
      if (!parsed.ok) throw new Error(`unchecked reference ${site.refText}`);
      // --follow applies to inputs that name a plain branch; a commit or an ancestor stays as written.
      const followable = parsed.ref.branch !== undefined && parsed.ref.commit === undefined && parsed.ref.ancestry === undefined;
      const input: Input = { name: site.name, repo: site.repo, ref: parsed.ref, follow: site.follow ?? (options.follow === true && followable) };
      const p = site.project ?? project;
      if (p !== undefined) input.project = p;
      return input;
    }),
    port: { internal: service.internal_port, type, ...(external !== undefined ? { external } : {}) },
    onNewData: service.on_new_data ?? 'restart',
    resources: resourcePair(spec.resource_requests, spec.resource_limits),
    sidecarResources: resourcePair(spec.sidecar_resource_requests, spec.sidecar_resource_limits),
    labels: stringMap(spec.metadata?.labels),
    annotations: stringMap(spec.metadata?.annotations),
    nodeSelector: stringMap(spec.scheduling_spec?.node_selector),
    tolerations: (spec.tolerations ?? []).map(toleration),
  };
  if (options.spout) out.spout = true;
  if (typeof spec.description === 'string') out.description = spec.description;
  if (project !== undefined) out.project = project;
  if (typeof t.user === 'string') {
    const [uid, gid] = t.user.split(':');
    out.user = { uid: Number(uid), ...(gid !== undefined ? { gid: Number(gid) } : {}) };
  }
  if (typeof t.working_dir === 'string') out.workingDir = t.working_dir;
  const priority = spec.scheduling_spec?.priority_class_name;
  if (typeof priority === 'string') out.priorityClassName = priority;
  if (spec.pod_spec !== undefined) out.podSpec = parsed(spec.pod_spec) as Record<string, unknown>;
  if (spec.pod_patch !== undefined) out.podPatch = parsed(spec.pod_patch) as JsonPatchOperation[];
  return out;
}

/** A patch as plain JSON: the spec's objects have no prototype, the model's are ordinary (own keys only). */
function parsed(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : plain(v);
}

function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, plain(val)]));
  return v;
}

/** A map of the user's own keys (`constructor` is a key like any other: fromEntries defines own properties). */
function stringMap(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object') return {};
  return Object.fromEntries(Object.entries(v as Obj).map(([k, val]) => [k, String(val)]));
}

function secretRef(s: Obj): SecretRef {
  return s.env_var !== undefined ? { name: s.name, envVar: s.env_var, key: s.key } : { name: s.name, mountPath: s.mount_path };
}

function resourcePair(requests: Obj | undefined, limits: Obj | undefined): ServiceSpec['resources'] {
  const out: ServiceSpec['resources'] = {};
  if (requests) out.requests = resources(requests);
  if (limits) out.limits = resources(limits);
  return out;
}

function resources(r: Obj): Resources {
  const out: Resources = {};
  if (r.cpu !== undefined) out.cpu = cpuQuantity(r.cpu);
  if (r.memory !== undefined) out.memory = r.memory;
  if (r.disk !== undefined) out.disk = r.disk;
  if (r.gpu !== undefined) out.gpu = { type: r.gpu.type, number: r.gpu.number };
  return out;
}

/** Pachyderm gives CPU as a number of cores (0.5); Kubernetes as a quantity ("500m"). */
export function cpuQuantity(cpu: number | string): string {
  if (typeof cpu === 'string' && cpu.endsWith('m')) return cpu;
  // At least 1m: a positive amount never rounds down to no CPU at all. The rules keep cpu at most a
  // million cores, so the number is always written in digits (never 1e+21, never Infinity).
  const milli = Math.max(Math.round(Number(cpu) * 1000), 1);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

const OPERATORS: Record<string, Toleration['operator'] | undefined> = { EMPTY: undefined, EXISTS: 'Exists', EQUAL: 'Equal', Exists: 'Exists', Equal: 'Equal' };
const EFFECTS: Record<string, Toleration['effect'] | undefined> = {
  ALL_EFFECTS: undefined,
  NO_SCHEDULE: 'NoSchedule',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
  NO_EXECUTE: 'NoExecute',
  NoSchedule: 'NoSchedule',
  PreferNoSchedule: 'PreferNoSchedule',
  NoExecute: 'NoExecute',
};

function toleration(t: Obj): Toleration {
  const out: Toleration = {};
  if (t.key !== undefined && t.key !== '') out.key = t.key;
  const operator = OPERATORS[t.operator ?? 'EMPTY'];
  if (operator) out.operator = operator;
  if (t.value !== undefined && t.value !== '') out.value = t.value;
  const effect = EFFECTS[t.effect ?? 'ALL_EFFECTS'];
  if (effect) out.effect = effect;
  if (t.toleration_seconds !== undefined) out.tolerationSeconds = t.toleration_seconds;
  return out;
}
