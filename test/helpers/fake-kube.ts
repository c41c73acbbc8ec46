// An in-memory Kube for in-process command tests: it keeps objects, resourceVersions and uids, refuses
// what the API server refuses for pachsvc's decisions (AlreadyExists, NotFound, a stale resourceVersion,
// a uid precondition, injected Forbidden), computes the few table cells `list` reads, and records every
// call. It is for pachsvc's decisions, not for the Kubernetes API's behaviour: the end-to-end tests run
// against a real API server.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ClusterError } from '../../src/cluster/errors.ts';
import type { Kube, ListQuery, LogQuery, ObjectList, ServerVersion, TableQuery } from '../../src/cluster/kube.ts';
import { podState } from '../../src/cluster/status.ts';
import { FIELD_MANAGER, type Kind, type KubeObject, type Table } from '../../src/cluster/types.ts';
import { jsonPatch } from '../../src/render/patch.ts';

export interface Call {
  verb: 'get' | 'list' | 'table' | 'create' | 'apply' | 'patch' | 'delete' | 'log' | 'portforward' | 'version';
  resource: string;
  namespace?: string;
  name?: string;
  dryRun?: boolean;
  /** For apply: the resourceVersion precondition sent, if any. */
  resourceVersion?: string;
  /** For list: the field selector sent, if any. */
  fieldSelector?: string;
}

type Hook = (call: Call) => Promise<void> | void;

const WRITES = new Set(['create', 'apply', 'patch', 'delete']);

export class FakeKube implements Kube {
  readonly calls: Call[] = [];
  server = 'https://fake.invalid:6443';
  private readonly store = new Map<string, KubeObject>();
  private rv = 100;
  private uid = 0;
  private readonly denied: { verb: Call['verb']; resource: string }[] = [];
  private readonly logs = new Map<string, string>();
  /** Where a pod's forwarded ports lead: a local TCP port per pod (or per pod and port). */
  private readonly forwards = new Map<string, number>();
  /** What GET /version answers, or the error it fails with. */
  serverVersion: ServerVersion | Error = { major: '1', minor: '35', gitVersion: 'v1.35.8', platform: 'linux/amd64' };
  /** Runs before every write is carried out (tests use it to interleave another writer). */
  beforeWrite?: Hook;
  /** Creates one running, ready pod per replica when a Deployment is written. */
  autoPods = true;
  closed = false;

  constructor(readonly namespace = 'default') {}

  /** Refuse every `verb` on `resource` with Forbidden (as RBAC would). */
  deny(verb: Call['verb'], resource: string): void {
    this.denied.push({ verb, resource });
  }

  setLog(pod: string, container: string, text: string): void {
    this.logs.set(`${pod}/${container}`, text);
  }

  /** portForward to this pod (any port, or only `port`) connects to 127.0.0.1:`target`, as kwok's rules do. */
  forwardPod(pod: string, target: number, port?: number): void {
    this.forwards.set(port === undefined ? pod : `${pod}:${port}`, target);
  }

