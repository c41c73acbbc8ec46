// The containers of a service's pod: one checkout init container per input, a follow sidecar per
// followed input, and the service itself.
import type { Input, Resources, ServiceSpec } from '../spec/model.ts';
import { formatRef } from '../spec/ref.ts';
import { CHECKOUT_SCRIPT, FOLLOW_SCRIPT, SERVICE_SCRIPT } from './generated/scripts.ts';
import { CHECKOUT_PREFIX, FOLLOW_PREFIX, PFS_PATH, PFS_VOLUME, PORT_NAME, SERVICE_CONTAINER } from '../contract.ts';
import type { Container, EnvVar, RenderOptions } from './types.ts';

/**
 * The container-name suffix of each input. Container names are DNS labels and input names may have "_"
 * and capitals, so `a_b` and `a-b` (or `Data` and `data`) would meet: later ones get `-2`, `-3`, ….
 */
export function containerSuffixes(inputs: Input[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const input of inputs) {
    const base = input.name.toLowerCase().replace(/_/g, '-').slice(0, 50).replace(/-+$/, '');
    let suffix = base;
    for (let n = 2; used.has(suffix); n++) suffix = `${base}-${n}`;
    used.add(suffix);
    out.set(input.name, suffix);
  }
  return out;
}

/** The reference a pod checks out: the pinned id when there is one, else the ref as written. */
export function checkoutRef(input: Input, options: RenderOptions): string {
  if (input.follow) return input.ref.branch ?? formatRef(input.ref);
  return options.pins?.[input.name] ?? formatRef(input.ref);
}

/** The commit id an input is fixed to when the manifest is rendered, if any. */
export function fixedCommit(input: Input, options: RenderOptions): string | undefined {
  if (input.follow) return undefined;
  const pinned = options.pins?.[input.name];
  if (pinned) return pinned;
  return input.ref.commit !== undefined && input.ref.ancestry === undefined ? input.ref.commit : undefined;
}

function pachctlEnv(input: Input, options: RenderOptions): EnvVar[] {
  const env: EnvVar[] = [
    { name: 'PACHD_ADDRESS', value: options.pachdAddress },
    { name: 'PACH_CONFIG', value: '/tmp/pachctl/config.json' },
    { name: 'PACHSVC_INPUT', value: input.name },
    { name: 'PACHSVC_REPO', value: input.repo },
  ];
  if (input.project !== undefined) env.push({ name: 'PACHSVC_PROJECT', value: input.project });
  if (options.authSecret) {
    env.push({
      name: 'PACHSVC_TOKEN',
      valueFrom: { secretKeyRef: { name: options.authSecret.name, key: options.authSecret.key } },
    });
  }
  return env;
}

export function checkoutContainer(input: Input, suffix: string, service: ServiceSpec, options: RenderOptions): Container {
  return {
    name: `${CHECKOUT_PREFIX}${suffix}`,
    image: options.pachctlImage,
    command: ['/bin/sh', '-c', CHECKOUT_SCRIPT, 'pachsvc-checkout'],
    env: [...pachctlEnv(input, options), { name: 'PACHSVC_REF', value: checkoutRef(input, options) }],
    ...resourcesField(service.sidecarResources),
    volumeMounts: [{ name: PFS_VOLUME, mountPath: PFS_PATH }],
  };
}

export function followContainer(input: Input, suffix: string, service: ServiceSpec, options: RenderOptions): Container {
  return {
    name: `${FOLLOW_PREFIX}${suffix}`,
    image: options.pachctlImage,
    command: ['/bin/sh', '-c', FOLLOW_SCRIPT, 'pachsvc-follow'],
    env: [...pachctlEnv(input, options), { name: 'PACHSVC_BRANCH', value: input.ref.branch ?? 'master' }],
    ...resourcesField(service.sidecarResources),
    volumeMounts: [{ name: PFS_VOLUME, mountPath: PFS_PATH }],
  };
}

export function serviceContainer(service: ServiceSpec, options: RenderOptions): Container {
  const fixed = new Map(service.inputs.map((i) => [i.name, fixedCommit(i, options)]));
  const resolvedInPod = service.inputs.filter((i) => fixed.get(i.name) === undefined);
  const supervise = service.onNewData === 'restart' && service.inputs.some((i) => i.follow);
  const wrapped = service.cmd.length > 0 && (service.stdin.length > 0 || resolvedInPod.length > 0 || supervise);

  const env: EnvVar[] = Object.entries(service.env).map(([name, value]) => ({ name, value }));
  for (const input of service.inputs) {
    env.push({ name: input.name, value: `${PFS_PATH}/${input.name}` });
    const id = fixed.get(input.name);
    if (id) env.push({ name: `${input.name}_COMMIT`, value: id });
  }
  for (const s of service.secrets) {
    if ('envVar' in s) env.push({ name: s.envVar, valueFrom: { secretKeyRef: { name: s.name, key: s.key } } });
  }
  if (wrapped) {
    if (resolvedInPod.length > 0) env.push({ name: 'PACHSVC_INPUTS', value: resolvedInPod.map((i) => i.name).join(' ') });
    if (service.stdin.length > 0) env.push({ name: 'PACHSVC_STDIN', value: service.stdin.join('\n') });
    if (supervise) env.push({ name: 'PACHSVC_SUPERVISE', value: '1' });
  }

  const container: Container = { name: SERVICE_CONTAINER, image: service.image };
  if (wrapped) container.command = ['/bin/sh', '-c', SERVICE_SCRIPT, 'pachsvc-service', ...service.cmd];
  else if (service.cmd.length > 0) container.command = service.cmd;
  if (service.workingDir !== undefined) container.workingDir = service.workingDir;
  if (env.length > 0) container.env = env;
  container.ports = [{ name: PORT_NAME, containerPort: service.port.internal, protocol: 'TCP' }];
  container.readinessProbe = { tcpSocket: { port: PORT_NAME }, periodSeconds: 5, failureThreshold: 3 };
  Object.assign(container, resourcesField(service.resources));
  if (service.user) {
    container.securityContext = {
      runAsUser: service.user.uid,
      ...(service.user.gid !== undefined ? { runAsGroup: service.user.gid } : {}),
    };
  }
  container.volumeMounts = [
    { name: PFS_VOLUME, mountPath: PFS_PATH },
    ...service.secrets.flatMap((s, i) => ('mountPath' in s ? [{ name: `secret-${i}`, mountPath: s.mountPath, readOnly: true }] : [])),
  ];
  return container;
}

function resourcesField(r: { requests?: Resources; limits?: Resources }): { resources?: Record<string, unknown> } {
  const requests = r.requests ? quantities(r.requests) : undefined;
  const limits = r.limits ? quantities(r.limits) : undefined;
  // Kubernetes needs extended resources (GPUs) in limits; a request alone is given as a limit too.
  const gpu = r.requests?.gpu;
  const out: Record<string, unknown> = {};
  if (requests && Object.keys(requests).length > 0) out.requests = requests;
  const allLimits = { ...(limits ?? {}), ...(gpu && !r.limits?.gpu ? { [gpu.type]: String(gpu.number) } : {}) };
  if (Object.keys(allLimits).length > 0) out.limits = allLimits;
  return Object.keys(out).length > 0 ? { resources: out } : {};
}

function quantities(r: Resources): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.cpu !== undefined) out.cpu = r.cpu;
  if (r.memory !== undefined) out.memory = r.memory;
  if (r.disk !== undefined) out['ephemeral-storage'] = r.disk;
  if (r.gpu !== undefined) out[r.gpu.type] = String(r.gpu.number);
  return out;
}
