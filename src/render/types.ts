// Plain Kubernetes object shapes, as much as render needs. Kept loose on purpose: these are built as
// literals and serialized, never read back through a typed client.
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  [key: string]: unknown;
};

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type Container = Record<string, unknown> & { name: string; image: string };
export type EnvVar = { name: string; value?: string; valueFrom?: Record<string, unknown> };

export interface RenderOptions {
  /** The checkout image: `pachyderm/pachctl:<version>`. */
  pachctlImage: string;
  /** Where checkout and follow containers, and a spout-service, reach pachd (`PACHD_ADDRESS`). */
  pachdAddress: string;
  /** A Secret holding a Pachyderm auth token for the checkout and follow containers (and a spout-service's `PACH_TOKEN`). */
  authSecret?: { name: string; key: string };
  /** Set metadata.namespace on every object (render -n); left out otherwise. */
  namespace?: string;
  /** Commit ids the inputs were pinned to at create time, by input name. */
  pins?: Record<string, string>;
  /** The pachsvc version, recorded on the objects. */
  version: string;
}

export const DEFAULT_PACHCTL_VERSION = '2.11.6';
export const DEFAULT_PACHYDERM_NAMESPACE = 'default';
export const DEFAULT_AUTH_SECRET_KEY = 'auth-token';

export function defaultPachdAddress(pachydermNamespace: string): string {
  return `grpc://pachd.${pachydermNamespace}.svc.cluster.local:30650`;
}
