// Creating, changing and deleting a service's objects (its Service and Deployment), all or nothing.
import { isManaged, MANAGED_BY, MANAGER } from '../contract.ts';
import { type Cluster, kindOf, KINDS, FIELD_MANAGER } from './client.ts';
import { ClusterError } from './errors.ts';
import type { KubeObject } from './types.ts';

export type Outcome = 'created' | 'configured' | 'unchanged';

export interface WriteOptions {
  namespace: string;
  /** server: the API server checks everything and stores nothing. */
  dryRun: boolean;
}

/** The objects of the service `name` that exist now. */
export async function readLive(c: Cluster, namespace: string, name: string): Promise<{ deployment?: KubeObject; service?: KubeObject }> {
  const [deployment, service] = await Promise.all([
    c.get(KINDS.Deployment, namespace, name),
    c.get(KINDS.Service, namespace, name),
  ]);
  return { ...(deployment ? { deployment } : {}), ...(service ? { service } : {}) };
}

export function notManagedError(obj: KubeObject, what: string): ClusterError {
  const kind = obj.kind === 'Deployment' ? 'deployment.apps' : 'service';
  return new ClusterError(
    'NotManaged',
    `${kind} "${obj.metadata.name}" in namespace ${obj.metadata.namespace ?? '?'} is not managed by pachsvc (it has no ${MANAGED_BY}=${MANAGER} label): refusing to ${what} it`,
  );
}

// The Service goes first: a taken NodePort, the commonest conflict, then fails before any pod starts.
function ordered(objects: KubeObject[]): KubeObject[] {
  return [...objects].sort((a, b) => (a.kind === 'Service' ? 0 : 1) - (b.kind === 'Service' ? 0 : 1));
}

/**
 * Creates every object, or none: POST is exclusive (a second `create` of the same name gets
 * AlreadyExists), and if any object fails, the ones this call created are deleted again.
 */
export async function createObjects(c: Cluster, objects: KubeObject[], options: WriteOptions): Promise<KubeObject[]> {
  // Said plainly before trying: the API server would otherwise report a taken NodePort first.
  for (const obj of objects) {
    const live = await c.get(kindOf(obj), options.namespace, obj.metadata.name);
    if (live) throw await existsError(c, obj, options.namespace, new ClusterError('AlreadyExists', 'exists', 409));
  }
  const created: KubeObject[] = [];
  for (const obj of ordered(objects)) {
    try {
      created.push(await c.create(obj, options.namespace, options.dryRun));
    } catch (err) {
      const cause = err instanceof ClusterError && err.reason === 'AlreadyExists' ? await existsError(c, obj, options.namespace, err) : err;
      if (options.dryRun) throw cause;
      throw await rollback(c, created, options.namespace, obj, cause);
    }
  }
  if (!options.dryRun) {
    for (const obj of created) await adoptForApply(c, obj, options.namespace);
  }
  return created;
}

async function existsError(c: Cluster, obj: KubeObject, namespace: string, err: ClusterError): Promise<ClusterError> {
  const live = await c.get(kindOf(obj), namespace, obj.metadata.name).catch(() => undefined);
  if (live && !isManaged(live)) return notManagedError(live, 'replace');
  return new ClusterError(
    'AlreadyExists',
    `service "${obj.metadata.name}" already exists in namespace ${namespace}: use \`pachsvc update\` to change it, or \`pachsvc apply\` to create or update`,
    err.status,
  );
}

async function rollback(c: Cluster, created: KubeObject[], namespace: string, failed: KubeObject, cause: unknown): Promise<Error> {
  const what = `${failed.kind.toLowerCase()} "${failed.metadata.name}"`;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const left: string[] = [];
  for (const obj of created.reverse()) {
    try {
      await c.delete(kindOf(obj), namespace, obj.metadata.name, obj.metadata.uid);
    } catch (err) {
      if (!(err instanceof ClusterError && err.reason === 'NotFound')) left.push(`${obj.kind.toLowerCase()}/${obj.metadata.name}`);
    }
  }
  const after =
    left.length > 0
      ? `; could not remove ${left.join(', ')}: delete ${left.length > 1 ? 'them' : 'it'} with \`pachsvc delete ${failed.metadata.name}\``
      : created.length > 0
        ? '; nothing was left behind'
        : '';
  const reasonCode = cause instanceof ClusterError ? cause.reason : 'Failed';
  if (cause instanceof ClusterError && created.length === 0 && left.length === 0) return cause;
  return new ClusterError(reasonCode, `creating ${what} failed: ${reason}${after}`, cause instanceof ClusterError ? cause.status : undefined);
}

