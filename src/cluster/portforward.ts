// Forwarding local ports to a service, through the API server (pods/portforward), as `kubectl
// port-forward svc/NAME` does, but with one difference that matters for services that restart: every new
// TCP connection picks a ready pod of the service afresh, so a forward outlives pod restarts, rollouts
// and follow-mode restarts. The streams themselves go through the Kube interface (one per connection);
// over HTTP they are client-node's PortForward WebSockets (openPodStream), given the transport's TLS and
// credentials.
import net from 'node:net';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { managedSelector } from '../contract.ts';
import { quote } from '../lib/text.ts';
import type { Cluster } from './client.ts';
import { ClusterError, KubectlError, duration, fromNetwork, hostOf } from './errors.ts';
import type { Kube } from './kube.ts';
import { notFound } from './rules.ts';
import { whyNotReady } from './status.ts';
import { KINDS, type KubeObject } from './types.ts';

// --- one stream to a pod's port, over a WebSocket ------------------------------------------------------

interface WebSocketLike {
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  send(data: Buffer, callback: (err?: Error) => void): void;
  /** Bytes sent but not yet handed to the connection. */
  readonly bufferedAmount: number;
  /** Stops (and resumes) reading the connection: the pod's data waits in the API server and the network. */
  pause(): void;
  resume(): void;
  terminate?(): void;
  close(): void;
}

/** What the WebSocket may hold unsent before a write waits for the connection to take it. */
const SEND_BUFFER_BYTES = 1024 * 1024;
/** The forwarded port's data channel (v4.channel.k8s.io: a message's first byte names its channel). */
const DATA_CHANNEL = Buffer.from([0]);

/**
 * A stream to `port` of `pod` through the API server: client-node's PortForward (WebSocket,
 * v4.channel.k8s.io: a data and an error channel), whose KubeConfig names only the server and gives the
 * WebSocket this transport's TLS, headers and credentials. Resolves once the WebSocket is open; a
 * failure the pod's side reports later (nothing listens on the port) ends the stream with that error.
 */
export async function openPodStream(cluster: Cluster, namespace: string, pod: string, port: number): Promise<Duplex> {
  const [k8s, { server, options }] = await Promise.all([import('@kubernetes/client-node'), cluster.webSocketOptions()]);
  const kc = new k8s.KubeConfig();
  kc.loadFromClusterAndUser({ name: 'pachsvc', server, skipTLSVerify: options.rejectUnauthorized === false }, { name: 'pachsvc' });
  kc.applyToHTTPSOptions = async (opts) => {
    Object.assign(opts, options, { headers: { ...(opts.headers as object), ...options.headers } });
  };
  const forward = new k8s.PortForward(kc, true);

  let ws: WebSocketLike | undefined;
  let errors = '';
  // Backpressure both ways, so a fast side never fills memory for a slow one. To the pod: a write is done
  // once the WebSocket holds less than SEND_BUFFER_BYTES unsent (else when its data is sent), so the
  // local client's socket is read no faster than the API server takes it. From the pod: when the local
  // client does not read (push is refused), the WebSocket stops being read until read() asks for more.
  // The messages to the pod are sent here (with their channel byte), not through client-node's input
  // stream, whose sends have no callback; that stream only ends, for client-node to close the WebSocket.
  const toPod = new PassThrough();
  let paused = false;
  const stream = new Duplex({
    read() {
      if (!paused) return;
      paused = false;
      ws?.resume();
    },
    write(chunk: Buffer, _encoding, done) {
      let waiting = false;
      ws!.send(Buffer.concat([DATA_CHANNEL, chunk]), (err) => {
        if (waiting) done(err ?? null);
      });
      if (ws!.bufferedAmount <= SEND_BUFFER_BYTES) done();
      else waiting = true;
    },
    final(done) {
      // client-node closes the WebSocket when its input ends (v4 has no half-close).
      toPod.end();
      done();
    },
    destroy(err, done) {
      toPod.destroy();
      if (ws?.terminate) ws.terminate();
      else ws?.close();
      done(err);
    },
  });
  const fromPod = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (chunk.length > 0 && !stream.push(chunk) && !paused) {
        paused = true;
        ws?.pause();
      }
      done();
    },
  });
  const errorChannel = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (errors.length < 4096) errors += chunk.toString('utf8');
      done();
    },
  });
  try {
    ws = (await forward.portForward(namespace, pod, [port], fromPod, errorChannel, toPod)) as unknown as WebSocketLike;
  } catch (err) {
    throw openFailure(err, server, namespace, pod, options.handshakeTimeout);
  }
  if (paused) ws.pause();
  ws.on('error', (err) => stream.destroy(fromNetwork(err, server, 0)));
  ws.on('close', () => {
    if (errors.trim() !== '') stream.destroy(new ClusterError('Failed', errors.trim().split('\n')[0]!));
    else stream.push(null);
  });
  return stream;
}