  /** The stored object, for assertions. */
  peek(resource: string, name: string, namespace = this.namespace): KubeObject | undefined {
    const o = this.store.get(key(resource, namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  /** Puts an object in as another client would (kubectl, a controller). */
  seed(resource: string, obj: KubeObject, namespace = this.namespace): KubeObject {
    const stored = this.stamp({ ...structuredClone(obj), metadata: { ...obj.metadata, namespace } }, undefined, 'kubectl');
    this.store.set(key(resource, namespace, obj.metadata.name), stored);
    return structuredClone(stored);
  }

  writes(): Call[] {
    return this.calls.filter((c) => WRITES.has(c.verb) && !c.dryRun);
  }

  private async record(call: Call): Promise<void> {
    this.calls.push(call);
    if (WRITES.has(call.verb) && this.beforeWrite) await this.beforeWrite(call);
    if (this.denied.some((d) => d.verb === call.verb && d.resource === call.resource)) {
      throw new ClusterError('Forbidden', `Error from server (Forbidden): ${call.resource} "${call.name ?? ''}" is forbidden: user cannot ${call.verb} ${call.resource}`, 403);
    }
  }

  private stamp(obj: KubeObject, was: KubeObject | undefined, manager: string, operation = 'Update'): KubeObject {
    obj.metadata.uid = was?.metadata.uid ?? `uid-${++this.uid}`;
    obj.metadata.resourceVersion = String(++this.rv);
    obj.metadata.creationTimestamp = was?.metadata.creationTimestamp ?? '2026-12-01T10:00:00Z';
    // As the API server records writers: a create is an "Update" entry of its manager; a JSON patch keeps
    // the entries as the patch left them (adoptForApply relabels one); a server-side apply by a manager
    // owns what it applied in that manager's one "Apply" entry.
    const entries = obj.metadata.managedFields ?? was?.metadata.managedFields ?? [{ manager, operation }];
    obj.metadata.managedFields = operation === 'Apply' ? [...entries.filter((f) => f.manager !== manager), { manager, operation }] : entries;
    if (obj.kind === 'Service') {
      const spec = (obj.spec ??= {});
      spec.clusterIP ??= was?.spec?.clusterIP ?? '10.96.0.10';
      for (const p of (spec.ports ?? []) as { nodePort?: number; port: number }[]) {
        if (spec.type === 'NodePort' && p.nodePort === undefined) p.nodePort = 30000 + (p.port % 2000);
      }
    }
    if (obj.kind === 'Deployment') {
      obj.metadata.generation = (was?.metadata.generation ?? 0) + 1;
      const replicas = obj.spec?.replicas ?? 1;
      obj.status = { observedGeneration: obj.metadata.generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
    }
    return obj;
  }

  private notFound(resource: string, name: string): ClusterError {
    return new ClusterError('NotFound', `Error from server (NotFound): ${resource} "${name}" not found`, 404);
  }

  async get(kind: Kind, namespace: string, name: string): Promise<KubeObject | undefined> {
    await this.record({ verb: 'get', resource: kind.resource, namespace, name });
    return this.peek(kind.resource, name, namespace);
  }

  async list(kind: Kind, namespace: string | undefined, query: ListQuery = {}): Promise<ObjectList> {
    await this.record({ verb: 'list', resource: kind.resource, ...(namespace ? { namespace } : {}), ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}) });
    const all = this.select(kind.resource, namespace, query.labelSelector).filter(fieldsMatch(query.fieldSelector));
    // As the API server pages: at most `limit` items, and a token for the rest.
    const from = query.continue ? Number(query.continue) : 0;
    const to = query.limit ? from + query.limit : all.length;
    return { items: all.slice(from, to), metadata: { resourceVersion: String(this.rv), ...(to < all.length ? { continue: String(to) } : {}) } };
  }

  private select(resource: string, namespace: string | undefined, selector: string | undefined): KubeObject[] {
    const wanted = (selector ?? '').split(',').filter(Boolean).map((s) => s.split('='));
    return [...this.store.entries()]
      .filter(([k]) => k.startsWith(namespace === undefined ? `${resource}/` : `${resource}/${namespace}/`))
      .map(([, v]) => structuredClone(v))
      .filter((o) => wanted.every(([k, v]) => o.metadata.labels?.[k!] === v))
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  }

  async table(kind: Kind, namespace: string | undefined, query: TableQuery = {}): Promise<Table> {
    await this.record({ verb: 'table', resource: kind.resource, ...(namespace ? { namespace } : {}) });
    const items = this.select(kind.resource, namespace, query.labelSelector);
    const columns = COLUMNS[kind.resource] ?? ['Name'];
    return {
      kind: 'Table',
      columnDefinitions: columns.map((name) => ({ name })),
      rows: items.map((o) => ({
        cells: cellsOf(kind.resource, o),
        ...(query.includeObject === 'None' ? {} : { object: query.includeObject === 'Metadata' ? { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: o.metadata } : o }),
      })),
    };
  }

  async create(obj: KubeObject, namespace: string, options: { dryRun: boolean }): Promise<KubeObject> {
    const resource = resourceOf(obj);
    await this.record({ verb: 'create', resource, namespace, name: obj.metadata.name, dryRun: options.dryRun });
    const k = key(resource, namespace, obj.metadata.name);
    if (this.store.has(k)) throw new ClusterError('AlreadyExists', `Error from server (AlreadyExists): ${resource} "${obj.metadata.name}" already exists`, 409);
    const stored = this.stamp({ ...structuredClone(obj), metadata: { ...structuredClone(obj.metadata), namespace } }, undefined, FIELD_MANAGER);
    if (options.dryRun) return stored;
    this.store.set(k, stored);
    this.afterWrite(stored, namespace);
    return structuredClone(stored);
  }

  async apply(obj: KubeObject, namespace: string, options: { dryRun: boolean; force: boolean }): Promise<KubeObject> {
    const resource = resourceOf(obj);
    const precondition = obj.metadata.resourceVersion;
    await this.record({ verb: 'apply', resource, namespace, name: obj.metadata.name, dryRun: options.dryRun, ...(precondition ? { resourceVersion: precondition } : {}) });
    const k = key(resource, namespace, obj.metadata.name);
    const was = this.store.get(k);
    if (precondition && was?.metadata.resourceVersion !== precondition) {
      throw new ClusterError('Conflict', `Error from server (Conflict): Operation cannot be fulfilled on ${resource} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`, 409);
    }
    const { resourceVersion: _ignored, ...meta } = structuredClone(obj.metadata);
    const merged: KubeObject = {
      ...structuredClone(was ?? {}),
      ...structuredClone(obj),
      metadata: {
        ...structuredClone(was?.metadata ?? {}),
        ...meta,
        namespace,
        labels: { ...was?.metadata.labels, ...obj.metadata.labels },
        annotations: { ...was?.metadata.annotations, ...obj.metadata.annotations },
      },
    } as KubeObject;
    if (was && obj.kind === 'Service') {
      merged.spec = { ...obj.spec, clusterIP: was.spec?.clusterIP };
      const oldPorts = (was.spec?.ports ?? []) as { port: number; nodePort?: number }[];
      merged.spec.ports = ((obj.spec?.ports ?? []) as { port: number; nodePort?: number }[]).map((p) => ({ ...p, nodePort: p.nodePort ?? oldPorts.find((o) => o.port === p.port)?.nodePort }));
    }
    if (was && sameJson(strip(merged), strip(was))) return structuredClone(was);
    const stored = this.stamp(merged, was, FIELD_MANAGER, 'Apply');
    if (was) stored.status = was.kind === 'Deployment' ? stored.status : was.status;
    if (options.dryRun) return stored;
    this.store.set(k, stored);
    this.afterWrite(stored, namespace);
    return structuredClone(stored);
  }

  async patch(kind: Kind, namespace: string, name: string, ops: unknown[], options: { dryRun?: boolean } = {}): Promise<KubeObject> {
    await this.record({ verb: 'patch', resource: kind.resource, namespace, name, dryRun: options.dryRun === true });
    const k = key(kind.resource, namespace, name);
    const was = this.store.get(k);
    if (!was) throw this.notFound(kind.resource, name);
    let patched: KubeObject;
    try {
      patched = jsonPatch(structuredClone(was), ops as never) as KubeObject;
    } catch (err) {
      throw new ClusterError('Invalid', `Error from server (Invalid): the patch did not apply: ${(err as Error).message}`, 422);
    }
    const stored = this.stamp(patched, was, FIELD_MANAGER);
    if (options.dryRun) return stored;
    this.store.set(k, stored);
    return structuredClone(stored);
  }

  async delete(kind: Kind, namespace: string, name: string, options: { uid?: string; dryRun?: boolean } = {}): Promise<void> {
    await this.record({ verb: 'delete', resource: kind.resource, namespace, name, dryRun: options.dryRun === true });
    const k = key(kind.resource, namespace, name);
    const was = this.store.get(k);
    if (!was) throw this.notFound(kind.resource, name);
    if (options.uid && was.metadata.uid !== options.uid) {
      throw new ClusterError('Conflict', `Error from server (Conflict): Precondition failed: UID in precondition: ${options.uid}, UID in object meta: ${was.metadata.uid}`, 409);
    }
    if (options.dryRun) return;
    this.store.delete(k);
    if (kind.resource === 'deployments') for (const pod of this.select('pods', namespace, `app.kubernetes.io/name=${name}`)) this.store.delete(key('pods', namespace, pod.metadata.name));
  }

  async log(namespace: string, pod: string, query: LogQuery): Promise<AsyncIterable<string>> {
    await this.record({ verb: 'log', resource: 'pods', namespace, name: pod });
    const text = this.logs.get(`${pod}/${query.container}`);
    if (text === undefined) throw new ClusterError('Failed', `Error from server (BadRequest): container "${query.container}" in pod "${pod}" is waiting to start`, 400);
    return (async function* () {
      yield text;
    })();
  }

  async portForward(namespace: string, pod: string, port: number): Promise<Duplex> {
    await this.record({ verb: 'portforward', resource: 'pods', namespace, name: pod });
    if (!this.store.has(key('pods', namespace, pod))) throw new ClusterError('NotFound', `Error from server (NotFound): pods "${pod}" not found`, 404);
    const target = this.forwards.get(`${pod}:${port}`) ?? this.forwards.get(pod);
    // A port nothing leads to fails as kwok's does (no forward found); a refused target as a kubelet's.
    if (target === undefined) throw new ClusterError('Failed', `no forward found for port ${port}`);
    const socket = net.connect(target, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (err) => reject(new ClusterError('Failed', `failed to dial 127.0.0.1:${target}: ${err.message}`)));
    });
    return socket;
  }

