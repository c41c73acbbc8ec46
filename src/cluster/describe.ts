// `inspect`: one service's objects, pods, events and nodes, read as objects, and its summary (the same
// fields a `list` row has) computed from them.
import { managedSelector, recordedInputs, revisionOf, SERVICE_CONTAINER } from '../contract.ts';
import { notFound } from './rules.ts';
import type { Kube } from './kube.ts';
import { servedCommits, type ServedCommit } from './logs.ts';
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
  /** The commits the first pod serves, from its checkout and follow logs (none if they cannot be read). */
  served: ServedCommit[];
}

/**
 * Everything about one service; NotFound when it has neither object. Two round trips: its objects, pods
 * and ReplicaSets at once; then, at once, every one's events, the nodes (for NodePort URLs) and the
 * commits its first pod serves (its checkout and follow logs).
 */
export async function describeService(c: Kube, namespace: string, name: string): Promise<ServiceDetails> {
  const [deployment, service, pods, sets] = await Promise.all([
    c.get(KINDS.Deployment, namespace, name),
    c.get(KINDS.Service, namespace, name),
    c.list(KINDS.Pod, namespace, { labelSelector: managedSelector(name) }),
    replicaSets(c, namespace, name),
  ]);
  if (!deployment && !service) throw notFound(name, namespace);
  // The Deployment's ReplicaSets: those with its labels that it owns (the owner's uid, not a name's prefix).
  const owned = deployment ? sets.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.uid === deployment.metadata.uid)) : [];
  const [events, nodes, served] = await Promise.all([
    eventsOf(c, namespace, [deployment, service, ...pods.items, ...owned]),
    service?.spec?.type === 'NodePort' || service?.spec?.type === 'LoadBalancer' ? nodeAddresses(c) : Promise.resolve([]),
    pods.items[0] ? servedCommits(c, namespace, pods.items[0]) : Promise.resolve([]),
  ]);
  return {
    name,
    namespace,
    ...(deployment ? { deployment } : {}),
    ...(service ? { service } : {}),
    pods: pods.items,
    events: sortEvents(events),
    nodes,
    served,
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

/** Events asked for at once (one request per object). */
const EVENT_REQUESTS = 8;
/** Events of one object, at most: more is not read (an object's events are few: the API server merges repeats). */
const EVENTS_PER_OBJECT = 500;

/**
 * The events of the service's objects: its Deployment, its Service, its pods and the Deployment's
 * ReplicaSets (which say why no pod was created: quota, admission). Asked for object by object
 * (involvedObject.uid), so a busy namespace hides none of them, and another service's objects (web-api's
 * ReplicaSets for web) are never taken for this one's. What cannot be read (RBAC) is left out.
 */
async function eventsOf(c: Kube, namespace: string, objects: (KubeObject | undefined)[]): Promise<KubeObject[]> {
  const uids = [...new Set(objects.map((o) => o?.metadata.uid).filter((u): u is string => Boolean(u)))];
  const lists = await inBatches(uids, EVENT_REQUESTS, (uid) =>
    c.list(KINDS.Event, namespace, { fieldSelector: `involvedObject.uid=${uid}`, limit: EVENTS_PER_OBJECT }).then(
      (l) => l.items,
      () => [],
    ),
  );
  return lists.flat();
}

/** The ReplicaSets with the service's labels (none if they cannot be read). */
async function replicaSets(c: Kube, namespace: string, name: string): Promise<KubeObject[]> {
  try {
    return (await c.list(KINDS.ReplicaSet, namespace, { labelSelector: managedSelector(name) })).items;
  } catch {
    return [];
  }
}

/** work(item) for every item, at most `size` at a time, the results in the items' order. */
async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
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
