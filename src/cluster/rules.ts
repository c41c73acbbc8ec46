// What a verb may do to a service as it is in the cluster now, decided in one place for every verb:
// pachsvc touches only objects it manages; create is exclusive; update, rollback and edit need the
// service to exist; apply creates or updates; delete takes all of a service's objects or none.
// Pure: each decision either names the action or throws a ClusterError with a reason (never told apart
// by its message).
import { isManaged, MANAGED_BY, MANAGER, revisionOf } from '../contract.ts';
import { ClusterError, KubectlError } from './errors.ts';
import type { KubeObject } from './types.ts';

export type WriteVerb = 'create' | 'update' | 'apply' | 'rollback' | 'edit';

/** A service's objects as they are now. */
export interface Live {
  deployment?: KubeObject;
  service?: KubeObject;
}

export type WriteAction = 'create' | 'update';

/** The revision the service is at: the newer of its two objects' (one may be missing, or behind). */
export function currentRevision(live: Live): number {
  return Math.max(revisionOf(live.deployment), revisionOf(live.service));
}

export function liveObjects(live: Live): KubeObject[] {
  return [live.deployment, live.service].filter((o): o is KubeObject => o !== undefined);
}

/**
 * `create` when nothing of the service exists, `update` when something does (a half service, one
 * object without the other, is updated: the missing object is created again).
 */
export function decideWrite(verb: WriteVerb, live: Live, name: string, namespace: string, hint?: string): WriteAction {
  const foreign = liveObjects(live).find((o) => !isManaged(o));
  if (foreign) throw notManagedError(foreign, verb === 'create' ? 'replace' : 'change');
  const exists = liveObjects(live).length > 0;
  if (!exists) {
    if (verb === 'create' || verb === 'apply') return 'create';
    const how = hint ? `: create it with \`pachsvc create -f ${hint}\`` : '';
    throw new ClusterError('NotFound', `service "${name}" not found in namespace ${namespace}${how}`, 404);
  }
  if (verb === 'create') throw alreadyExists(name, namespace);
  return 'update';
}

/** The objects `delete` removes: all of the service's, if every one is pachsvc's. */
export function decideDelete(live: Live, name: string, namespace: string): KubeObject[] {
  const objects = liveObjects(live);
  if (objects.length === 0) throw notFound(name, namespace);
  const foreign = objects.find((o) => !isManaged(o));
  if (foreign) throw notManagedError(foreign, 'delete');
  return objects;
}

/** kubectl's words for a service that is not there. */
export function notFound(name: string, namespace: string): ClusterError {
  return new KubectlError('NotFound', `Error from server (NotFound): service "${name}" not found in namespace ${namespace}`, 404);
}

export function alreadyExists(name: string, namespace: string): ClusterError {
  return new ClusterError(
    'AlreadyExists',
    `service "${name}" already exists in namespace ${namespace}: use \`pachsvc update\` to change it, or \`pachsvc apply\` to create or update`,
    409,
  );
}

export function notManagedError(obj: KubeObject, what: string): ClusterError {
  const kind = obj.kind === 'Deployment' ? 'deployment.apps' : obj.kind.toLowerCase();
  return new ClusterError(
    'NotManaged',
    `${kind} "${obj.metadata.name}" in namespace ${obj.metadata.namespace ?? '?'} is not managed by pachsvc (it has no ${MANAGED_BY}=${MANAGER} label): refusing to ${what} it`,
  );
}
