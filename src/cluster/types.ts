// The shapes of Kubernetes answers pachsvc reads. Only the fields it uses; everything else passes through.

/** The field manager pachsvc writes as (server-side apply, managedFields). */
export const FIELD_MANAGER = 'pachsvc';

export interface Kind {
  /** Path prefix of the kind's API: `/apis/apps/v1` or `/api/v1`. */
  api: string;
  /** Plural resource name: `deployments`. */
  resource: string;
}

export const KINDS = {
  Deployment: { api: '/apis/apps/v1', resource: 'deployments' },
  ReplicaSet: { api: '/apis/apps/v1', resource: 'replicasets' },
  Service: { api: '/api/v1', resource: 'services' },
  Pod: { api: '/api/v1', resource: 'pods' },
  Event: { api: '/api/v1', resource: 'events' },
  Node: { api: '/api/v1', resource: 'nodes' },
  Secret: { api: '/api/v1', resource: 'secrets' },
  ConfigMap: { api: '/api/v1', resource: 'configmaps' },
  Namespace: { api: '/api/v1', resource: 'namespaces' },
} satisfies Record<string, Kind>;

export type KindName = keyof typeof KINDS;

/** The API of an object's kind; only the kinds pachsvc reads and writes. */
export function kindOf(obj: { kind: string }): Kind {
  const kind = Object.hasOwn(KINDS, obj.kind) ? KINDS[obj.kind as KindName] : undefined;
  if (!kind) throw new Error(`pachsvc does not manage ${obj.kind} objects`);
  return kind;
}
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: Record<string, unknown>[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

/** Server-side printing (`Accept: application/json;as=Table`): what kubectl get shows. */
export interface Table {
  kind: 'Table';
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[]; object?: KubeObject }[];
}

/** The position of a column (`Name`, `Ready`, `Status`, …), or -1. */
export function columnIndex(table: Table, name: string): number {
  return (table.columnDefinitions ?? []).findIndex((c) => c.name === name);
}
