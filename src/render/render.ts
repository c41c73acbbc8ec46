// Pure rendering: a canonical ServiceSpec and options in, Kubernetes objects out (a Deployment and a
// Service). Same input, same bytes: nothing here reads the clock, the environment or the disk.
import type { ServiceSpec } from '../spec/model.ts';
import { serializeSpec } from '../spec/serialize.ts';
import { ANNOTATIONS, encodePins, encodeSpec, PFS_VOLUME, PORT_NAME, selectorLabels } from '../contract.ts';
import { checkoutContainer, containerSuffixes, fixedCommit, followContainer, serviceContainer } from './containers.ts';
import { objectLabels } from './labels.ts';
import { jsonPatch, mergePatch, PatchError } from './patch.ts';
import type { KubeObject, ObjectMeta, RenderOptions } from './types.ts';

export function renderService(service: ServiceSpec, options: RenderOptions): KubeObject[] {
  return [renderDeployment(service, options), renderKubeService(service, options)];
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
  const pins = pinnedCommits(service, options);
  const annotations: Record<string, string> = {
    ...service.annotations,
    [ANNOTATIONS.spec]: encodeSpec(serializeSpec(service)),
    [ANNOTATIONS.version]: options.version,
  };
  if (Object.keys(pins).length > 0) annotations[ANNOTATIONS.pins] = encodePins(pins);

  const podAnnotations: Record<string, string> = { ...service.annotations };
  if (Object.keys(pins).length > 0) podAnnotations[ANNOTATIONS.pins] = encodePins(pins);

  const suffix = containerSuffixes(service.inputs);
  let podSpec: Record<string, unknown> = {
    initContainers: service.inputs.map((i) => checkoutContainer(i, suffix.get(i.name)!, service, options)),
    containers: [
      serviceContainer(service, options),
      ...service.inputs.filter((i) => i.follow).map((i) => followContainer(i, suffix.get(i.name)!, service, options)),
    ],
    volumes: [
      { name: PFS_VOLUME, emptyDir: service.memoryVolume ? { medium: 'Memory' } : {} },
      ...service.secrets.flatMap((s, i) => ('mountPath' in s ? [{ name: `secret-${i}`, secret: { secretName: s.name } }] : [])),
    ],
  };
  if (podSpec.initContainers instanceof Array && podSpec.initContainers.length === 0) delete podSpec.initContainers;
  // A service needs no Kubernetes API token (a notebook open on a NodePort must not hand one out), and
  // Service-link variables would clash with the service's own (a Service "jupyter" sets JUPYTER_PORT).
  podSpec.automountServiceAccountToken = false;
  podSpec.enableServiceLinks = false;
  if (service.imagePullSecrets.length > 0) podSpec.imagePullSecrets = service.imagePullSecrets.map((name) => ({ name }));
  if (Object.keys(service.nodeSelector).length > 0) podSpec.nodeSelector = service.nodeSelector;
  if (service.priorityClassName !== undefined) podSpec.priorityClassName = service.priorityClassName;
  if (service.tolerations.length > 0) podSpec.tolerations = service.tolerations;
  if (service.podSpec !== undefined) podSpec = mergePatch(podSpec, service.podSpec) as Record<string, unknown>;
  if (service.podPatch !== undefined) podSpec = jsonPatch(podSpec, service.podPatch) as Record<string, unknown>;
  if (podSpec === null || typeof podSpec !== 'object' || Array.isArray(podSpec)) {
    throw new PatchError(service.podPatch ? 'pod_patch' : 'pod_spec', 'the patched pod spec is no longer an object');
  }

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
