// Reading services back: the list (one request per kind, however many services) and one service's
// details (objects, pods, events, how to reach it).
import { managedSelector, NAME_LABEL, parseServingLine, recordedInputs, containerRole, type RecordedInput } from '../contract.ts';
import { type Cluster, KINDS } from './client.ts';
import { ClusterError } from './errors.ts';
import { serviceStatus, type PodState } from './status.ts';
import { columnIndex, tableRows, type KubeObject, type Table } from './types.ts';

export type InputSummary = RecordedInput;

export interface ServiceSummary {
  name: string;
  namespace: string;
  inputs: InputSummary[];
  type?: string;
  ports?: string;
  clusterIP?: string;
  externalIP?: string;
  image?: string;
  ready: string;
  status: string;
  created?: string;
  pods: PodState[];
}

export interface ListOptions {
  namespace?: string;
  allNamespaces: boolean;
  /** Extra label selector (-l), ANDed with pachsvc's own. */
  selector?: string;
}

/** Every service in a namespace (or all): three requests, whatever the count. */
export async function listServices(c: Cluster, options: ListOptions): Promise<ServiceSummary[]> {
  const ns = options.allNamespaces ? undefined : (options.namespace ?? c.namespace);
  const labelSelector = [managedSelector(), options.selector].filter(Boolean).join(',');
  const query = { labelSelector, includeObject: 'Metadata' };
  // Pods are the biggest answer, and most of their metadata is managedFields no one reads here: in one
  // namespace they are fetched bare and joined to their service by name (<name>-<hash>-<suffix>).
  const bare = ns !== undefined;
  const [deployments, services, pods] = await Promise.all([
    c.table(KINDS.Deployment, ns, query),
    c.table(KINDS.Service, ns, query),
    c.table(KINDS.Pod, ns, bare ? { ...query, includeObject: 'None' } : query),
  ]);
  if (bare && !podsJoinByName(pods, deployments, services)) {
    return summarize(deployments, services, await c.table(KINDS.Pod, ns, query), ns);
  }
  return summarize(deployments, services, pods, ns);
}

/** Whether every bare pod row can be given to a service by its name alone. */
function podsJoinByName(pods: Table, deployments: Table, services: Table): boolean {
  const names = serviceNames(deployments, services);
  const nameAt = columnIndex(pods, 'Name');
  return (pods.rows ?? []).every((r) => serviceOfPod(String(r.cells[nameAt] ?? ''), names) !== undefined);
}

function serviceNames(...tables: Table[]): Set<string> {
  const names = new Set<string>();
  for (const t of tables) for (const r of t.rows ?? []) if (r.object) names.add(r.object.metadata.labels?.[NAME_LABEL] ?? r.object.metadata.name);
  return names;
}

/**
 * The service a Deployment's pod belongs to, from the pod's name: `<deployment>-<template hash>-<5
 * characters>`, or, when that is over 63 characters, the first 58 characters of `<deployment>-<hash>-`
 * followed by 5 (Kubernetes' generateName). Undefined when the name does not say for sure.
 */
