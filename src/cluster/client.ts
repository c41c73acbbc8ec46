// The one door to the Kubernetes API: plain HTTPS requests with the kubeconfig's TLS and credentials,
// server-side apply included (one PATCH; JSON is YAML), so that lists can ask the server for compact
// tables, nothing passes through a serializer that drops fields, and no command loads the Kubernetes
// client (it takes longer to load than kubectl takes to answer). The client is loaded only for what the
// lean loader leaves to it: legacy auth-provider plugins and proxies (`needsClient`). Every request runs
// under the time limits of transport.ts.
import type http from 'node:http';
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadConfig, type ClusterConfig, type ConnectOptions } from './config.ts';
import { ClusterError, duration, fromResponse, notJson } from './errors.ts';
import { quote } from '../lib/text.ts';
import { continueToken, exchange, H2Connection, ManagedFieldsFilter, readAll, readBody, type Limits } from './transport.ts';
import { FIELD_MANAGER, KINDS, kindOf, type Kind, type KubeObject, type Table } from './types.ts';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
}

// The kinds and their API paths live with the other shapes; re-exported for the callers that took them from here.
export { FIELD_MANAGER, KINDS, kindOf, type Kind } from './types.ts';

/** A page read ahead: its answer, whether its reader has asked for it yet, and the page after it once known. */
interface PageAhead {
  table: Promise<Table>;
  claimed: boolean;
  next?: string;
}

function pageKey(path: string, query: RequestOptions['query']): string {
  const entries = Object.entries(query ?? {}).filter(([, v]) => v !== undefined);
  return `${path}?${entries
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('&')}`;
}

export class Cluster {
  readonly namespace: string;
  readonly server: string;
  /** The time limits every request runs under (--request-timeout, or client-go's defaults). */
  readonly limits: Readonly<Limits>;
  private readonly config: ClusterConfig;
  private agentInUse?: http.Agent;
  private streamAgentInUse?: http.Agent;
  private readonly inFlight = new Set<() => void>();
  private client?: Promise<KubeConfig>;
  /** HTTPS without a proxy: every request on one HTTP/2 connection (HTTP/1.1 if the server will not). */
  private readonly h2?: H2Connection;
  /** Pages of paged tables asked for before their reader asks (see table()), by path and query. */
  private readonly pagesAhead = new Map<string, PageAhead>();

  private constructor(config: ClusterConfig) {
    this.config = config;
    this.namespace = config.namespace;
    this.server = config.server;
    this.limits = config.limits;
    const secure = config.server.startsWith('https:');
    if (secure && !config.proxyUrl) this.h2 = new H2Connection(new URL(config.server), config.tls, config.limits, config.server);
  }

  /** Short HTTP/1.1 requests share a few kept-alive connections (made on first use: HTTP/2 needs none). */
  private get agent(): http.Agent {
    return (this.agentInUse ??= this.newAgent({ keepAlive: true, maxSockets: 8 }));
  }

  /** Streams (logs -f) over HTTP/1.1 hold their connection as long as they run: each gets its own. */
  private get streamAgent(): http.Agent {
    return (this.streamAgentInUse ??= this.newAgent({ keepAlive: false }));
  }

  private newAgent(options: http.AgentOptions): http.Agent {
    const secure = this.server.startsWith('https:');
    return secure ? new (process.getBuiltinModule('node:https').Agent)(options) : new (process.getBuiltinModule('node:http').Agent)(options);
  }

  /** A connection to the cluster the options name; its TLS handshake starts at once, while the command goes on. */
  static async connect(options: ConnectOptions): Promise<Cluster> {
    const cluster = new Cluster(await loadConfig(options));
    cluster.h2?.preconnect();
    return cluster;
  }

  /** A connection from a configuration already loaded (loadConfig). */
  static fromConfig(config: ClusterConfig): Cluster {
    return new Cluster(config);
  }

  /** The URL path of a namespaced collection or object. */
  path(kind: Kind, namespace: string | undefined, name?: string, sub?: string): string {
    const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
    const n = name === undefined ? '' : `/${encodeURIComponent(name)}`;
    return `${kind.api}${ns}/${kind.resource}${n}${sub ? `/${sub}` : ''}`;
  }

