// `inspect`: one service's objects, pods, events and nodes, read as objects, and its summary (the same
// fields a `list` row has) computed from them.
import { managedSelector, recordedInputs, revisionOf, SERVICE_CONTAINER } from '../contract.ts';
import { notFound } from './rules.ts';
import type { Kube } from './kube.ts';
import { portsPhrase, type ServiceSummary } from './list.ts';
import { podState, serviceStatus } from './status.ts';
import { KINDS, type KubeObject } from './types.ts';

export interface ServiceDetails {
  name: string;
  namespace: string;
  deployment?: KubeObject;
  service?: KubeObject;
  pods: KubeObject[];
  events: KubeObject[];
  /** Node addresses (for NodePort URLs); empty if the user may not list nodes. */
  nodes: { name: string; address: string }[];
}

/** Everything about one service; NotFound when it has neither object. */
export async function describeService(c: Kube, namespace: string, name: string): Promise<ServiceDetails> {
  const [deployment, service, pods] = await Promise.all([
    c.get(KINDS.Deployment, namespace, name),
    c.get(KINDS.Service, namespace, name),
    c.list(KINDS.Pod, namespace, { labelSelector: managedSelector(name) }),
  ]);
  if (!deployment && !service) throw notFound(name, namespace);
  const uids = new Set([deployment, service, ...pods.items].map((o) => o?.metadata.uid).filter(Boolean));
  const [events, nodes] = await Promise.all([
    c.list(KINDS.Event, namespace, { limit: 500 }).then(
      (l) => l.items.filter((e) => uids.has((e.involvedObject as { uid?: string } | undefined)?.uid) || isReplicaSetOf(e, name, deployment)),
      () => [],
    ),
    service?.spec?.type === 'NodePort' || service?.spec?.type === 'LoadBalancer' ? nodeAddresses(c) : Promise.resolve([]),
  ]);
  return {
    name,
    namespace,
    ...(deployment ? { deployment } : {}),
    ...(service ? { service } : {}),
    pods: pods.items,
    events: sortEvents(events),
    nodes,
  };
}

/** The service as a `list` row shows it, from its objects. */
export function summaryOf(d: ServiceDetails): ServiceSummary {
  const dep = d.deployment;
  const svc = d.service;
  const replicas = Number(dep?.spec?.replicas ?? 0);
  const pods = d.pods.map(podState);
  const type = svc?.spec?.type as string | undefined;
  const mixed = dep && svc && revisionOf(dep) !== revisionOf(svc);
  const status = !dep
    ? 'Incomplete (no Deployment)'
    : !svc
      ? 'Incomplete (no Service)'
      : mixed
        ? 'Mixed revisions'
        : serviceStatus(pods, replicas, Boolean(dep.metadata.deletionTimestamp));
  const containers = (dep?.spec?.template?.spec?.containers ?? []) as { name: string; image?: string }[];
  const summary: ServiceSummary = {
    name: d.name,
    namespace: d.namespace,
    inputs: recordedInputs(dep?.metadata.annotations),
    ready: `${dep?.status?.readyReplicas ?? 0}/${replicas}`,
    status,
    pods,
  };
  const image = containers.find((x) => x.name === SERVICE_CONTAINER)?.image ?? containers[0]?.image;
  if (image) summary.image = image;
  if (type) summary.type = type;
  if (svc) summary.ports = portsPhrase(printedPorts(svc), type);
  if (svc?.spec?.clusterIP && svc.spec.clusterIP !== 'None') summary.clusterIP = svc.spec.clusterIP;
  const lb = loadBalancerAddresses(svc);
  if (lb.length > 0) summary.externalIP = lb.join(',');
  const created = dep?.metadata.creationTimestamp ?? svc?.metadata.creationTimestamp;
  if (created) summary.created = created;
  return summary;
}

/**
 * What is wrong with the service's objects themselves, if anything: one missing (a create or delete that
 * stopped half way), or the two written by different writes. Said with what repairs it.
 */
export function integrityProblem(d: ServiceDetails): string | undefined {
  const repair = `\`pachsvc apply -f SPEC\` writes both objects again; \`pachsvc delete ${d.name}\` removes what is left`;
  if (!d.deployment) return `the Service exists without its Deployment (a create or delete stopped half way): ${repair}`;
  if (!d.service) return `the Deployment exists without its Service (a create or delete stopped half way): ${repair}`;
  const a = revisionOf(d.deployment);
  const b = revisionOf(d.service);
  if (a !== b) return `the Deployment is at revision ${a} and the Service at revision ${b} (a write stopped half way): ${repair}, \`pachsvc rollback ${d.name} --to-revision ${a}\` restores revision ${a} whole`;
  return undefined;
}

export function loadBalancerAddresses(service: KubeObject | undefined): string[] {
  const ingress = (service?.status?.loadBalancer?.ingress ?? []) as { ip?: string; hostname?: string }[];
  return ingress.map((i) => i.ip ?? i.hostname).filter((a): a is string => Boolean(a));
}

// kubectl's PORT(S) column: `8888:30888/TCP`.
function printedPorts(service: KubeObject): string {
  const ports = (service.spec?.ports ?? []) as { port: number; nodePort?: number; protocol?: string }[];
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

// ReplicaSet events name no Deployment; those of this service's ReplicaSets are the ones since it was created.
function isReplicaSetOf(e: KubeObject, name: string, deployment: KubeObject | undefined): boolean {
  const io = e.involvedObject as { kind?: string; name?: string } | undefined;
  const since = deployment?.metadata.creationTimestamp ?? '';
  return io?.kind === 'ReplicaSet' && typeof io.name === 'string' && io.name.startsWith(`${name}-`) && eventTime(e) >= since;
}

export function eventTime(e: KubeObject): string {
  return String(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '');
}

function sortEvents(events: KubeObject[]): KubeObject[] {
  return events.sort((a, b) => (eventTime(a) < eventTime(b) ? -1 : eventTime(a) > eventTime(b) ? 1 : 0)).slice(-20);
}

async function nodeAddresses(c: Kube): Promise<{ name: string; address: string }[]> {
  try {
    const list = await c.list(KINDS.Node, undefined);
    return list.items.map((n) => {
      const addresses = (n.status?.addresses ?? []) as { type: string; address: string }[];
      const pick = addresses.find((a) => a.type === 'ExternalIP') ?? addresses.find((a) => a.type === 'InternalIP');
      return { name: n.metadata.name, address: pick?.address ?? n.metadata.name };
    });
  } catch {
    return [];
  }
}
