// Pure rendering: a canonical ServiceSpec and options in, Kubernetes objects out (a Deployment and a
// Service). Same input, same bytes: nothing here reads the clock, the environment or the disk.
import type { ServiceSpec } from '../spec/model.ts';
import { serializeSpec } from '../spec/serialize.ts';
import { ANNOTATIONS, encodePins, encodeSpec, PFS_VOLUME, PORT_NAME, SERVICE_CONTAINER, selectorLabels } from '../contract.ts';
import { isObj, type Obj } from '../lib/objects.ts';
import { checkoutContainer, containerSuffixes, fixedCommit, followContainer, serviceContainer } from './containers.ts';
import { PatchError, type PatchField, type RenderWarning } from './errors.ts';
import { objectLabels } from './labels.ts';
import { checkAnnotations } from './limits.ts';
import { jsonPatch, mergePatch } from './patch.ts';
import { podFindings, type ContainerRole, type FindingKind } from './pod-checks.ts';
import type { Container, KubeObject, ObjectMeta, RenderOptions } from './types.ts';

export interface RenderedService {
  objects: KubeObject[];
  /** What pod_spec and pod_patch undid of pachsvc's pod, each at the field (and operation) that did it. */
  warnings: RenderWarning[];
}

/**
 * The Deployment and the Service, and warnings. Throws a RenderError (PatchError for pod_spec and
 * pod_patch) when the spec would make objects Kubernetes refuses; its pointer names the place to blame.
 */
export function renderWithNotes(service: ServiceSpec, options: RenderOptions): RenderedService {
  const warnings: RenderWarning[] = [];
  const objects = [deployment(service, options, warnings), renderKubeService(service, options)];
  return { objects, warnings };
}

export function renderService(service: ServiceSpec, options: RenderOptions): KubeObject[] {
  return renderWithNotes(service, options).objects;
}

function meta(service: ServiceSpec, options: RenderOptions, annotations: Record<string, string>): ObjectMeta {
  const m: ObjectMeta = { name: service.name };
  if (options.namespace !== undefined) m.namespace = options.namespace;
  m.labels = objectLabels(service);
  if (Object.keys(annotations).length > 0) m.annotations = annotations;
  return m;
}

/** Commit ids fixed at render time, by input; recorded so list and inspect can show them. */
export function pinnedCommits(service: ServiceSpec, options: RenderOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const input of service.inputs) {
    const id = fixedCommit(input, options);
    if (id) out[input.name] = id;
  }
  return out;
}

export function renderDeployment(service: ServiceSpec, options: RenderOptions): KubeObject {
  return deployment(service, options, []);
}

function deployment(service: ServiceSpec, options: RenderOptions, warnings: RenderWarning[]): KubeObject {
  const pins = pinnedCommits(service, options);
  const serialized = serializeSpec(service);
  const annotations: Record<string, string> = {
    ...service.annotations,
    [ANNOTATIONS.spec]: encodeSpec(serialized),
    [ANNOTATIONS.version]: options.version,
  };
  if (Object.keys(pins).length > 0) annotations[ANNOTATIONS.pins] = encodePins(pins);

  const podAnnotations: Record<string, string> = { ...service.annotations };
  if (Object.keys(pins).length > 0) podAnnotations[ANNOTATIONS.pins] = encodePins(pins);

  const suffix = containerSuffixes(service.inputs);
  const roles = new Map<string, ContainerRole>([[SERVICE_CONTAINER, { role: 'service' }]]);
  const named = (container: Container, role: ContainerRole) => (roles.set(container.name, role), container);
  const pod: Obj = {
    initContainers: service.inputs.map((i) => named(checkoutContainer(i, suffix.get(i.name)!, service, options), { role: 'checkout', input: i.name })),
    containers: [
      serviceContainer(service, options),
      ...service.inputs
        .filter((i) => i.follow)
        .map((i) => named(followContainer(i, suffix.get(i.name)!, service, options), { role: 'follow', input: i.name })),
    ],
    volumes: [
      { name: PFS_VOLUME, emptyDir: service.memoryVolume ? { medium: 'Memory' } : {} },
      ...service.secrets.flatMap((s, i) => ('mountPath' in s ? [{ name: `secret-${i}`, secret: { secretName: s.name } }] : [])),
    ],
  };
  if (service.inputs.length === 0) delete pod.initContainers;
  // A service needs no Kubernetes API token (a notebook open on a NodePort must not hand one out), and
  // Service-link variables would clash with the service's own (a Service "jupyter" sets JUPYTER_PORT).
  pod.automountServiceAccountToken = false;
  pod.enableServiceLinks = false;
  if (service.imagePullSecrets.length > 0) pod.imagePullSecrets = service.imagePullSecrets.map((name) => ({ name }));
  if (Object.keys(service.nodeSelector).length > 0) pod.nodeSelector = service.nodeSelector;
  if (service.priorityClassName !== undefined) pod.priorityClassName = service.priorityClassName;
  if (service.tolerations.length > 0) pod.tolerations = service.tolerations;
  const podSpec = patchPod(pod, service, roles, warnings);

  checkAnnotations('the Deployment', annotations, service.annotations, { key: ANNOTATIONS.spec, spec: serialized });
  checkAnnotations("the Deployment's pod template", podAnnotations, service.annotations);

  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(service, options, annotations),
    spec: {
      replicas: service.replicas,
      selector: { matchLabels: selectorLabels(service.name) },
      template: {
        metadata: {
          labels: objectLabels(service),
          ...(Object.keys(podAnnotations).length > 0 ? { annotations: podAnnotations } : {}),
        },
        spec: podSpec,
      },
    },
  };
}