  /**
   * One request; resolves to the parsed JSON answer, rejects with a ClusterError. The body is sent as
   * JSON exactly as given (a metadata.resourceVersion in it is the server's precondition: 409 Conflict).
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, options, false);
    const text = await readAll(res, this.server, this.limits.requestMs);
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw fromResponse(code, res.headers['content-type'], text, this.server);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw notJson(code, res.headers['content-type'], this.server);
    }
  }

  /**
   * A request whose answer is read as a stream (logs). Without --request-timeout it may run for ever
   * once its headers came; with it, the stream ends at the deadline with a Timeout ClusterError, as
   * kubectl's (client-go's http.Client.Timeout bounds the body too).
   */
  async stream(path: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
    const res = await this.send('GET', path, options, true);
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw fromResponse(code, res.headers['content-type'], await readAll(res, this.server, this.limits.requestMs), this.server);
    return res;
  }

  /**
   * A list as the server prints it for kubectl (server-side printing), one request. Its rows' objects
   * come without their managedFields (most of the bytes, and read by no one from a list).
   *
   * A paged list (query.limit) is read ahead, one page at a time: a page names the next in its first
   * bytes (metadata.continue), and that next page is asked for then, while this one is still arriving
   * and being read, so the API server makes it meanwhile; the reader's call for it takes that answer.
   */
  table(kind: Kind, namespace: string | undefined, query: RequestOptions['query']): Promise<Table> {
    const path = this.path(kind, namespace);
    const ahead = this.pagesAhead.get(pageKey(path, query));
    if (ahead) {
      this.pagesAhead.delete(pageKey(path, query));
      ahead.claimed = true;
      if (ahead.next) this.readAhead(path, query, ahead.next);
      return ahead.table;
    }
    return this.readTable(path, query, query?.limit !== undefined ? (next) => this.readAhead(path, query, next) : undefined);
  }

  /** Asks for the page after the one of `query` (named by `next`), unless it is asked for already. */
  private readAhead(path: string, query: RequestOptions['query'], next: string): void {
    const nextQuery = { ...query, continue: next };
    const key = pageKey(path, nextQuery);
    if (this.pagesAhead.has(key)) return;
    const page: PageAhead = { claimed: false, table: Promise.resolve(undefined as unknown as Table) };
    // Only the page its reader has asked for reads further ahead: at most one page waits unread.
    page.table = this.readTable(path, nextQuery, (after) => {
      page.next = after;
      if (page.claimed) this.readAhead(path, nextQuery, after);
    });
    page.table.catch(() => undefined);
    this.pagesAhead.set(key, page);
  }

