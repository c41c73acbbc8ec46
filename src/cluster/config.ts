// Which cluster, as which user, in which namespace, by kubectl's rules: --kubeconfig; else $KUBECONFIG
// (files merged, the first to name a thing wins, missing files skipped); else ~/.kube/config; else the
// in-cluster service account. Read here without the Kubernetes client so that read-only commands start
// fast; the client gets the same choice (clientConfig) for the calls that go through it.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { ClusterError } from './errors.ts';

export interface ConnectOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** Per-request time limit in milliseconds (0 or undefined: none). */
  requestTimeoutMs?: number;
}

type Entry = Record<string, any>;

export interface ClusterConfig {
  /** The namespace commands act in: -n, else the context's, else `default`. */
  namespace: string;
  server: string;
  requestTimeoutMs: number;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean; servername?: string };
  /** Resolves the Authorization header (tokens from files and exec plugins are fetched once). */
  authorization(): Promise<string | undefined>;
  /** Auth this loader leaves to @kubernetes/client-node (legacy auth-provider plugins, proxies). */
  needsClient: boolean;
  /** A kubeconfig naming just the chosen cluster, user and context (paths made absolute), for client-node. */
  clientConfig: Entry;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export async function loadConfig(options: ConnectOptions, env: NodeJS.ProcessEnv = process.env): Promise<ClusterConfig> {
  const files = options.kubeconfig ? [options.kubeconfig] : (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  const home = join(homedir(), '.kube', 'config');
  let merged: { clusters: Map<string, Entry>; users: Map<string, Entry>; contexts: Map<string, Entry>; current?: string };
  if (files.length > 0) {
    const found = files.filter((f) => existsSync(f));
    if (options.kubeconfig && found.length === 0) throw new ClusterError('NoConfig', `kubeconfig ${options.kubeconfig} not found`);
    if (found.length === 0) throw new ClusterError('NoConfig', `none of the kubeconfig files in KUBECONFIG exists (${files.join(delimiter)})`);
    merged = await mergeFiles(found);
  } else if (existsSync(home)) {
    merged = await mergeFiles([home]);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(`${SERVICE_ACCOUNT_DIR}/token`)) {
    return inCluster(options, env);
  } else {
    throw new ClusterError(
      'NoConfig',
      'no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config (for the local test cluster: npm run cluster:up, then KUBECONFIG=.cluster/kubeconfig)',
    );
  }

  const contextName = options.context ?? merged.current;
  if (!contextName) throw new ClusterError('NoConfig', 'the kubeconfig has no current context: pass --context, or run `kubectl config use-context NAME`');
  const context = merged.contexts.get(contextName);
  if (!context) {
    const known = [...merged.contexts.keys()].join(', ') || 'none';
    throw new ClusterError('NoConfig', `context "${contextName}" does not exist in the kubeconfig (it has: ${known})`);
  }
  const cluster = merged.clusters.get(context.cluster);
  if (!cluster?.server) throw new ClusterError('NoConfig', `context "${contextName}" names cluster "${context.cluster}", which the kubeconfig does not define`);
  const user = merged.users.get(context.user) ?? {};

  const tls = {
    ...(cluster['certificate-authority-data'] ? { ca: Buffer.from(cluster['certificate-authority-data'], 'base64') } : {}),
    ...(cluster['certificate-authority'] ? { ca: readFile(cluster['certificate-authority']) } : {}),
    ...(user['client-certificate-data'] ? { cert: Buffer.from(user['client-certificate-data'], 'base64') } : {}),
    ...(user['client-certificate'] ? { cert: readFile(user['client-certificate']) } : {}),
    ...(user['client-key-data'] ? { key: Buffer.from(user['client-key-data'], 'base64') } : {}),
    ...(user['client-key'] ? { key: readFile(user['client-key']) } : {}),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    ...(cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
  };
  const clientConfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context.cluster, cluster }],
    users: [{ name: context.user ?? 'user', user }],
    contexts: [{ name: contextName, context: { ...context, user: context.user ?? 'user' } }],
    'current-context': contextName,
  };
  return {
    namespace: options.namespace ?? context.namespace ?? 'default',
    server: String(cluster.server).replace(/\/+$/, ''),
    requestTimeoutMs: options.requestTimeoutMs ?? 0,
    tls,
    authorization: once(() => authorization(user, String(cluster.server))),
    needsClient: Boolean(user['auth-provider'] || cluster['proxy-url']),
    clientConfig,
  };
}