/**
 * What the `ws` package says when a WebSocket does not open, read in this one place. client-node rejects
 * with ws's ErrorEvent, whose only account of an HTTP answer other than 101 is the text `Unexpected server
 * response: <status>` (ws/lib/websocket.js, abortHandshake: no status field), and of the opening handshake
 * timing out the text `Opening handshake has timed out`. Everything else is a network error (err.error).
 */
function webSocketFailure(err: unknown): { status?: number; handshakeTimedOut: boolean; cause: unknown } {
  const message = String((err as { message?: unknown })?.message ?? err);
  const status = /Unexpected server response: (\d{3})/.exec(message)?.[1];
  return {
    ...(status ? { status: Number(status) } : {}),
    handshakeTimedOut: /handshake has timed out/i.test(message),
    cause: (err as { error?: unknown })?.error ?? err,
  };
}

// The WebSocket did not open: the API server's status (only its code reaches us), a time limit, the network.
function openFailure(err: unknown, server: string, namespace: string, pod: string, handshakeMs: number): ClusterError {
  const failure = webSocketFailure(err);
  const code = failure.status ?? 0;
  if (code === 404) return new KubectlError('NotFound', `Error from server (NotFound): pods "${pod}" not found`, 404);
  if (code === 401) return new KubectlError('Unauthorized', `You must be logged in to the server (Unauthorized) [${server}]`, 401);
  if (code === 403) {
    return new ClusterError('Forbidden', `the API server refused to forward to pod ${pod} (403 Forbidden): the user may not create pods/portforward in namespace ${namespace}`, 403);
  }
  if (code !== 0) return new ClusterError('Failed', `the API server refused to forward to pod ${pod} (HTTP ${code})`, code);
  if (failure.handshakeTimedOut) {
    return new KubectlError('Timeout', `Unable to connect to the server: opening the forward to pod ${pod} on ${hostOf(server)} timed out after ${duration(handshakeMs)}`);
  }
  return fromNetwork(failure.cause, server, 0);
}

// --- which pod, which port ---------------------------------------------------------------------------------