  async version(): Promise<ServerVersion> {
    await this.record({ verb: 'version', resource: 'version' });
    if (this.serverVersion instanceof Error) throw this.serverVersion;
    return { ...this.serverVersion };
  }

  close(): void {
    this.closed = true;
  }

  // A Deployment's pods: one running, ready pod per replica, named as the ReplicaSet controller names them.
  private afterWrite(obj: KubeObject, namespace: string): void {
    if (!this.autoPods || obj.kind !== 'Deployment') return;
    const name = obj.metadata.name;
    for (const pod of this.select('pods', namespace, `app.kubernetes.io/name=${name}`)) this.store.delete(key('pods', namespace, pod.metadata.name));
    const template = obj.spec?.template ?? {};
    for (let i = 0; i < (obj.spec?.replicas ?? 1); i++) {
      const podName = `${name}-7d9f8b6c5-${'abcde'.slice(0, 4)}${i}`;
      const containers = (template.spec?.containers ?? []) as { name: string }[];
      const inits = (template.spec?.initContainers ?? []) as { name: string }[];
      this.store.set(key('pods', namespace, podName), {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName, namespace, labels: { ...template.metadata?.labels }, uid: `uid-${++this.uid}`, creationTimestamp: '2026-12-01T10:00:00Z' },
        spec: { ...template.spec, nodeName: 'kwok-node-0' },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True' }],
          initContainerStatuses: inits.map((c) => ({ name: c.name, ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } })),
          containerStatuses: containers.map((c) => ({ name: c.name, ready: true, restartCount: 0, state: { running: {} } })),
        },
      });
    }
  }
}