async function mergeFiles(files: string[]) {
  // js-yaml, not the yaml package: a kubeconfig needs no source positions, and it loads several times faster.
  const { load: parse } = await import('js-yaml');
  const merged = { clusters: new Map<string, Entry>(), users: new Map<string, Entry>(), contexts: new Map<string, Entry>(), current: undefined as string | undefined };
  for (const file of files) {
    let doc: Entry;
    try {
      doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Entry;
    } catch (err) {
      throw new ClusterError('NoConfig', `cannot read kubeconfig ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
    const base = dirname(resolve(file));
    // kubectl: the first file to set a name (or the current context) wins.
    merged.current ??= doc['current-context'] || undefined;
    for (const [list, key, map] of [
      ['clusters', 'cluster', merged.clusters],
      ['users', 'user', merged.users],
      ['contexts', 'context', merged.contexts],
    ] as const) {
      for (const item of (doc[list] ?? []) as Entry[]) {
        if (item?.name !== undefined && !map.has(item.name)) map.set(item.name, absolutePaths(item[key] ?? {}, base));
      }
    }
  }
  return merged;
}

// File paths in a kubeconfig are relative to the kubeconfig itself.
function absolutePaths(entry: Entry, base: string): Entry {
  const out = { ...entry };
  for (const k of ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile']) {
    if (typeof out[k] === 'string' && out[k] !== '' && !isAbsolute(out[k])) out[k] = join(base, out[k]);
  }
  return out;
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ClusterError('NoConfig', `cannot read ${path} named in the kubeconfig: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function inCluster(options: ConnectOptions, env: NodeJS.ProcessEnv): ClusterConfig {
  const host = env.KUBERNETES_SERVICE_HOST!.includes(':') ? `[${env.KUBERNETES_SERVICE_HOST}]` : env.KUBERNETES_SERVICE_HOST;
  const server = `https://${host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  const namespace = options.namespace ?? (existsSync(`${SERVICE_ACCOUNT_DIR}/namespace`) ? readFileSync(`${SERVICE_ACCOUNT_DIR}/namespace`, 'utf8').trim() : 'default');
  const cluster = { server, 'certificate-authority': `${SERVICE_ACCOUNT_DIR}/ca.crt` };
  const user = { tokenFile: `${SERVICE_ACCOUNT_DIR}/token` };
  return {
    namespace,
    server,
    requestTimeoutMs: options.requestTimeoutMs ?? 0,
    tls: { ca: readFile(`${SERVICE_ACCOUNT_DIR}/ca.crt`), rejectUnauthorized: true },
    // The projected token is rotated: read it for every process, as client-go does.
    authorization: once(async () => `Bearer ${readFileSync(user.tokenFile, 'utf8').trim()}`),
    needsClient: false,
    clientConfig: {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'in-cluster', cluster }],
      users: [{ name: 'in-cluster', user }],
      contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'in-cluster', namespace } }],
      'current-context': 'in-cluster',
    },
  };
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

async function authorization(user: Entry, server: string): Promise<string | undefined> {
  if (user.token) return `Bearer ${user.token}`;
  if (user.tokenFile) return `Bearer ${readFile(user.tokenFile).toString('utf8').trim()}`;
  if (user.username !== undefined && user.password !== undefined) {
    return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  }
  if (user.exec) return execCredential(user.exec, server);
  return undefined;
}

/** A client-go credential plugin (`users[].user.exec`): runs it and takes the token it prints. */
async function execCredential(exec: Entry, server: string): Promise<string | undefined> {
  const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
  const info = { apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(exec.provideClusterInfo ? { cluster: { server } } : {}) } };
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const e of (exec.env ?? []) as { name: string; value: string }[]) env[e.name] = e.value;
  const stdout = await new Promise<string>((resolvePromise, reject) => {
    execFile(exec.command, (exec.args ?? []) as string[], { env, timeout: 60_000 }, (err, out, errText) => {
      if (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${exec.command} not found${exec.installHint ? ` (${exec.installHint})` : ''}` : String(errText).trim() || err.message;
        reject(new ClusterError('Unauthorized', `getting credentials: exec: ${why}`));
      } else resolvePromise(out);
    });
  });
  const status = (JSON.parse(stdout) as { status?: { token?: string; clientCertificateData?: string } }).status;
  if (status?.token) return `Bearer ${status.token}`;
  if (status?.clientCertificateData) {
    throw new ClusterError('Unauthorized', 'credential plugins that return client certificates are not supported yet: use a token plugin');
  }
  return undefined;
}