  private async readTable(path: string, query: RequestOptions['query'], onNext?: (next: string) => void): Promise<Table> {
    const res = await this.send('GET', path, { query, accept: TABLE }, false);
    const code = res.statusCode ?? 0;
    const ok = code >= 200 && code < 300;
    const sniff =
      onNext && ok
        ? (head: string) => {
            const next = continueToken(head);
            if (next) onNext(next);
            return next !== undefined;
          }
        : undefined;
    const body = await readBody(res, this.server, this.limits.requestMs, sniff, ok ? new ManagedFieldsFilter() : undefined);
    if (!ok) throw fromResponse(code, res.headers['content-type'], body.toString('utf8'), this.server);
    if (body.length === 0) return undefined as unknown as Table;
    try {
      return JSON.parse(body.toString('utf8')) as Table;
    } catch {
      throw notJson(code, res.headers['content-type'], this.server);
    }
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

  /**
   * Server-side apply as field manager pachsvc: `PATCH …?fieldManager=pachsvc&fieldValidation=Strict
   * &force=true[&dryRun=All]`, `Content-Type: application/apply-patch+yaml`, the object as JSON, as given.
   */
  apply<T extends KubeObject>(obj: KubeObject, namespace: string, options: { dryRun: boolean; force: boolean }): Promise<T> {
    return this.request<T>('PATCH', this.path(kindOf(obj), namespace, obj.metadata.name), {
      query: { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict', force: options.force || undefined, dryRun: options.dryRun ? 'All' : undefined },
      body: obj,
      contentType: APPLY_PATCH,
    });
  }

  /** A JSON patch (RFC 6902). */
  patch<T extends KubeObject>(kind: Kind, namespace: string, name: string, ops: unknown[], options: { dryRun?: boolean } = {}): Promise<T> {
    return this.request<T>('PATCH', this.path(kind, namespace, name), {
      body: ops,
      contentType: 'application/json-patch+json',
      query: { fieldManager: FIELD_MANAGER, dryRun: options.dryRun ? 'All' : undefined },
    });
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

  // Legacy auth-provider plugins and proxies: only client-node knows them. Without a proxy it only adds
  // headers, so it is given no cluster (it would refuse a plain-HTTP server it does not connect to).
  private kubeConfig(): Promise<KubeConfig> {
    this.client ??= (async () => {
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      const config = this.config.clientConfig;
      kc.loadFromString(JSON.stringify(this.config.proxyUrl ? config : { ...config, clusters: [] }));
      return kc;
    })();
    return this.client;
  }

  private async send(method: string, path: string, options: RequestOptions, stream: boolean): Promise<http.IncomingMessage> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    // As client-go: with --request-timeout the server is told too, and gives up on the request with us.
    if (this.limits.requestMs > 0) url.searchParams.set('timeout', duration(this.limits.requestMs));
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string | string[] | number> = {
      ...this.config.headers,
      Accept: options.accept ?? 'application/json',
      'User-Agent': 'pachsvc',
      ...(body !== undefined ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}),
    };
    // The agent is made only for HTTP/1.1 (h1Agent, below); a proxy's agent replaces it (needsClient).
    const req: https.RequestOptions = { ...this.config.tls, headers };
    try {
      const auth = await this.config.authorization();
      if (auth) headers.Authorization = auth;
      if (this.config.needsClient) {
        const viaClient: https.RequestOptions = { ...req, headers: { ...headers } };
        await (await this.kubeConfig()).applyToHTTPSOptions(viaClient);
        Object.assign(headers, viaClient.headers);
        if (this.config.proxyUrl) {
          req.agent = viaClient.agent;
          // hpagent gives its CONNECT this (idle) timeout: a proxy that never answers lets go of it.
          req.timeout = this.limits.requestMs || this.limits.connectMs;
        }
      }
    } catch (err) {
      if (err instanceof ClusterError) throw err;
      throw new ClusterError('Unauthorized', `cannot get credentials for ${quote(this.server)}: ${(err as Error).message.split('\n')[0]}`);
    }
    const h1Agent = () => (stream ? this.streamAgent : this.agent);
    return exchange({ method, url, options: req, body, stream, limits: this.limits, server: this.server, h1Agent, ...(this.h2 ? { h2: this.h2 } : {}) }, (abort) => {
      this.inFlight.add(abort);
      return () => this.inFlight.delete(abort);
    });
  }

  /**
   * What opening a WebSocket to the API server needs (pods/portforward, through client-node): the server,
   * and the TLS, headers and credentials every request carries (a proxy's agent too), so the WebSocket
   * connects as this transport does. The opening handshake is bounded by --request-timeout, else by the
   * connect, TLS and answer limits together; an open stream has no limit (a forwarded connection lasts
   * as long as its user keeps it).
   */
  async webSocketOptions(): Promise<{ server: string; options: https.RequestOptions & { handshakeTimeout: number } }> {
    const { requestMs, connectMs, tlsHandshakeMs, answerMs } = this.limits;
    const headers: Record<string, string | string[]> = { ...this.config.headers, 'User-Agent': 'pachsvc' };
    const options: https.RequestOptions & { handshakeTimeout: number } = {
      ...this.config.tls,
      headers,
      handshakeTimeout: requestMs > 0 ? requestMs : connectMs + tlsHandshakeMs + answerMs,
    };
    try {
      const auth = await this.config.authorization();
      if (auth) headers.Authorization = auth;
      if (this.config.needsClient) {
        const viaClient: https.RequestOptions = { ...options, headers: { ...headers } };
        await (await this.kubeConfig()).applyToHTTPSOptions(viaClient);
        Object.assign(headers, viaClient.headers);
        if (this.config.proxyUrl) options.agent = viaClient.agent;
      }
    } catch (err) {
      if (err instanceof ClusterError) throw err;
      throw new ClusterError('Unauthorized', `cannot get credentials for ${quote(this.server)}: ${(err as Error).message.split('\n')[0]}`);
    }
    return { server: this.server, options };
  }

  /** Ends every request still running and lets the process exit (keep-alive sockets would hold it). */
  close(): void {
    this.pagesAhead.clear();
    for (const abort of [...this.inFlight]) abort();
    this.h2?.close();
    this.agentInUse?.destroy();
    this.streamAgentInUse?.destroy();
  }
}