/**
 * POST records its fields as an "Update" by pachsvc. Server-side apply only removes fields its own
 * "Apply" entry owns, so later updates could never drop a field set at create time. Re-labelling the
 * entry as an Apply (what kubectl's client-side-to-server-side migration does) fixes that.
 */
async function adoptForApply(c: Cluster, created: KubeObject, namespace: string): Promise<void> {
  // Controllers add their own entries meanwhile (the Deployment's status), so find ours afresh each try.
  for (let attempt = 0; attempt < 5; attempt++) {
    const obj = attempt === 0 ? created : await c.get(kindOf(created), namespace, created.metadata.name);
    if (!obj || obj.metadata.uid !== created.metadata.uid) return;
    const fields = obj.metadata.managedFields ?? [];
    const i = fields.findIndex((f) => f.manager === FIELD_MANAGER && f.operation === 'Update' && !f.subresource);
    if (i < 0) return;
    try {
      await c.patch(kindOf(obj), namespace, obj.metadata.name, [
        { op: 'test', path: `/metadata/managedFields/${i}/manager`, value: FIELD_MANAGER },
        { op: 'test', path: `/metadata/managedFields/${i}/operation`, value: 'Update' },
        { op: 'replace', path: `/metadata/managedFields/${i}/operation`, value: 'Apply' },
      ]);
      return;
    } catch (err) {
      // A test that failed (another writer moved the entries) is retried; anything else is not ours to fix.
      if (!(err instanceof ClusterError && (err.reason === 'Invalid' || err.reason === 'Conflict'))) return;
    }
  }
}

/**
 * Server-side apply of every object onto the live service. An object the API server would store
 * unchanged (checked with a dry run) is left alone, so `unchanged` means nothing was written.
 */
export async function applyObjects(
  c: Cluster,
  objects: KubeObject[],
  live: { deployment?: KubeObject; service?: KubeObject },
  options: WriteOptions,
): Promise<{ outcome: Outcome; objects: KubeObject[] }> {
  let changed = false;
  const results: KubeObject[] = [];
  for (const obj of ordered(objects)) {
    const current = obj.kind === 'Deployment' ? live.deployment : live.service;
    if (!current) {
      const [made] = await createObjects(c, [obj], options);
      results.push(made!);
      changed = true;
      continue;
    }
    const preview = await c.apply(obj, options.namespace, { dryRun: true, force: true });
    if (sameContent(preview, current)) {
      results.push(current);
      continue;
    }
    changed = true;
    results.push(options.dryRun ? preview : await c.apply(obj, options.namespace, { dryRun: false, force: true }));
  }
  return { outcome: changed ? 'configured' : 'unchanged', objects: results };
}

/** Same labels, annotations and spec, whatever the order of their keys. */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const pick = (o: KubeObject) => canonical([o.metadata.labels ?? {}, o.metadata.annotations ?? {}, o.spec ?? {}]);
  return pick(a) === pick(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Deletes the service's objects, only if every one of them is pachsvc's. Returns what it deleted. */
export async function deleteObjects(c: Cluster, namespace: string, name: string, options: { dryRun: boolean }): Promise<KubeObject[]> {
  const live = await readLive(c, namespace, name);
  const objects = [live.deployment, live.service].filter((o): o is KubeObject => o !== undefined);
  if (objects.length === 0) {
    throw new ClusterError('NotFound', `Error from server (NotFound): service "${name}" not found in namespace ${namespace}`, 404);
  }
  const foreign = objects.find((o) => !isManaged(o));
  if (foreign) throw notManagedError(foreign, 'delete');
  // A dry run of every deletion first: if one would be refused (RBAC, admission), none is done.
  const passes = options.dryRun ? [true] : [true, false];
  for (const dryRun of passes) {
    for (const obj of objects) {
      try {
        await c.delete(kindOf(obj), namespace, name, obj.metadata.uid, dryRun);
      } catch (err) {
        if (!(err instanceof ClusterError && err.reason === 'NotFound')) throw err;
      }
    }
  }
  return objects;
}