/** Ready as a Service's endpoints mean it: the Ready condition is True and the pod is not being deleted. */
export function isPodReady(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const conditions = (pod.status?.conditions ?? []) as { type?: string; status?: string }[];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

interface ServicePort {
  name?: string;
  port?: number;
  nodePort?: number;
  targetPort?: number | string;
}

interface ContainerPort {
  name?: string;
  containerPort?: number;
}

/**
 * The pod's port a port the user named stands for, as kubectl maps `svc/NAME PORT`: a Service port (by
 * number, node port or name) is its targetPort; anything else is taken as the container's own port.
 */
export function targetOf(service: KubeObject | undefined, remote: number | string): { target: number | string; servicePort: boolean } {
  const ports = (service?.spec?.ports ?? []) as ServicePort[];
  const match = typeof remote === 'number' ? (ports.find((p) => p.port === remote) ?? ports.find((p) => p.nodePort === remote)) : ports.find((p) => p.name === remote);
  if (!match) return { target: remote, servicePort: false };
  return { target: match.targetPort ?? match.port ?? remote, servicePort: true };
}

function containerPorts(pod: KubeObject): ContainerPort[] {
  return ((pod.spec?.containers ?? []) as { ports?: ContainerPort[] }[]).flatMap((c) => c.ports ?? []);
}

/** The port number on this pod; undefined when the pod has no container port of that name. */
export function podPort(pod: KubeObject, target: number | string): number | undefined {
  if (typeof target === 'number') return target;
  return containerPorts(pod).find((p) => p.name === target)?.containerPort;
}

/** The ports a user may name, for messages: `80 (user-port) → 8080`. */
function portsSaid(service: KubeObject | undefined, pod: KubeObject): string {
  const said: string[] = [];
  for (const p of (service?.spec?.ports ?? []) as ServicePort[]) {
    const to = typeof p.targetPort === 'string' ? podPort(pod, p.targetPort) : p.targetPort;
    said.push(`${p.port}${p.name ? ` (${p.name})` : ''}${to !== undefined && to !== p.port ? ` → ${to}` : ''}${p.nodePort ? `, node port ${p.nodePort}` : ''}`);
  }
  for (const c of containerPorts(pod)) if (c.containerPort !== undefined) said.push(`container port ${c.containerPort}${c.name ? ` (${c.name})` : ''}`);
  return said.length > 0 ? said.join(', ') : 'none';
}

export interface Target {
  pod: string;
  port: number;
}

/** A ready pod has no container port of the name asked for. */
class NoSuchPort extends ClusterError {
  constructor(
    readonly pod: KubeObject,
    message: string,
  ) {
    super('Invalid', message);
  }
}

/**
 * Picks a ready pod of the service for each connection: the pod it used last while that one stays
 * ready, else the newest ready pod, waiting up to the timeout for one. Lookups that overlap share one
 * listing. A change of pod is told (onChange) with why the old one was left.
 */
class PodPicker {
  private current?: Target;
  private running?: Promise<Target>;
  /** Pods the API server said are gone (a listing may lag behind). */
  private readonly gone = new Set<string>();

  constructor(
    private readonly kube: Kube,
    private readonly namespace: string,
    private readonly service: string,
    private readonly target: number | string,
    private readonly options: { timeoutMs: number; pollMs: number; signal: AbortSignal; onChange?: (message: string) => void },
  ) {}

  pick(): Promise<Target> {
    this.running ??= this.lookup().finally(() => (this.running = undefined));
    return this.running;
  }

  forget(pod: string): void {
    this.gone.add(pod);
  }

  private async lookup(): Promise<Target> {
    const { timeoutMs, pollMs, signal } = this.options;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      signal.throwIfAborted();
      const pods = (await this.kube.list(KINDS.Pod, this.namespace, { labelSelector: managedSelector(this.service) })).items;
      const ready = pods.filter((p) => isPodReady(p) && !this.gone.has(p.metadata.name));
      const chosen = ready.find((p) => p.metadata.name === this.current?.pod) ?? newest(ready);
      if (chosen) {
        const port = podPort(chosen, this.target);
        if (port === undefined) throw new NoSuchPort(chosen, `pod ${chosen.metadata.name} has no container port named ${quote(this.target)}`);
        return this.choose(chosen.metadata.name, port, pods);
      }
      if (Date.now() >= deadline) {
        const reasons = whyNotReady(pods as never);
        throw new ClusterError(
          'Timeout',
          `no ready pod of service ${quote(this.service)} in namespace ${this.namespace} after ${duration(timeoutMs)}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`,
        );
      }
      await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), undefined, { signal });
    }
  }

  /** A pod of the service by name, as a listing shows it now (to check its ports at the start). */
  async pod(name: string): Promise<KubeObject | undefined> {
    return (await this.kube.list(KINDS.Pod, this.namespace, { labelSelector: managedSelector(this.service) })).items.find((p) => p.metadata.name === name);
  }

  private choose(pod: string, port: number, pods: KubeObject[]): Target {
    const was = this.current;
    this.current = { pod, port };
    if (was && was.pod !== pod) {
      const old = pods.find((p) => p.metadata.name === was.pod);
      const why = !old || old.metadata.deletionTimestamp || this.gone.has(was.pod) ? 'was replaced' : 'is not ready';
      this.options.onChange?.(`now forwarding to pod ${pod}${port !== was.port ? ` port ${port}` : ''} (${was.pod} ${why})`);
    } else if (was && was.port !== port) {
      this.options.onChange?.(`now forwarding to port ${port} of pod ${pod} (was ${was.port})`);
    }
    return this.current;
  }
}

