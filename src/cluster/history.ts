// A service's revisions, kept in the cluster beside it (no local state): one ConfigMap per revision,
// named <service>.pachsvc.r<N>, holding the objects that revision wrote (its spec and its pinned commits
// with them). Owned by the service's Deployment, so the garbage collector removes them with it; `delete`
// removes them too. At most --history-max are kept.
import { ANNOTATIONS, decodePins, decodeSpec, MANAGED_BY, MANAGER, REVISION_OF_LABEL, revisionOf, revisionRecordName } from '../contract.ts';
import { ClusterError } from './errors.ts';
import type { Kube } from './kube.ts';
import { KINDS, type KubeObject } from './types.ts';

export const DEFAULT_HISTORY_MAX = 10;

export interface Revision {
  revision: number;
  /** When it was written (the record's creation time). */
  time?: string;
  /** The verb that wrote it: create, update, apply, rollback, edit. */
  cause: string;
  /** The objects it wrote (as pachsvc rendered them). */
  objects: KubeObject[];
  /** The canonical spec and the pinned commits, from its Deployment. */
  spec?: Record<string, unknown>;
  pins: Record<string, string>;
}

const CAUSE = 'pachsvc.io/cause';

function isServiceObject(o: unknown, name: string): boolean {
  if (o === null || typeof o !== 'object') return false;
  const obj = o as Partial<KubeObject>;
  const kindOk = (obj.kind === 'Deployment' && obj.apiVersion === 'apps/v1') || (obj.kind === 'Service' && obj.apiVersion === 'v1');
  return kindOk && obj.metadata?.name === name;
}

/** Records revision n of a service: the objects written, owned by its Deployment. */
export async function recordRevision(
  c: Kube,
  namespace: string,
  name: string,
  entry: { revision: number; cause: string; objects: KubeObject[]; owner: KubeObject },
): Promise<void> {
  const record: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: revisionRecordName(name, entry.revision),
      labels: { [MANAGED_BY]: MANAGER, [REVISION_OF_LABEL]: name },
      annotations: { [ANNOTATIONS.revision]: String(entry.revision), [CAUSE]: entry.cause },
      ...(entry.owner.metadata.uid
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: entry.owner.metadata.uid, blockOwnerDeletion: false, controller: false }] }
        : {}),
    } as KubeObject['metadata'],
    data: { objects: JSON.stringify(entry.objects.map(bare)) },
  };
  const existing = await c.get(KINDS.ConfigMap, namespace, record.metadata.name);
  if (existing && existing.metadata.labels?.[MANAGED_BY] !== MANAGER) {
    throw new ClusterError('NotManaged', `configmap "${record.metadata.name}" exists and is not pachsvc's: revision ${entry.revision} was not recorded`);
  }
  await c.apply(record, namespace, { dryRun: false, force: true });
}

/** Every recorded revision of a service, oldest first. */
export async function listRevisions(c: Kube, namespace: string, name: string): Promise<Revision[]> {
  const list = await c.list(KINDS.ConfigMap, namespace, { labelSelector: `${MANAGED_BY}=${MANAGER},${REVISION_OF_LABEL}=${name}` });
  const revisions: Revision[] = [];
  for (const cm of list.items) {
    const n = revisionOf(cm);
    if (n === 0) continue;
    let objects: KubeObject[] = [];
    try {
      const parsed = JSON.parse(String((cm.data as Record<string, string> | undefined)?.objects ?? '[]'));
      // Only what pachsvc records: the service's Deployment and Service (a record is a ConfigMap, which
      // others may edit; nothing else in it is ever read).
      if (Array.isArray(parsed)) objects = parsed.filter((o): o is KubeObject => isServiceObject(o, name));
    } catch {
      continue;
    }
    const deployment = objects.find((o) => o.kind === 'Deployment');
    const spec = decodeSpec(deployment?.metadata.annotations);
    revisions.push({
      revision: n,
      ...(cm.metadata.creationTimestamp ? { time: cm.metadata.creationTimestamp } : {}),
      cause: cm.metadata.annotations?.[CAUSE] ?? '',
      objects,
      ...(spec ? { spec } : {}),
      pins: decodePins(deployment?.metadata.annotations),
    });
  }
  return revisions.sort((a, b) => a.revision - b.revision);
}

/** Deletes all but the newest `keep` records. */
export async function pruneRevisions(c: Kube, namespace: string, name: string, keep: number, revisions?: Revision[]): Promise<void> {
  const all = revisions ?? (await listRevisions(c, namespace, name));
  for (const r of all.slice(0, Math.max(0, all.length - keep))) await deleteRecord(c, namespace, name, r.revision);
}

/** Deletes every record of a service (delete does it; the garbage collector would too, later). */
export async function deleteRevisions(c: Kube, namespace: string, name: string, options: { dryRun?: boolean } = {}): Promise<void> {
  for (const r of await listRevisions(c, namespace, name)) await deleteRecord(c, namespace, name, r.revision, options.dryRun);
}

async function deleteRecord(c: Kube, namespace: string, name: string, revision: number, dryRun = false): Promise<void> {
  try {
    await c.delete(KINDS.ConfigMap, namespace, revisionRecordName(name, revision), { dryRun });
  } catch (err) {
    if (!(err instanceof ClusterError && err.reason === 'NotFound')) throw err;
  }
}

/** An object as pachsvc wrote it: no server fields, no revision (a rollback writes its own). */
function bare(o: KubeObject): KubeObject {
  const { [ANNOTATIONS.revision]: _revision, ...annotations } = o.metadata.annotations ?? {};
  void _revision;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: o.metadata.name,
      ...(o.metadata.labels ? { labels: o.metadata.labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    ...(o.spec ? { spec: o.spec } : {}),
  };
}
