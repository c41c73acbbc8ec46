// `list`: every service in a namespace (or all), from three server-printed tables joined by service,
// however many services there are.
import { managedSelector, NAME_LABEL, recordedInputs, type RecordedInput } from '../contract.ts';
import type { Kube } from './kube.ts';
import { serviceStatus, type PodState } from './status.ts';
import { columnIndex, KINDS, tableRows, type KubeObject, type Table } from './types.ts';

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
export async function listServices(c: Kube, options: ListOptions): Promise<ServiceSummary[]> {
  const ns = options.allNamespaces ? undefined : (options.namespace ?? c.namespace);
  const labelSelector = [managedSelector(), options.selector].filter(Boolean).join(',');
  const query = { labelSelector, includeObject: 'Metadata' as const };
  // Pods are the biggest answer, and most of their metadata is managedFields no one reads here: in one
  // namespace they are fetched bare and joined to their service by name (<name>-<hash>-<suffix>).
  const bare = ns !== undefined;
  const [deployments, services, pods] = await Promise.all([
    c.table(KINDS.Deployment, ns, query),
    c.table(KINDS.Service, ns, query),
    c.table(KINDS.Pod, ns, bare ? { ...query, includeObject: 'None' as const } : query),
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