function newest(pods: KubeObject[]): KubeObject | undefined {
  return [...pods].sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name))[0];
}

// --- the forward ---------------------------------------------------------------------------------------------

export interface ForwardOptions {
  namespace: string;
  service: string;
  /** The port as the user named it: a number (a Service port, node port or container port) or a port name. */
  remote: number | string;
  /** The local port; 0 picks a free one; undefined: the remote port as named, else its number (as kubectl). */
  local?: number;
  /** Addresses to listen on: IP addresses, or `localhost` (127.0.0.1 and ::1, either may fail). */
  addresses: string[];
  /** How long to wait for a ready pod, at the start and for each connection. */
  podTimeoutMs: number;
  /** Ends the forward: listeners closed, connections closed. */
  signal: AbortSignal;
  /** A connection went to another pod than the one before. */
  onPodChange?(message: string): void;
  /** One connection failed; the forward goes on (unless the API server refuses forwarding itself). */
  onConnectionError?(message: string): void;
  /** How often pods are listed while none is ready. */
  pollMs?: number;
}

export interface Forward {
  /** Where it listens. */
  listening: { address: string; port: number }[];
  /** The pod's port connections go to, and the pod, at the start. */
  remotePort: number;
  pod: string;
  /**
   * Resolves once the signal ended the forward and everything is closed; rejects (everything closed too)
   * when the API server refuses forwarding itself (Forbidden, Unauthorized): no connection ever could.
   */
  done: Promise<void>;
}

/**
 * Waits for a ready pod of the service (the timeout), resolves the port on it, listens, and forwards
 * every connection to a ready pod picked for it. Rejects when the service does not exist, has no such
 * port, has no ready pod in time, or a listener cannot be opened; an abort while waiting rejects with the
 * signal's reason.
 */