export function serviceOfPod(pod: string, names: Set<string>): string | undefined {
  const m = /^(.+)-[a-z0-9]+-[a-z0-9]{5}$/.exec(pod);
  if (m && names.has(m[1]!)) return m[1];
  if (pod.length !== 63) return undefined;
  const matches = [...names].filter((n) => `${n}-`.length >= 58 && pod.startsWith(`${n}-`.slice(0, 58)));
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * Joins the three tables by service (the name label) into one summary per service. Pod rows without
 * an object (fetched bare, in `namespace`) are joined by their names.
 */
export function summarize(deployments: Table, services: Table, pods: Table, namespace?: string): ServiceSummary[] {
  const key = (o: KubeObject | undefined) => `${o?.metadata.namespace ?? ''}/${o?.metadata.labels?.[NAME_LABEL] ?? o?.metadata.name}`;
  const names = serviceNames(deployments, services);
  const byKey = new Map<string, ServiceSummary>();
  const entry = (o: KubeObject | undefined): ServiceSummary => {
    const k = key(o);
    let s = byKey.get(k);
    if (!s) {
      s = { name: o?.metadata.labels?.[NAME_LABEL] ?? o?.metadata.name ?? '', namespace: o?.metadata.namespace ?? '', inputs: [], ready: '0/0', status: '', pods: [] };
      byKey.set(k, s);
    }
    return s;
  };
  const deleting = new Set<string>();
  const replicas = new Map<string, number>();
  for (const row of tableRows(deployments)) {
    const s = entry(row.object);
    const meta = row.object?.metadata;
    s.ready = String(row.cells.Ready ?? '0/0');
    replicas.set(key(row.object), Number(s.ready.split('/')[1] ?? 0));
    s.image = String(row.cells.Images ?? '').split(',')[0] || undefined;
    s.inputs = recordedInputs(meta?.annotations);
    if (meta?.creationTimestamp) s.created = meta.creationTimestamp;
    if (meta?.deletionTimestamp) deleting.add(key(row.object));
  }
  for (const row of tableRows(services)) {
    const s = entry(row.object);
    s.type = String(row.cells.Type ?? '');
    s.clusterIP = cell(row.cells['Cluster-IP']);
    s.externalIP = cell(row.cells['External-IP']);
    s.ports = portsPhrase(String(row.cells['Port(s)'] ?? ''), s.type);
    s.created ??= row.object?.metadata.creationTimestamp;
  }
  for (const row of tableRows(pods)) {
    const owner = row.object ?? bareOwner(String(row.cells.Name ?? ''), names, namespace);
    if (!owner) continue;
    entry(owner).pods.push({
      name: String(row.cells.Name ?? row.object?.metadata.name ?? ''),
      status: String(row.cells.Status ?? ''),
      ready: String(row.cells.Ready ?? '0/0'),
      restarts: String(row.cells.Restarts ?? '0'),
      node: cell(row.cells.Node),
    });
  }
  const out = [...byKey.entries()].map(([k, s]) => {
    if (!replicas.has(k)) s.status = 'Incomplete (no Deployment)';
    else if (s.type === undefined) s.status = 'Incomplete (no Service)';
    else s.status = serviceStatus(s.pods, replicas.get(k) ?? 0, deleting.has(k));
    return s;
  });
  // Names are DNS labels: plain comparison sorts them as kubectl does, and much faster than localeCompare.
  return out.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A stand-in object for a bare pod row, carrying what the join needs. */
function bareOwner(pod: string, names: Set<string>, namespace: string | undefined): KubeObject | undefined {
  const service = serviceOfPod(pod, names);
  if (service === undefined) return undefined;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: namespace ?? '', labels: { [NAME_LABEL]: service } } };
}

function cell(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' || v === '<none>' ? undefined : String(v);
}

/** `8888:30888/TCP` (what kubectl prints) → `8888→30888/NodePort`. */
export function portsPhrase(printed: string, type: string | undefined): string {
  return printed
    .split(',')
    .filter(Boolean)
    .map((p) => {
      const m = /^(\d+)(?::(\d+))?\/\w+$/.exec(p.trim());
      if (!m) return p;
      return type === 'NodePort' && m[2] ? `${m[1]}→${m[2]}/NodePort` : `${m[1]}/${type ?? 'ClusterIP'}`;
    })
    .join(',');
}

export interface ServiceDetails {
  summary: ServiceSummary;
  deployment?: KubeObject;
  service?: KubeObject;
  pods: KubeObject[];
  events: KubeObject[];
  /** Node addresses (for NodePort URLs); empty if the user may not list nodes. */
  nodes: { name: string; address: string }[];
}

/** Everything about one service, for `inspect` and for explaining why it is not ready. */
export async function describeService(c: Cluster, namespace: string, name: string): Promise<ServiceDetails> {
  const labelSelector = managedSelector(name);
  const [deployment, service, podTable] = await Promise.all([
    c.get(KINDS.Deployment, namespace, name),
    c.get(KINDS.Service, namespace, name),
    c.table(KINDS.Pod, namespace, { labelSelector, includeObject: 'Object' }),
  ]);
  if (!deployment && !service) {
    throw new ClusterError('NotFound', `Error from server (NotFound): service "${name}" not found in namespace ${namespace}`, 404);
  }
  const pods = tableRows(podTable)
    .map((r) => r.object)
    .filter((o): o is KubeObject => o !== undefined);
  const uids = new Set([deployment, service, ...pods].map((o) => o?.metadata.uid).filter(Boolean));
  const [events, nodes] = await Promise.all([
    c.request<{ items: KubeObject[] }>('GET', c.path(KINDS.Event, namespace), { query: { limit: 500 } }).then(
      (l) => l.items.filter((e) => uids.has((e.involvedObject as { uid?: string } | undefined)?.uid) || isReplicaSetOf(e, name, deployment)),
      () => [],
    ),
    service?.spec?.type === 'NodePort' || service?.spec?.type === 'LoadBalancer' ? nodeAddresses(c) : Promise.resolve([]),
  ]);
  const summary = summarize(
    asTable(deployment, { Ready: `${deployment?.status?.readyReplicas ?? 0}/${deployment?.spec?.replicas ?? 0}`, Images: deployment?.spec?.template?.spec?.containers?.[0]?.image }),
    asTable(service, { Type: service?.spec?.type, 'Cluster-IP': service?.spec?.clusterIP, 'External-IP': lbAddress(service), 'Port(s)': printedPorts(service) }),
    { kind: 'Table', columnDefinitions: podTable.columnDefinitions, rows: podTable.rows },
  )[0]!;
  return { summary, ...(deployment ? { deployment } : {}), ...(service ? { service } : {}), pods, events: sortEvents(events), nodes };
}