const COLUMNS: Record<string, string[]> = {
  deployments: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector'],
  services: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
  pods: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node'],
};

function cellsOf(resource: string, o: KubeObject): unknown[] {
  if (resource === 'deployments') {
    const containers = (o.spec?.template?.spec?.containers ?? []) as { name: string; image: string }[];
    return [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, '1m', containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(','), ''];
  }
  if (resource === 'services') {
    const ports = (o.spec?.ports ?? []) as { port: number; nodePort?: number; protocol?: string }[];
    return [o.metadata.name, o.spec?.type ?? 'ClusterIP', o.spec?.clusterIP ?? '', '<none>', ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(','), '1m', ''];
  }
  if (resource === 'pods') {
    const s = podState(o as never);
    return [o.metadata.name, s.ready, s.status, Number(s.restarts ?? 0), '1m', '10.244.0.5', s.node ?? ''];
  }
  return [o.metadata.name];
}

/**
 * A field selector's test (`involvedObject.uid=…,type=Warning`: equality of dotted paths), as the API
 * server applies the ones it supports for a kind.
 */
function fieldsMatch(selector: string | undefined): (o: KubeObject) => boolean {
  const wanted = (selector ?? '')
    .split(',')
    .filter(Boolean)
    .map((s) => /^([^=!]+)==?(.*)$/.exec(s) ?? [s, s, undefined]);
  return (o) =>
    wanted.every(([, path, value]) => {
      let at: unknown = o;
      for (const part of path!.split('.')) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined;
      return at !== undefined && String(at) === value;
    });
}

function key(resource: string, namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`;
}

function resourceOf(obj: KubeObject): string {
  return { Deployment: 'deployments', Service: 'services', ConfigMap: 'configmaps', Secret: 'secrets', Pod: 'pods' }[obj.kind] ?? `${obj.kind.toLowerCase()}s`;
}

function strip(o: KubeObject): unknown {
  const { resourceVersion, managedFields, generation, ...meta } = o.metadata;
  void resourceVersion;
  void managedFields;
  void generation;
  return { ...o, metadata: meta, status: undefined };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sort(a)) === JSON.stringify(sort(b));
}

function sort(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sort);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sort(x)]));
  return v;
}
