// `list`: every service in a namespace (or all), from three server-printed tables joined by service,
// however many services there are. Each table is read in pages of 500 rows (`limit` and `continue`, as
// kubectl's --chunk-size), the three kinds at once, and each page is boiled down to the few strings a row
// shows before the next one is read: memory stays flat from ten services to tens of thousands.
import { managedSelector, NAME_LABEL, recordedInputs, type RecordedInput } from '../contract.ts';
import type { Kube, TableQuery } from './kube.ts';
import { serviceStatus, type PodState } from './status.ts';
import { KINDS, type Kind, type KubeObject, type Table } from './types.ts';

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

/** Rows a page holds, as kubectl's default --chunk-size. */
export const PAGE_SIZE = 500;

/**
 * Every service in a namespace (or all): each kind's table in pages, the three kinds concurrently.
 * In one namespace, Services and Pods are asked for without their objects (the cells say all a row
 * needs; most of an object's metadata is managedFields no one reads here) and joined to their service
 * by name; Deployments carry their metadata (the inputs are in its annotations).
 */
export async function listServices(c: Kube, options: ListOptions): Promise<ServiceSummary[]> {
  const ns = options.allNamespaces ? undefined : (options.namespace ?? c.namespace);
  const labelSelector = [managedSelector(), options.selector].filter(Boolean).join(',');
  const withObjects: TableQuery = { labelSelector, includeObject: 'Metadata' };
  const bare: TableQuery = ns !== undefined ? { labelSelector, includeObject: 'None' } : withObjects;
  const acc = new ServiceRows(ns);
  await Promise.all([
    eachPage(c, KINDS.Deployment, ns, withObjects, (page) => acc.addDeployments(page, true)),
    eachPage(c, KINDS.Service, ns, bare, (page) => acc.addServices(page, true)),
    eachPage(c, KINDS.Pod, ns, bare, (page) => acc.addPods(page, true)),
  ]);
  if (!acc.podsJoin()) {
    // A pod whose name does not say its service (not made by a Deployment of pachsvc's): read them
    // again with their labels.
    acc.clearPods();
    await eachPage(c, KINDS.Pod, ns, withObjects, (page) => acc.addPods(page, true));
  }
  // A Service without its Deployment (a half service) shows the Service's age: only then is it asked for.
  for (const s of acc.servicesWithoutCreation()) s.created = (await c.get(KINDS.Service, s.namespace, s.name).catch(() => undefined))?.metadata.creationTimestamp;
  return acc.summaries();
}

/** Reads a table page by page (PAGE_SIZE rows each), handing each page over before reading the next. */
async function eachPage(c: Kube, kind: Kind, ns: string | undefined, query: TableQuery, take: (page: Table) => void): Promise<void> {
  let next: string | undefined;
  do {
    const page = await c.table(kind, ns, { ...query, limit: PAGE_SIZE, ...(next ? { continue: next } : {}) });
    take(page);
    next = (page as { metadata?: { continue?: string } }).metadata?.continue || undefined;
  } while (next);
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
  const acc = new ServiceRows(namespace);
  acc.addDeployments(deployments);
  acc.addServices(services);
  acc.addPods(pods);
  return acc.summaries();
}

/**
 * A table's rows, one by one. With `release` (a page read for this list alone), each row is let go once
 * read, so the garbage collector need not keep the page for as long as its reading lasts.
 */
function* rowsOf(table: Table, release: boolean): Generator<{ name: string; object?: KubeObject; cell(column: string): unknown }> {
  const at = new Map<string, number>();
  table.columnDefinitions.forEach((c, i) => at.set(c.name, i));
  const rows = table.rows ?? [];
  let cells: unknown[] = [];
  const cell = (column: string) => {
    const i = at.get(column);
    return i === undefined ? undefined : cells[i];
  };
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (release) (rows as unknown[])[i] = undefined;
    cells = r.cells;
    const meta = r.object?.metadata;
    yield { name: String(meta?.name ?? cell('Name') ?? ''), ...(r.object ? { object: r.object } : {}), cell };
  }
}

/** A pod as its list row needs it, kept until every service's name is known (for the join by name). */
interface PodRow extends PodState {
  /** The service, when the row carried the pod's labels. */
  key?: string;
}

/** A service being summed up, with what only the summing needs. */
interface Entry {
  s: ServiceSummary;
  /** Replicas the Deployment wants; undefined: no Deployment. */
  replicas?: number;
  deleting?: boolean;
  hasService?: boolean;
  /** The Service's row carried its creation time. */
  serviceCreated?: boolean;
}

/** The summaries being built, page by page: a few strings per row, never the pages themselves. */
class ServiceRows {
  private readonly byKey = new Map<string, Entry>();
  private pods: PodRow[] = [];
  /** One copy of each namespace name, however many rows name it. */
  private readonly namespaces = new Map<string, string>();