export async function startForward(kube: Kube, options: ForwardOptions): Promise<Forward> {
  const { namespace, service: name, remote, signal } = options;
  const [service, deployment] = await Promise.all([kube.get(KINDS.Service, namespace, name), kube.get(KINDS.Deployment, namespace, name)]);
  if (!service && !deployment) throw notFound(name, namespace);
  const { target, servicePort } = targetOf(service, remote);
  const picker = new PodPicker(kube, namespace, name, target, {
    timeoutMs: options.podTimeoutMs,
    pollMs: options.pollMs ?? 500,
    signal,
    ...(options.onPodChange ? { onChange: options.onPodChange } : {}),
  });
  const first = await pickFirst(name, target, servicePort, service, picker);
  const local = options.local ?? (typeof remote === 'number' ? remote : first.port);

  const servers = await listen(options.addresses, local);
  const sockets = new Set<net.Socket>();
  const streams = new Set<Duplex>();
  let stopped = false;
  let finish!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = (err) => {
      if (stopped) return;
      stopped = true;
      signal.removeEventListener('abort', onAbort);
      for (const s of sockets) s.destroy();
      for (const s of streams) s.destroy();
      let open = servers.length;
      for (const server of servers) server.close(() => --open === 0 && (err ? reject(err) : resolve()));
    };
  });
  const onAbort = () => finish();
  if (signal.aborted) finish();
  else signal.addEventListener('abort', onAbort, { once: true });

  const handle = async (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // a local client that resets its connection ends only that connection
    let stream: Duplex | undefined;
    let to: Target | undefined;
    const failed = (err: unknown) => {
      socket.destroy();
      if (stopped) return;
      // Credentials or rights that do not allow forwarding: no connection ever will, so the forward ends.
      if (err instanceof ClusterError && (err.reason === 'Forbidden' || err.reason === 'Unauthorized')) return finish(err);
      const why = (err as Error).message;
      options.onConnectionError?.(to ? `an error occurred forwarding to pod ${to.pod} port ${to.port}: ${why}` : `connection closed: ${why}`);
    };
    try {
      for (let attempt = 1; !stream; attempt++) {
        to = await picker.pick();
        try {
          stream = await kube.portForward(namespace, to.pod, to.port);
        } catch (err) {
          // The pod went away between the listing and the forward: pick again.
          if (attempt >= 3 || !(err instanceof ClusterError && err.reason === 'NotFound')) throw err;
          picker.forget(to.pod);
        }
      }
    } catch (err) {
      failed(err);
      return;
    }
    if (socket.destroyed || stopped) {
      stream.destroy();
      return;
    }
    streams.add(stream);
    stream.on('error', failed);
    stream.on('close', () => streams.delete(stream));
    socket.on('close', () => stream.destroy());
    socket.pipe(stream);
    stream.pipe(socket);
  };
  for (const server of servers) {
    server.on('connection', (socket: net.Socket) => {
      if (stopped) socket.destroy();
      else void handle(socket);
    });
  }

  return {
    listening: servers.map((s) => {
      const a = s.address() as net.AddressInfo;
      return { address: a.address, port: a.port };
    }),
    remotePort: first.port,
    pod: first.pod,
    done,
  };
}

// The first pick also checks the port: a name must be a container port's, and a number no Service port
// maps must be a port a container declares (a typo fails now, not on every connection).
async function pickFirst(name: string, target: number | string, servicePort: boolean, service: KubeObject | undefined, picker: PodPicker): Promise<Target> {
  let first: Target;
  try {
    first = await picker.pick();
  } catch (err) {
    if (err instanceof NoSuchPort) throw new ClusterError('Invalid', `service ${quote(name)} has no port ${quote(target)} (its ports: ${portsSaid(service, err.pod)})`);
    throw err;
  }
  if (typeof target === 'number' && !servicePort) {
    const pod = await picker.pod(first.pod);
    if (pod && !containerPorts(pod).some((p) => p.containerPort === target)) {
      throw new ClusterError('Invalid', `service ${quote(name)} has no port ${target} (its ports: ${portsSaid(service, pod)})`);
    }
  }
  return first;
}

/** Listens on every address (localhost: 127.0.0.1 and ::1, one of which may fail); port 0 is chosen once. */
async function listen(addresses: string[], port: number): Promise<net.Server[]> {
  const wanted: { address: string; optional: boolean }[] = [];
  for (const a of addresses) {
    for (const address of a === 'localhost' ? ['127.0.0.1', '::1'] : [a]) {
      const seen = wanted.find((w) => w.address === address);
      if (!seen) wanted.push({ address, optional: a === 'localhost' });
      else if (a !== 'localhost') seen.optional = false;
    }
  }
  const servers: net.Server[] = [];
  const failures: string[] = [];
  let required = false;
  let chosen = port;
  for (const { address, optional } of wanted) {
    const server = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: chosen, host: address, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
      chosen = (server.address() as net.AddressInfo).port;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : e.code === 'EACCES' ? 'permission denied' : e.message;
      failures.push(`${address.includes(':') ? `[${address}]` : address}:${chosen}: ${why}`);
      if (!optional) {
        required = true;
        break;
      }
    }
  }
  if (required || servers.length === 0) {
    for (const s of servers) s.close();
    throw new ClusterError('Failed', `unable to listen on ${failures.join(', ')}`);
  }
  return servers;
}
