// kwok plays the kubelet on the local cluster (test/cluster/up.sh). Nothing
// runs in its pods, but its server answers the API server's pods/portforward
// and pods/log requests from configuration. These helpers create that
// configuration as kwok objects (kwok.x-k8s.io/v1alpha1) at run time, so a test
// can make a pod's port reach a local server it started, and make a container
// "print" the log lines it chooses. Everything goes through the real API
// server: `kubectl port-forward`, `kubectl logs` and pachsvc see real streams.
//
//   const srv = await startHttpServer();                 // any local TCP server
//   const fwd = await forwardPodPort({ namespace: ns.name, port: 8080, target: { port: srv.port } });
//   ... every pod of ns.name (also pods created later) forwards 8080 to srv ...
//   await fwd.delete();                                   // ClusterPortForward is cluster-scoped: delete it
//
//   const log = await serveContainerLog({ namespace: ns.name, selector: 'app=x', container: 'checkout-data',
//     lines: ['2026-01-02T03:04:05Z data: serving images@0123… at /pfs/data'] });
//   ... `kubectl logs <pod> -c checkout-data` prints that line; other containers keep the default line ...
//   await log.append('another line');                    // `kubectl logs -f` sees it
//   await log.delete();
//
// What kwok v0.8.0 supports (read from its source, tried on the local cluster):
// - Port forwards: ClusterPortForward (selector: namespaces and/or exact pod
//   names; cluster-scoped) and PortForward (one pod, object name = pod name).
//   A PortForward for a pod hides every ClusterPortForward for that pod (a port
//   it does not list fails), so these helpers only create ClusterPortForwards.
//   Several rules matching the same pod and port: kwok picks any of them.
// - Logs: Logs (one pod, object name = pod name; one object holds the entries
//   of all its containers). A container that a pod's Logs object does not list
//   fails with "log target not found", so the helpers always add a default
//   entry with the cluster's fixed log file (KWOK_DEFAULT_LOG in cluster.env).
//   ClusterLogs is fixed at kwok's start (the catch-all default), not run-time.
// - Log files must be in the CRI log format ("<RFC3339Nano> stdout|stderr F
//   <text>"); `lines`/append() write that for you. kwok ignores a Log's
//   `follow` field: `kubectl logs -f` (follow=true on the request) follows the
//   file, plain `kubectl logs` does not.
// - kwok sees a new or changed object ~15-30 ms after the API server stored
//   it (measured). serveContainerLog() waits until kwok serves the file when
//   it can reach kwok's server (local cluster); forwardPodPort() cannot check
//   without making a connection to the target, so it returns at once.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, kubectl, kubectlOk, readClusterEnv, type RunResult } from './kube.ts';

const API_VERSION = 'kwok.x-k8s.io/v1alpha1';
/** Label on every object these helpers create (cleanupKwokObjects finds them by it). */
export const KWOK_E2E_LABEL = 'e2e.pachsvc.io/kwok-helper';
/** Label with the namespace a cluster-scoped object belongs to. */
export const KWOK_E2E_NAMESPACE_LABEL = 'e2e.pachsvc.io/namespace';

const CLUSTER_DIR = process.env.PACHSVC_CLUSTER_DIR || path.join(REPO_ROOT, '.cluster');


/**
 * The local cluster's kwok facts, when KUBECONFIG is the local cluster's
 * (.cluster/cluster.env): default log file, kwok server port, CA.
 */
function localKwok(): { defaultLog?: string; port?: number; ca?: string } {
  const env = readClusterEnv();
  if (!env.KUBECONFIG_PATH || !process.env.KUBECONFIG || path.resolve(process.env.KUBECONFIG) !== path.resolve(env.KUBECONFIG_PATH)) {
    return {};
  }
  const ca = path.join(CLUSTER_DIR, 'pki', 'ca.crt');
  return {
    defaultLog: env.KWOK_DEFAULT_LOG || undefined,
    port: env.KWOK_PORT ? Number(env.KWOK_PORT) : undefined,
    ca: existsSync(ca) ? ca : undefined,
  };
}

function failed(what: string, r: RunResult): Error {
  return new Error(`${what}: kubectl exited ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim()}`);
}

/**
 * True when the cluster serves kwok's run-time kinds (the local cluster does,
 * via up.sh's --enable-crds). Tests can skip when false (foreign cluster).
 */
export async function kwokAvailable(): Promise<boolean> {
  const r = await kubectl(['get', 'crd', 'clusterportforwards.kwok.x-k8s.io', 'logs.kwok.x-k8s.io', '-o', 'name']);
  return r.code === 0;
}

