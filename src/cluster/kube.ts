// The Kubernetes API as pachsvc's cluster layer uses it: a handful of typed calls. `HttpKube` makes them
// over the transport (client.ts); tests give the same layer an in-memory Kube, so every decision above it
// (what may be created, changed, deleted; what a list or an inspect shows) runs without a cluster.
import type { Duplex } from 'node:stream';
import type { Cluster } from './client.ts';
import { KINDS, type Kind, type KubeObject, type Table } from './types.ts';

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; with `continue`, the next page (as kubectl's --chunk-size). */
  limit?: number;
  continue?: string;
}

export interface TableQuery extends ListQuery {
  /** What each row carries: None, Metadata or Object. */
  includeObject?: 'None' | 'Metadata' | 'Object';
}

export interface ObjectList {
  items: KubeObject[];
  metadata?: { continue?: string; resourceVersion?: string };
}

export interface LogQuery {
  container: string;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
}

/** What the API server says of itself (GET /version), as `kubectl version` shows it. */
export interface ServerVersion {
  major: string;
  minor: string;
  /** `v1.35.8`. */
  gitVersion: string;
  gitCommit?: string;
  buildDate?: string;
  goVersion?: string;
  platform?: string;
}

export interface Kube {
  /** The namespace commands act in (-n, else the context's, else default). */
  readonly namespace: string;
  /** The API server's address, for messages. */
  readonly server: string;
  get(kind: Kind, namespace: string, name: string): Promise<KubeObject | undefined>;
  list(kind: Kind, namespace: string | undefined, query?: ListQuery): Promise<ObjectList>;
  /** Server-side printing (what `kubectl get` shows), one page. */
  table(kind: Kind, namespace: string | undefined, query?: TableQuery): Promise<Table>;
  /** POST: fails with AlreadyExists if the name is taken. */
  create(obj: KubeObject, namespace: string, options: { dryRun: boolean }): Promise<KubeObject>;
  /** Server-side apply as field manager pachsvc. A metadata.resourceVersion in obj is a precondition. */
  apply(obj: KubeObject, namespace: string, options: { dryRun: boolean; force: boolean }): Promise<KubeObject>;
  /** A JSON patch (RFC 6902). */
  patch(kind: Kind, namespace: string, name: string, ops: unknown[], options?: { dryRun?: boolean }): Promise<KubeObject>;
  /** Deletes the object; with uid, only that very object (never one recreated under its name). */
  delete(kind: Kind, namespace: string, name: string, options?: { uid?: string; dryRun?: boolean }): Promise<void>;
  /** A container's log as it arrives, in text chunks. */
  log(namespace: string, pod: string, query: LogQuery): Promise<AsyncIterable<string>>;
  /**
   * One stream to a port of a pod, through the API server (pods/portforward): what is written goes to
   * the pod's port, what the pod's port sends is read. One stream per forwarded TCP connection.
   */
  portForward(namespace: string, pod: string, port: number): Promise<Duplex>;
  /** The API server's version (GET /version). */
  version(): Promise<ServerVersion>;
  close(): void;
}

export class HttpKube implements Kube {
  constructor(private readonly c: Cluster) {}

  get namespace(): string {
    return this.c.namespace;
  }

  get server(): string {
    return this.c.server;
  }

  get(kind: Kind, namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.c.get(kind, namespace, name);
  }

  list(kind: Kind, namespace: string | undefined, query: ListQuery = {}): Promise<ObjectList> {
    return this.c.request<ObjectList>('GET', this.c.path(kind, namespace), { query: { ...query } });
  }

  table(kind: Kind, namespace: string | undefined, query: TableQuery = {}): Promise<Table> {
    return this.c.table(kind, namespace, { ...query });
  }

  create(obj: KubeObject, namespace: string, options: { dryRun: boolean }): Promise<KubeObject> {
    return this.c.create(obj, namespace, options.dryRun);
  }

  apply(obj: KubeObject, namespace: string, options: { dryRun: boolean; force: boolean }): Promise<KubeObject> {
    return this.c.apply(obj, namespace, options);
  }

  patch(kind: Kind, namespace: string, name: string, ops: unknown[], options: { dryRun?: boolean } = {}): Promise<KubeObject> {
    return this.c.patch(kind, namespace, name, ops, options);
  }

  delete(kind: Kind, namespace: string, name: string, options: { uid?: string; dryRun?: boolean } = {}): Promise<void> {
    return this.c.delete(kind, namespace, name, options.uid, options.dryRun ?? false);
  }

  async log(namespace: string, pod: string, query: LogQuery): Promise<AsyncIterable<string>> {
    const res = await this.c.stream(this.c.path(KINDS.Pod, namespace, pod, 'log'), {
      query: {
        container: query.container,
        follow: query.follow || undefined,
        tailLines: query.tailLines,
        sinceSeconds: query.sinceSeconds,
        timestamps: query.timestamps || undefined,
      },
    });
    res.setEncoding('utf8');
    return res as AsyncIterable<string>;
  }

  async portForward(namespace: string, pod: string, port: number): Promise<Duplex> {
    // Loaded by port-forward and open only: it loads the Kubernetes client for its WebSocket.
    const { openPodStream } = await import('./portforward.ts');
    return openPodStream(this.c, namespace, pod, port);
  }

  version(): Promise<ServerVersion> {
    return this.c.request<ServerVersion>('GET', '/version');
  }

  close(): void {
    this.c.close();
  }
}
