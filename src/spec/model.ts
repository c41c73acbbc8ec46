// The canonical service: what every dialect of spec becomes once read and checked.
// render/ builds Kubernetes objects from this and from nothing else.
import type { CommitRef } from './ref.ts';

export type Dialect = 'pachyderm-1.x' | 'pachyderm-2.x' | 'pachyderm-2.x-camel';
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';
export type OnNewData = 'live' | 'restart';

export interface ServiceSpec {
  /** The Kubernetes name (DNS-1123 label) of every object of this service. */
  name: string;
  description?: string;
  /** The Pachyderm project of inputs that name none. */
  project?: string;
  image: string;
  cmd: string[];
  stdin: string[];
  env: Record<string, string>;
  secrets: SecretRef[];
  imagePullSecrets: string[];
  user?: { uid: number; gid?: number };
  workingDir?: string;
  memoryVolume: boolean;
  replicas: number;
  inputs: Input[];
  /**
   * Set when the spec gave the service as spout.service (Pachyderm 2.x): a spout-service reads no inputs
   * and writes to Pachyderm itself, so its container gets pachd's address (and the auth token, if any).
   */
  spout?: boolean;
  port: {
    internal: number;
    external?: number;
    type: ServiceType;
  };
  onNewData: OnNewData;
  resources: { requests?: Resources; limits?: Resources };
  sidecarResources: { requests?: Resources; limits?: Resources };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  nodeSelector: Record<string, string>;
  priorityClassName?: string;
  tolerations: Toleration[];
  /** JSON merge patch (RFC 7386) for the pod spec. */
  podSpec?: Record<string, unknown>;
  /** JSON patch (RFC 6902) for the pod spec, applied after podSpec. */
  podPatch?: JsonPatchOperation[];
}

export interface Input {
  /** The directory under /pfs and the name of its environment variables. */
  name: string;
  repo: string;
  project?: string;
  ref: CommitRef;
  /** Keep the input on its branch's newest finished commit while the service runs. */
  follow: boolean;
}

export type SecretRef =
  | { name: string; mountPath: string }
  | { name: string; envVar: string; key: string };

export interface Resources {
  /** A Kubernetes quantity ("500m", "2"). */
  cpu?: string;
  memory?: string;
  disk?: string;
  gpu?: { type: string; number: number };
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}