/** Names of the pods in namespace matching selector ('' = all), without terminating ones. */
export async function podNames(namespace: string, selector = ''): Promise<string[]> {
  const args = ['get', 'pods', '-o', 'json', ...(selector ? ['-l', selector] : [])];
  const list = JSON.parse(await kubectlOk(args, { namespace })) as {
    items: { metadata: { name: string; deletionTimestamp?: string } }[];
  };
  return list.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name).sort();
}

function applyObject(obj: unknown): Promise<RunResult> {
  return kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=pachsvc-e2e-kwok', '-f', '-'], {
    input: JSON.stringify(obj),
  });
}

/** Which pods a rule covers: fixed names, or a label selector followed over time. */
interface PodSet {
  namespace: string;
  pod?: string | readonly string[];
  /** Label selector ('' = every pod of the namespace); followed until delete(). */
  selector?: string;
  /** How often a selector is re-listed. Default 300 ms. */
  pollMs?: number;
}

/** Handle on what a helper created. */
export interface KwokRule {
  /** Kind and name of the created object(s) (Logs objects are named after their pods). */
  readonly kind: 'ClusterPortForward' | 'Logs';
  readonly name: string;
  /** Pods covered: fixed names, the selector's pods as of the last sync, or undefined = every pod of the namespace. */
  pods(): readonly string[] | undefined;
  /** Selector mode: re-list the pods now and update the objects (also done every pollMs). Returns the covered pods. */
  sync(): Promise<readonly string[] | undefined>;
  /** Stops following the selector and deletes/undoes what was created. Idempotent. */
  delete(): Promise<void>;
}

// Follows a selector: calls update(names) now, on sync() and every pollMs.
class Follower {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<readonly string[]> | undefined;
  private stopped = false;
  current: readonly string[] = [];
  constructor(
    private readonly set: PodSet,
    private readonly update: (names: readonly string[]) => Promise<void>,
  ) {}
  async start(): Promise<void> {
    await this.sync();
    this.schedule();
  }
  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sync()
        .catch(() => {}) // a transient kubectl failure; the next round retries
        .finally(() => this.schedule());
    }, this.set.pollMs ?? 300);
    this.timer.unref(); // never keeps a test process alive
  }
  sync(): Promise<readonly string[]> {
    // One listing at a time; a sync() during a running one waits for a fresh one.
    const prev = this.running ?? Promise.resolve(this.current);
    const next = prev
      .catch(() => this.current)
      .then(async () => {
        if (this.stopped) return this.current;
        const names = await podNames(this.set.namespace, this.set.selector ?? '');
        if (names.join('\n') !== this.current.join('\n')) {
          await this.update(names);
          this.current = names;
        }
        return this.current;
      });
    this.running = next;
    return next;
  }
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }
}

function fixedPods(set: PodSet): readonly string[] | undefined {
  if (set.pod === undefined) return undefined;
  return typeof set.pod === 'string' ? [set.pod] : [...set.pod];
}

// ------------------------------------------------------------- port forwards

export interface ForwardPodPortOptions extends PodSet {
  /**
   * Pod port(s) whose portforward streams go to the target; omitted = every
   * port. Without pod/selector the rule covers every pod of the namespace,
   * including pods created later (the usual choice: a Deployment's pods are
   * replaced under new names).
   */
  port?: number | readonly number[];
  /** TCP address kwok connects to for each forwarded connection (address default 127.0.0.1). */
  target?: { address?: string; port: number };
  /** Instead of target: a command kwok runs for each connection, its stdin/stdout being the stream. */
  command?: readonly string[];
}

/**
 * Makes the API server's pods/portforward reach `target` for the chosen pods
 * and port(s), through a ClusterPortForward object (cluster-scoped: call
 * delete(), or cleanupKwokObjects(namespace)).
 */
export async function forwardPodPort(opts: ForwardPodPortOptions): Promise<KwokRule> {
  if (!opts.target === !opts.command) throw new Error('forwardPodPort: give exactly one of target and command');
  if (opts.pod !== undefined && opts.selector !== undefined) throw new Error('forwardPodPort: give pod or selector, not both');
  const ports = opts.port === undefined ? undefined : typeof opts.port === 'number' ? [opts.port] : [...opts.port];
  const name = `e2e-pf-${opts.namespace}-${randomBytes(3).toString('hex')}`.slice(0, 253);
  const forward = {
    ...(ports ? { ports } : {}),
    ...(opts.target
      ? { target: { address: opts.target.address ?? '127.0.0.1', port: opts.target.port } }
      : { command: [...opts.command!] }),
  };
  const object = (names: readonly string[] | undefined) => ({
    apiVersion: API_VERSION,
    kind: 'ClusterPortForward',
    metadata: { name, labels: { [KWOK_E2E_LABEL]: 'true', [KWOK_E2E_NAMESPACE_LABEL]: opts.namespace } },
    spec: {
      selector: {
        matchNamespaces: [opts.namespace],
        // An empty list would match every pod: no pod (yet) -> a name no pod can have.
        ...(names ? { matchNames: names.length ? [...names] : ['-no-pod-'] } : {}),
      },
      forwards: [forward],
    },
  });
  const put = async (names: readonly string[] | undefined) => {
    const r = await applyObject(object(names));
    if (r.code !== 0) throw failed(`creating ClusterPortForward ${name}`, r);
  };

  const fixed = fixedPods(opts);
  const follower = opts.selector !== undefined ? new Follower(opts, put) : undefined;
  let deleted = false;
  if (follower) {
    await put([]);
    await follower.start();
  } else {
    await put(fixed);
  }
  return {
    kind: 'ClusterPortForward',
    name,
    pods: () => (follower ? follower.current : fixed),
    sync: async () => (follower ? follower.sync() : fixed),
    async delete() {
      if (deleted) return;
      deleted = true;
      await follower?.stop();
      const r = await kubectl(['delete', 'clusterportforward.kwok.x-k8s.io', name, '--ignore-not-found', '--wait=false']);
      if (r.code !== 0) throw failed(`deleting ClusterPortForward ${name}`, r);
    },
  };
}

