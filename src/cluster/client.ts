// The one door to the Kubernetes API. Server-side apply goes through @kubernetes/client-node's typed
// API; reads, creates, deletes and streams are plain HTTPS requests with the kubeconfig's TLS and
// credentials, so that lists can ask the server for compact tables, nothing passes through a
// serializer that drops fields, and read-only commands never load the client (it takes longer to
// load than kubectl takes to answer).
import http from 'node:http';
import https from 'node:https';
import type { AppsV1Api, ConfigurationOptions, CoreV1Api, KubeConfig, ObservableMiddleware, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { loadConfig, type ClusterConfig, type ConnectOptions } from './config.ts';
import { ClusterError, fromStatus, toClusterError } from './errors.ts';
import type { KubeObject, Table } from './types.ts';

export const FIELD_MANAGER = 'pachsvc';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
}

export interface Kind {
  /** Path prefix of the kind's API: `/apis/apps/v1` or `/api/v1`. */
  api: string;
  /** Plural resource name: `deployments`. */
  resource: string;
}

export const KINDS = {
  Deployment: { api: '/apis/apps/v1', resource: 'deployments' },
  Service: { api: '/api/v1', resource: 'services' },
  Pod: { api: '/api/v1', resource: 'pods' },
  Event: { api: '/api/v1', resource: 'events' },
  Node: { api: '/api/v1', resource: 'nodes' },
} satisfies Record<string, Kind>;

export function kindOf(obj: { kind: string }): Kind {
  const kind = KINDS[obj.kind as keyof typeof KINDS];
  if (!kind) throw new Error(`pachsvc does not manage ${obj.kind} objects`);
  return kind;
}

export class Cluster {
  readonly namespace: string;
  readonly server: string;
  private readonly config: ClusterConfig;
  private readonly agent: http.Agent;
  private client?: Promise<{ kc: KubeConfig; apps: AppsV1Api; core: CoreV1Api; k8s: typeof import('@kubernetes/client-node') }>;