// ReplicaSet events name no Deployment; those of this service's ReplicaSets are the ones since it was created.
function isReplicaSetOf(e: KubeObject, name: string, deployment: KubeObject | undefined): boolean {
  const io = e.involvedObject as { kind?: string; name?: string } | undefined;
  const when = String(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '');
  const since = deployment?.metadata.creationTimestamp ?? '';
  return io?.kind === 'ReplicaSet' && typeof io.name === 'string' && io.name.startsWith(`${name}-`) && when >= since;
}

function sortEvents(events: KubeObject[]): KubeObject[] {
  const t = (e: KubeObject) => String(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '');
  return events.sort((a, b) => t(a).localeCompare(t(b))).slice(-20);
}

function asTable(obj: KubeObject | undefined, cells: Record<string, unknown>): Table {
  const names = Object.keys(cells);
  return { kind: 'Table', columnDefinitions: names.map((name) => ({ name })), rows: obj ? [{ cells: names.map((n) => cells[n]), object: obj }] : [] };
}

function printedPorts(service: KubeObject | undefined): string {
  const ports = (service?.spec?.ports ?? []) as { port: number; nodePort?: number; protocol?: string }[];
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function lbAddress(service: KubeObject | undefined): string | undefined {
  const ingress = (service?.status?.loadBalancer?.ingress ?? []) as { ip?: string; hostname?: string }[];
  return ingress.map((i) => i.ip ?? i.hostname).filter(Boolean).join(',') || undefined;
}

async function nodeAddresses(c: Cluster): Promise<{ name: string; address: string }[]> {
  try {
    const list = await c.request<{ items: KubeObject[] }>('GET', c.path(KINDS.Node, undefined));
    return list.items.map((n) => {
      const addresses = (n.status?.addresses ?? []) as { type: string; address: string }[];
      const pick = addresses.find((a) => a.type === 'ExternalIP') ?? addresses.find((a) => a.type === 'InternalIP');
      return { name: n.metadata.name, address: pick?.address ?? n.metadata.name };
    });
  } catch {
    return [];
  }
}

export interface ServedCommit {
  input: string;
  commit: string;
  /** When it started being served (the container's log timestamp). */
  since: string;
}

/**
 * The commit each input is serving now, as the checkout and follow containers logged it
 * (`… <input>: serving <repo>@<id> at /pfs/<input>`). Empty where the logs cannot be read.
 */
export async function servedCommits(c: Cluster, namespace: string, pod: KubeObject): Promise<ServedCommit[]> {
  const spec = pod.spec as { containers?: { name: string }[]; initContainers?: { name: string }[] } | undefined;
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((x) => x.name).filter((n) => containerRole(n) === 'checkout' || containerRole(n) === 'follow');
  const latest = new Map<string, ServedCommit>();
  for (const container of containers) {
    let text = '';
    try {
      text = await c.logTail(namespace, pod.metadata.name, container, 200);
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const served = parseServingLine(line);
      if (!served) continue;
      const { since, input, commit } = served;
      const prev = latest.get(input);
      if (!prev || prev.since <= since) latest.set(input, { input, commit, since });
    }
  }
  return [...latest.values()];
}

/** One key of a Secret, decoded (the Pachyderm token for pinning); undefined if it cannot be read. */
export async function readSecretKey(c: Cluster, namespace: string, name: string, key: string): Promise<string | undefined> {
  const secret = await c.request<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`);
  const value = secret.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8').trim();
}