// ---------------------------------------------------------------------- logs

/** One line of a CRI log file, as kwok (and the kubelet) read them. */
export function criLogLine(text: string, opts: { stream?: 'stdout' | 'stderr'; time?: Date } = {}): string {
  const t = (opts.time ?? new Date()).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z'); // RFC3339Nano
  return `${t} ${opts.stream ?? 'stdout'} F ${text}\n`;
}

export interface ServeContainerLogOptions extends PodSet {
  /** Container name(s) (init containers too, e.g. checkout-data) that get this log. */
  container: string | readonly string[];
  /**
   * What the container "printed", one entry per line (without newline). The
   * helper writes them to a new file in the CRI log format, stream stdout,
   * time now. Give lines or file.
   */
  lines?: readonly string[];
  /** An existing file already in the CRI log format (see criLogLine). */
  file?: string;
}

export interface ContainerLog extends KwokRule {
  /** The file kwok serves for these containers. */
  readonly file: string;
  /** Appends lines (CRI format); `kubectl logs -f` streams them. */
  append(lines: string | readonly string[], opts?: { stream?: 'stdout' | 'stderr'; time?: Date }): Promise<void>;
}

interface LogEntry {
  containers?: string[];
  logsFile?: string;
  previousLogsFile?: string;
}

// One Logs object per pod holds the entries of every helper call for that pod;
// updates of one object are serialised here (tests in one process).
const logsLocks = new Map<string, Promise<unknown>>();
function withLogsLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = logsLocks.get(key) ?? Promise.resolve();
  const next = prev.catch(() => {}).then(fn);
  logsLocks.set(key, next);
  return next;
}

// Rewrites the Logs object of one pod: the entries for `containers` are
// replaced by `file` (or removed when file is undefined); a default entry
// (the cluster's fixed log) keeps every other container readable.
function updatePodLogs(namespace: string, pod: string, containers: readonly string[], file: string | undefined): Promise<void> {
  return withLogsLock(`${namespace}/${pod}`, async () => {
    const got = await kubectl(['get', 'logs.kwok.x-k8s.io', pod, '-o', 'json', '--ignore-not-found'], { namespace });
    if (got.code !== 0) throw failed(`reading Logs ${namespace}/${pod}`, got);
    const existing: LogEntry[] = got.stdout.trim() ? (JSON.parse(got.stdout).spec?.logs ?? []) : [];
    const drop = new Set(containers);
    const entries: LogEntry[] = [];
    for (const e of existing) {
      if (!e.containers?.length) continue; // the default entry, re-added below
      const keep = e.containers.filter((c) => !drop.has(c));
      if (keep.length) entries.push({ ...e, containers: keep });
    }
    if (file !== undefined) entries.push({ containers: [...containers], logsFile: file, previousLogsFile: file });
    if (!entries.length) {
      const r = await kubectl(['delete', 'logs.kwok.x-k8s.io', pod, '--ignore-not-found', '--wait=false'], { namespace });
      if (r.code !== 0) throw failed(`deleting Logs ${namespace}/${pod}`, r);
      return;
    }
    const fallback = localKwok().defaultLog;
    if (fallback) entries.push({ logsFile: fallback, previousLogsFile: fallback });
    const r = await applyObject({
      apiVersion: API_VERSION,
      kind: 'Logs',
      metadata: { name: pod, namespace, labels: { [KWOK_E2E_LABEL]: 'true' } },
      spec: { logs: entries },
    });
    if (r.code !== 0) throw failed(`writing Logs ${namespace}/${pod}`, r);
  });
}

