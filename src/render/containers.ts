// The containers of a service's pod: one checkout init container per input, a follow sidecar per
// followed input, and the service itself.
import type { Input, Resources, ServiceSpec } from '../spec/model.ts';
import { formatRef } from '../spec/ref.ts';
import { CHECKOUT_SCRIPT, FOLLOW_SCRIPT, SERVICE_SCRIPT } from './generated/scripts.ts';
import { CHECKOUT_PREFIX, FOLLOW_PREFIX, PFS_PATH, PFS_VOLUME, PORT_NAME, SERVICE_CONTAINER } from '../contract.ts';
import type { Container, EnvVar, RenderOptions } from './types.ts';

/** Pachyderm's project when a spec names none. */
const DEFAULT_PROJECT = 'default';

/**
 * The container-name suffix of each input. Container names are DNS labels (at most 63 characters, ending
 * in a letter or digit) and input names may have "_", capitals and leading or trailing "-", so `a_b` and
 * `a-b` (or `Data` and `data`) would meet: later ones get `-2`, `-3`, …. The longest prefix,
 * `checkout-`, leaves 54 characters for the suffix.
 */
export function containerSuffixes(inputs: Input[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  const fit = (text: string, room: number) => text.slice(0, room).replace(/-+$/, '');
  for (const input of inputs) {
    const base = fit(input.name.toLowerCase().replace(/[^a-z0-9-]/g, '-'), MAX_SUFFIX) || 'input';
    let suffix = base;
    for (let n = 2; used.has(suffix); n++) suffix = `${fit(base, MAX_SUFFIX - String(n).length - 1) || 'input'}-${n}`;
    used.add(suffix);
    out.set(input.name, suffix);
  }
  return out;
}

const MAX_SUFFIX = 63 - Math.max(CHECKOUT_PREFIX.length, FOLLOW_PREFIX.length);

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

// A name the shell can hold as a variable; dash leaves other names out of what it runs.
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function serviceContainer(service: ServiceSpec, options: RenderOptions): Container {
  const supervise = service.onNewData === 'restart' && service.inputs.some((i) => i.follow);
  // Kubernetes runs cmd as written, unless only a shell can do what the spec asks: feed stdin, or
  // restart the command on new data. (An input resolved in the pod has no <input>_COMMIT then: its id
  // is in /pfs/.pachsvc/<input>/commit.)
  const wrapped = service.cmd.length > 0 && (service.stdin.length > 0 || supervise);

  const env: EnvVar[] = Object.entries(service.env).map(([name, value]) => ({ name, value }));
  for (const s of service.secrets) {
    if ('envVar' in s) env.push({ name: s.envVar, valueFrom: { secretKeyRef: { name: s.name, key: s.key } } });
  }
  // What Pachyderm gives user code (pps/server/worker_rc.go, worker/driver/driver.go UserCodeEnv),
  // after the spec's own variables as there, so that these win.
  env.push({ name: 'PPS_PIPELINE_NAME', value: service.name }, { name: 'PPS_PROJECT_NAME', value: service.project ?? DEFAULT_PROJECT });
  if (service.spout) {
    env.push({ name: 'PACHD_ADDRESS', value: options.pachdAddress });
    if (options.authSecret) env.push({ name: 'PACH_TOKEN', valueFrom: { secretKeyRef: { name: options.authSecret.name, key: options.authSecret.key } } });
  }
  for (const input of service.inputs) {
    env.push({ name: input.name, value: `${PFS_PATH}/${input.name}` });
    const id = fixedCommit(input, options);
    if (id) env.push({ name: `${input.name}_COMMIT`, value: id });
  }
  if (wrapped) {
    // The wrapper sets <input> and <input>_COMMIT (from the commit files) itself; other variables whose
    // names the shell cannot hold it gets back from copies under shell names ($(name) is Kubernetes'
    // reference to a variable defined before). A name with ")" cannot be referenced, and is left as is.
    const inputVars = new Set(service.inputs.flatMap((i) => [i.name, `${i.name}_COMMIT`]));
    const restore = lastWins(env)
      .map((e) => e.name)
      .filter((name) => !SHELL_NAME.test(name) && !inputVars.has(name) && !name.includes(')'));
    if (service.inputs.length > 0) env.push({ name: 'PACHSVC_INPUTS', value: service.inputs.map((i) => i.name).join(' ') });
    if (service.stdin.length > 0) env.push({ name: 'PACHSVC_STDIN', value: service.stdin.join('\n') });
    if (supervise) env.push({ name: 'PACHSVC_SUPERVISE', value: '1' });
    if (restore.length > 0) {
      env.push({ name: 'PACHSVC_ENV_NAMES', value: restore.join('\n') });
      restore.forEach((name, i) => env.push({ name: `PACHSVC_ENV_${i + 1}`, value: `$(${name})` }));
    }
  }

  const container: Container = { name: SERVICE_CONTAINER, image: service.image };
  if (wrapped) container.command = ['/bin/sh', '-c', SERVICE_SCRIPT, 'pachsvc-service', ...service.cmd];
  else if (service.cmd.length > 0) container.command = service.cmd;
  if (service.workingDir !== undefined) container.workingDir = service.workingDir;
  if (env.length > 0) container.env = lastWins(env);
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

/** The variables with the last of each name only: what the container gets (a later one wins), without the API server's warning. */
function lastWins(env: EnvVar[]): EnvVar[] {
  const last = new Map(env.map((e, i) => [e.name, i]));
  return env.filter((e, i) => last.get(e.name) === i);
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