  /** `namespace`: the one namespace listed, for rows that carry no object. */
  constructor(private readonly namespace: string | undefined) {}

  private ns(name: string): string {
    let kept = this.namespaces.get(name);
    if (kept === undefined) this.namespaces.set(name, (kept = name));
    return kept;
  }

  private keyOf(row: { name: string; object?: KubeObject }): { key: string; name: string; namespace: string } {
    const namespace = this.ns(row.object ? (row.object.metadata.namespace ?? '') : (this.namespace ?? ''));
    const name = row.object?.metadata.labels?.[NAME_LABEL] ?? row.name;
    return { key: `${namespace}/${name}`, name, namespace };
  }

  private entry(row: { name: string; object?: KubeObject }): Entry {
    const { key, name, namespace } = this.keyOf(row);
    let e = this.byKey.get(key);
    if (!e) {
      e = { s: { name, namespace, inputs: [], ready: '0/0', status: '', pods: [] } };
      this.byKey.set(key, e);
    }
    return e;
  }

  addDeployments(table: Table, release = false): void {
    for (const row of rowsOf(table, release)) {
      const e = this.entry(row);
      const s = e.s;
      const meta = row.object?.metadata;
      s.ready = String(row.cell('Ready') ?? '0/0');
      e.replicas = Number(s.ready.split('/')[1] ?? 0);
      const image = String(row.cell('Images') ?? '').split(',')[0];
      if (image) s.image = image;
      s.inputs = recordedInputs(meta?.annotations);
      if (meta?.creationTimestamp) s.created = meta.creationTimestamp;
      if (meta?.deletionTimestamp) e.deleting = true;
    }
  }

  addServices(table: Table, release = false): void {
    for (const row of rowsOf(table, release)) {
      const e = this.entry(row);
      const s = e.s;
      e.hasService = true;
      s.type = String(row.cell('Type') ?? '');
      const clusterIP = cell(row.cell('Cluster-IP'));
      if (clusterIP) s.clusterIP = clusterIP;
      const externalIP = cell(row.cell('External-IP'));
      if (externalIP) s.externalIP = externalIP;
      s.ports = portsPhrase(String(row.cell('Port(s)') ?? ''), s.type);
      const created = row.object?.metadata.creationTimestamp;
      if (created) e.serviceCreated = true;
      s.created ??= created;
    }
  }

  addPods(table: Table, release = false): void {
    for (const row of rowsOf(table, release)) {
      const node = cell(row.cell('Node'));
      this.pods.push({
        ...(row.object ? { key: this.keyOf(row).key } : {}),
        name: String(row.cell('Name') ?? row.name),
        status: String(row.cell('Status') ?? ''),
        ready: String(row.cell('Ready') ?? '0/0'),
        restarts: String(row.cell('Restarts') ?? '0'),
        ...(node ? { node } : {}),
      });
    }
  }

  clearPods(): void {
    this.pods = [];
  }

  /** Whether every bare pod row can be given to a service by its name alone. */
  podsJoin(): boolean {
    const names = this.names();
    return this.pods.every((p) => p.key !== undefined || serviceOfPod(p.name, names) !== undefined);
  }

  /** Services whose row carried no creation time and that have no Deployment to take it from. */
  servicesWithoutCreation(): ServiceSummary[] {
    return [...this.byKey.values()].filter((e) => e.hasService && !e.serviceCreated && e.s.created === undefined).map((e) => e.s);
  }

  private names(): Set<string> {
    return new Set([...this.byKey.values()].map((e) => e.s.name));
  }

  summaries(): ServiceSummary[] {
    const names = this.names();
    for (const p of this.pods) {
      const key = p.key ?? (this.namespace !== undefined ? keyByName(this.namespace, serviceOfPod(p.name, names)) : undefined);
      if (key === undefined) continue;
      const { key: _k, ...pod } = p;
      void _k;
      let e = this.byKey.get(key);
      if (!e) {
        const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
        e = { s: { name, namespace, inputs: [], ready: '0/0', status: '', pods: [] } };
        this.byKey.set(key, e);
      }
      e.s.pods.push(pod);
    }
    this.pods = [];
    const out = [...this.byKey.values()].map((e) => {
      const s = e.s;
      if (e.replicas === undefined) s.status = 'Incomplete (no Deployment)';
      else if (s.type === undefined) s.status = 'Incomplete (no Service)';
      else s.status = serviceStatus(s.pods, e.replicas, e.deleting === true);
      return s;
    });
    // Names are DNS labels: plain comparison sorts them as kubectl does, and much faster than localeCompare.
    return out.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  }
}

function keyByName(namespace: string, service: string | undefined): string | undefined {
  return service === undefined ? undefined : `${namespace}/${service}`;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