// Waits until kwok's own server (local cluster only) serves `file` for the
// container, i.e. kwok's informer has the new Logs object.
async function waitKwokServes(namespace: string, pod: string, container: string, file: string, timeoutMs = 10_000): Promise<void> {
  const kw = localKwok();
  if (!kw.port || !kw.ca) return;
  const ca = readFileSync(kw.ca);
  const url = `https://127.0.0.1:${kw.port}/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}/${encodeURIComponent(container)}`;
  const get = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.get(url, { ca, servername: 'localhost', timeout: 5_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const want = (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/^\S+ (stdout|stderr) [FP] /, ''))
      .join('\n');
    const got = await get().catch(() => undefined);
    if (got?.status === 200 && got.body.replace(/\n$/, '') === want) return;
    if (Date.now() > deadline) {
      throw new Error(`kwok does not serve ${file} for ${namespace}/${pod} -c ${container} after ${timeoutMs} ms (got ${got?.status}: ${got?.body.slice(0, 200)})`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

let logDir: string | undefined;

/**
 * Serves a log file for the given container(s) of the chosen pods through
 * pods/log (`kubectl logs pod -c container`), via one kwok Logs object per pod.
 * Without pod/selector: every pod of the namespace, followed over time.
 */
export async function serveContainerLog(opts: ServeContainerLogOptions): Promise<ContainerLog> {
  if ((opts.lines === undefined) === (opts.file === undefined)) throw new Error('serveContainerLog: give exactly one of lines and file');
  if (opts.pod !== undefined && opts.selector !== undefined) throw new Error('serveContainerLog: give pod or selector, not both');
  const containers = typeof opts.container === 'string' ? [opts.container] : [...opts.container];
  if (!containers.length) throw new Error('serveContainerLog: no container');
  let file = opts.file;
  if (file === undefined) {
    logDir ??= mkdtempSync(path.join(os.tmpdir(), 'pachsvc-e2e-logs-'));
    file = path.join(logDir, `${opts.namespace}-${containers.join('+')}-${randomBytes(3).toString('hex')}.log`);
    await writeFile(file, opts.lines!.map((l) => criLogLine(l)).join(''));
  }
  const theFile = file;

  const served = new Set<string>();
  const setPods = async (names: readonly string[]) => {
    const want = new Set(names);
    for (const pod of names) {
      if (served.has(pod)) continue;
      await updatePodLogs(opts.namespace, pod, containers, theFile);
      served.add(pod);
      await waitKwokServes(opts.namespace, pod, containers[0]!, theFile);
    }
    // Pods that are gone: their Logs objects go with them (namespace deletion)
    // or stay harmlessly; only forget them.
    for (const pod of [...served]) if (!want.has(pod)) served.delete(pod);
  };

  const fixed = fixedPods(opts);
  const follower = fixed ? undefined : new Follower({ ...opts, selector: opts.selector ?? '' }, setPods);
  if (follower) await follower.start();
  else await setPods(fixed!);

  let deleted = false;
  return {
    kind: 'Logs',
    name: fixed?.join(',') ?? `(pods of ${opts.namespace}${opts.selector ? ` with ${opts.selector}` : ''})`,
    file: theFile,
    pods: () => (follower ? follower.current : fixed),
    sync: async () => (follower ? follower.sync() : fixed),
    async append(lines, o = {}) {
      const list = typeof lines === 'string' ? [lines] : lines;
      await appendFile(theFile, list.map((l) => criLogLine(l, o)).join(''));
    },
    async delete() {
      if (deleted) return;
      deleted = true;
      await follower?.stop();
      for (const pod of served) {
        const exists = await kubectl(['get', 'pod', pod, '-o', 'name'], { namespace: opts.namespace });
        if (exists.code === 0) await updatePodLogs(opts.namespace, pod, containers, undefined);
      }
      served.clear();
    },
  };
}

/**
 * Deletes every kwok object these helpers created for a namespace: the
 * cluster-scoped ClusterPortForwards (namespaced Logs objects go with the
 * namespace). For after() hooks; safe to call twice.
 */
export async function cleanupKwokObjects(namespace: string): Promise<void> {
  const r = await kubectl([
    'delete',
    'clusterportforward.kwok.x-k8s.io',
    '-l',
    `${KWOK_E2E_LABEL}=true,${KWOK_E2E_NAMESPACE_LABEL}=${namespace}`,
    '--ignore-not-found',
    '--wait=false',
  ]);
  if (r.code !== 0) throw failed(`deleting the ClusterPortForwards of ${namespace}`, r);
  const l = await kubectl(['delete', 'logs.kwok.x-k8s.io', '-l', `${KWOK_E2E_LABEL}=true`, '--ignore-not-found', '--wait=false'], { namespace });
  if (l.code !== 0 && !/not found/i.test(l.stderr)) throw failed(`deleting the Logs objects in ${namespace}`, l);
}