  private constructor(config: ClusterConfig) {
    this.config = config;
    this.namespace = config.namespace;
    this.server = config.server;
    const secure = config.server.startsWith('https:');
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 8 }) : new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  static async connect(options: ConnectOptions): Promise<Cluster> {
    return new Cluster(await loadConfig(options));
  }

  /** The URL path of a namespaced collection or object. */
  path(kind: Kind, namespace: string | undefined, name?: string, sub?: string): string {
    const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
    const n = name === undefined ? '' : `/${encodeURIComponent(name)}`;
    return `${kind.api}${ns}/${kind.resource}${n}${sub ? `/${sub}` : ''}`;
  }

  /** One request; resolves to the parsed JSON answer, rejects with a ClusterError. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, options);
    const text = await readAll(res);
    if ((res.statusCode ?? 0) >= 300) throw fromStatus(res.statusCode ?? 0, text, this.server);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** A request whose answer is read as a stream (logs, watches). */
  async stream(path: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
    const res = await this.send('GET', path, options, false);
    if ((res.statusCode ?? 0) >= 300) throw fromStatus(res.statusCode ?? 0, await readAll(res), this.server);
    return res;
  }

  /** The last lines of a container's log, as text. */
  async logTail(namespace: string, pod: string, container: string, tailLines: number): Promise<string> {
    return readAll(await this.stream(this.path(KINDS.Pod, namespace, pod, 'log'), { query: { container, tailLines } }));
  }

  /** A list as the server prints it for kubectl (server-side printing), one request. */
  table(kind: Kind, namespace: string | undefined, query: RequestOptions['query']): Promise<Table> {
    return this.request<Table>('GET', this.path(kind, namespace), { query, accept: TABLE });
  }

  /** Returns the object, or undefined if there is none. */
  async get<T extends KubeObject>(kind: Kind, namespace: string, name: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', this.path(kind, namespace, name));
    } catch (err) {
      if (err instanceof ClusterError && err.reason === 'NotFound') return undefined;
      throw err;
    }
  }

  /** Creates the object (fails if one of that name exists: this is what makes `create` exclusive). */
  create<T extends KubeObject>(obj: KubeObject, namespace: string, dryRun: boolean): Promise<T> {
    return this.request<T>('POST', this.path(kindOf(obj), namespace), {
      query: { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict', dryRun: dryRun ? 'All' : undefined },
      body: obj,
    });
  }

  /** Server-side apply (field manager pachsvc), through client-node's typed API. */
  async apply<T extends KubeObject>(obj: KubeObject, namespace: string, options: { dryRun: boolean; force: boolean }): Promise<T> {
    const typed = await this.typedClient();
    const request = {
      name: obj.metadata.name,
      namespace,
      body: obj,
      fieldManager: FIELD_MANAGER,
      fieldValidation: 'Strict',
      force: options.force,
      ...(options.dryRun ? { dryRun: 'All' } : {}),
    };
    const opts = await this.requestOptions(typed.k8s.setHeaderOptions('Content-Type', typed.k8s.PatchStrategy.ServerSideApply));
    try {
      if (obj.kind === 'Deployment') return (await typed.apps.patchNamespacedDeployment(request, opts)) as unknown as T;
      if (obj.kind === 'Service') return (await typed.core.patchNamespacedService(request, opts)) as unknown as T;
    } catch (err) {
      throw toClusterError(err, this.server, this.config.requestTimeoutMs);
    }
    throw new Error(`pachsvc does not apply ${obj.kind} objects`);
  }

  /** A JSON patch (RFC 6902). */
  patch<T extends KubeObject>(kind: Kind, namespace: string, name: string, ops: unknown[]): Promise<T> {
    return this.request<T>('PATCH', this.path(kind, namespace, name), { body: ops, contentType: 'application/json-patch+json', query: { fieldManager: FIELD_MANAGER } });
  }

  /** Deletes exactly the object with this uid (never one recreated under the same name meanwhile). */
  async delete(kind: Kind, namespace: string, name: string, uid?: string, dryRun = false): Promise<void> {
    // With a DeleteOptions body, the API server takes dryRun from the body (a query parameter is ignored).
    await this.request('DELETE', this.path(kind, namespace, name), {
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: 'Background',
        ...(uid ? { preconditions: { uid } } : {}),
        ...(dryRun ? { dryRun: ['All'] } : {}),
      },
    });
  }

  private typedClient() {
    this.client ??= (async () => {
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      kc.loadFromString(JSON.stringify(this.config.clientConfig));
      return { k8s, kc, apps: kc.makeApiClient(k8s.AppsV1Api), core: kc.makeApiClient(k8s.CoreV1Api) };
    })();
    return this.client;
  }

  // --request-timeout for the typed API: a middleware that gives each request an abort signal.
  private async requestOptions(base: ConfigurationOptions<ObservableMiddleware>): Promise<ConfigurationOptions<ObservableMiddleware>> {
    const ms = this.config.requestTimeoutMs;
    if (!ms) return base;
    const { of } = await import('@kubernetes/client-node/dist/gen/rxjsStub.js');
    const timeout: ObservableMiddleware = {
      pre: (ctx: RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(ms));
        return of(ctx);
      },
      post: (res: ResponseContext) => of(res),
    };
    return { ...base, middleware: [...(base.middleware ?? []), timeout], middlewareMergeStrategy: 'append' };
  }

  private async send(method: string, path: string, options: RequestOptions, timed = true): Promise<http.IncomingMessage> {
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req: https.RequestOptions = {
      method,
      agent: this.agent,
      ...this.config.tls,
      headers: {
        Accept: options.accept ?? 'application/json',
        'User-Agent': 'pachsvc',
        ...(body !== undefined ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}),
      },
    };
    try {
      const auth = await this.config.authorization();
      if (auth) (req.headers as Record<string, string>).Authorization = auth;
      // Legacy auth-provider plugins and proxies: client-node knows them.
      if (this.config.needsClient) await (await this.typedClient()).kc.applyToHTTPSOptions(req);
    } catch (err) {
      if (err instanceof ClusterError) throw err;
      throw new ClusterError('Unauthorized', `cannot get credentials for ${this.server}: ${(err as Error).message}`);
    }
    const lib = url.protocol === 'https:' ? https : http;
    const ms = this.config.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const r = lib.request(url, req, resolve);
      r.on('error', (err) => reject(toClusterError(err, this.server, ms)));
      if (timed && ms > 0) {
        r.setTimeout(ms, () => r.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
      }
      if (body !== undefined) r.write(body);
      r.end();
    });
  }

  /** Lets the process exit as soon as the command is done (keep-alive sockets would hold it). */
  close(): void {
    this.agent.destroy();
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}