export function renderKubeService(service: ServiceSpec, options: RenderOptions): KubeObject {
  checkAnnotations('the Service', service.annotations, service.annotations);
  const { internal, external, type } = service.port;
  const port: Record<string, unknown> = { name: PORT_NAME, protocol: 'TCP', port: internal, targetPort: PORT_NAME };
  if (type === 'NodePort' && external !== undefined) port.nodePort = external;
  if (type === 'LoadBalancer' && external !== undefined) port.port = external;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(service, options, { ...service.annotations }),
    spec: { type, selector: selectorLabels(service.name), ports: [port] },
  };
}

// What pod_spec (a merge patch) undoes when it gives a list (containers, volumes) whole: an item pachsvc
// put there is lost or replaced.
const LOST_TO_A_WHOLE_LIST: ReadonlySet<FindingKind> = new Set<FindingKind>(['removed', 'replaced', 'volume-removed']);

/**
 * Applies pod_spec, then pod_patch, to pachsvc's pod. What they undo of it (podFindings) is blamed on the
 * step that did it: pod_spec, or the pod_patch operation after which it was first found (and stayed).
 * Errors (a pod Kubernetes would refuse) are thrown; the rest become warnings.
 */
function patchPod(pod: Obj, service: ServiceSpec, roles: Map<string, ContainerRole>, warnings: RenderWarning[]): Obj {
  if (service.podSpec === undefined && service.podPatch === undefined) return pod;
  const blame = new Map<string, { field: PatchField; pointer: string; label: string }>();
  let found = new Set<string>();
  const observe = (doc: unknown, field: PatchField, pointer: string, label: string) => {
    const keys = new Set(podFindings(doc, pod, roles).map((f) => f.key));
    for (const key of keys) if (!found.has(key)) blame.set(key, { field, pointer, label });
    found = keys;
  };
  let patched: unknown = pod;
  if (service.podSpec !== undefined) {
    patched = mergePatch(patched, service.podSpec);
    observe(patched, 'pod_spec', '/pod_spec', 'pod_spec');
  }
  if (service.podPatch !== undefined) {
    patched = jsonPatch(patched, service.podPatch, (doc, i) => observe(doc, 'pod_patch', `/pod_patch/${i}`, `pod_patch operation ${i}`));
  }
  if (!isObj(patched)) throw new PatchError(service.podPatch ? 'pod_patch' : 'pod_spec', 'the patched pod spec is no longer an object');
  const findings = podFindings(patched, pod, roles);
  for (const f of [...findings.filter((f) => f.error), ...findings.filter((f) => !f.error)]) {
    const by = blame.get(f.key)!;
    let message = `${by.label} ${f.text}`;
    if (by.field === 'pod_spec' && LOST_TO_A_WHOLE_LIST.has(f.kind)) message += ' (a merge patch replaces a list whole; pod_patch can change one field of one item)';
    if (f.error) throw new PatchError(by.field, message, by.pointer);
    warnings.push({ field: by.field, pointer: by.pointer, message });
  }
  return patched;
}
