// Which cluster, as which user, in which namespace, by kubectl's rules: --kubeconfig; else $KUBECONFIG
// (files merged, the first to name a thing wins, missing files skipped); else ~/.kube/config; else the
// in-cluster service account. Read here without the Kubernetes client so that commands start fast; the
// client gets the same choice (clientConfig) for what only it does (legacy auth-provider plugins,
// proxies). Every way a kubeconfig can be wrong is one sentence naming the file and the entry.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { readCapped } from '../lib/read.ts';
import { quote } from '../lib/text.ts';
import { ClusterError } from './errors.ts';
import { DEFAULT_LIMITS, type Limits } from './transport.ts';

export interface ConnectOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /**
   * --request-timeout in milliseconds: one deadline for each whole request, streams included. Undefined:
   * the default limits (an answer within 60s). 0: no overall limit, as kubectl's `--request-timeout=0`
   * (connecting and the TLS handshake stay limited, as in client-go).
   */
  requestTimeoutMs?: number;
  /** Other time limits than client-go's (for tests). */
  limits?: Partial<Omit<Limits, 'requestMs'>>;
}

type Entry = Record<string, any>;

export interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
  /** ca, cert and key, parsed once (and checked while loading). */
  secureContext?: SecureContext;
}

export interface ClusterConfig {
  /** The namespace commands act in: -n, else the context's, else `default`. */
  namespace: string;
  /** The server's URL, with a scheme, without a trailing slash. */
  server: string;
  requestTimeoutMs: number;
  limits: Limits;
  tls: TlsOptions;
  /** Resolves the Authorization header (tokens from files and exec plugins are fetched once). */
  authorization(): Promise<string | undefined>;
  /** Headers every request carries: impersonation (the user's `as`, `as-groups`, `as-uid`, `as-user-extra`). */
  headers: Record<string, string | string[]>;
  /** Auth this loader leaves to @kubernetes/client-node (legacy auth-provider plugins, proxies). */
  needsClient: boolean;
  /** The cluster's proxy-url: requests go through client-node's proxy agents. */
  proxyUrl?: string;
  /** A kubeconfig naming just the chosen cluster, user and context (paths made absolute), for client-node. */
  clientConfig: Entry;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A named entry and the kubeconfig file it came from (for messages). */
interface Named {
  value: Entry;
  file: string;
}

interface Merged {
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  contexts: Map<string, Named>;
  current?: string;
}

/** The connection the options and environment name. `serviceAccountDir` is for tests of the in-cluster case. */
export async function loadConfig(options: ConnectOptions, env: NodeJS.ProcessEnv = process.env, serviceAccountDir = SERVICE_ACCOUNT_DIR): Promise<ClusterConfig> {
  const { files, home } = kubeconfigFiles(options, env);
  let merged: Merged;
  if (files.length > 0) {
    const found = files.filter((f) => existsSync(f));
    if (options.kubeconfig && found.length === 0) throw new ClusterError('NoConfig', `kubeconfig ${quote(options.kubeconfig)} not found`);
    if (found.length === 0) throw new ClusterError('NoConfig', `none of the kubeconfig files in KUBECONFIG exists (${quote(files.join(delimiter), 200)})`);
    merged = await mergeFiles(found);
  } else if (existsSync(home)) {
    merged = await mergeFiles([home]);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(`${serviceAccountDir}/token`)) {
    return await inCluster(options, env, serviceAccountDir);
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
    const known = [...merged.contexts.keys()].map((k) => quote(k)).join(', ') || 'none';
    throw new ClusterError('NoConfig', `context ${quote(contextName)} does not exist in the kubeconfig (it has: ${known})`);
  }
  const ctx = context.value;
  const clusterName: string = ctx.cluster ?? '';
  const named = merged.clusters.get(clusterName);
  if (!named) throw new ClusterError('NoConfig', `context ${quote(contextName)} (in ${quote(context.file)}) names cluster ${quote(clusterName)}, which the kubeconfig does not define`);
  const cluster = named.value;
  if (!cluster.server) throw new ClusterError('NoConfig', `cluster ${quote(clusterName)} in ${quote(named.file)} has no server`);
  const userName: string | undefined = ctx.user;
  const userNamed = userName !== undefined ? merged.users.get(userName) : undefined;
  const user = userNamed?.value ?? {};

  const insecure = cluster['insecure-skip-tls-verify'] === true;
  const ca = await pem('ca', `the certificate authority of cluster ${quote(clusterName)}`, named.file, cluster['certificate-authority-data'], cluster['certificate-authority']);
  const who = `user ${quote(userName ?? '')}`;
  const userFile = userNamed?.file ?? context.file;
  const cert = await pem('cert', `the client certificate of ${who}`, userFile, user['client-certificate-data'], user['client-certificate']);
  const key = await pem('key', `the client key of ${who}`, userFile, user['client-key-data'], user['client-key']);
  if (cert && !key) throw new ClusterError('NoConfig', `${who} in ${quote(userFile)} has a client certificate but no client key (client-key or client-key-data)`);
  if (key && !cert) throw new ClusterError('NoConfig', `${who} in ${quote(userFile)} has a client key but no client certificate (client-certificate or client-certificate-data)`);
  // client-go: the scheme defaults to https when there is anything TLS to use, else http.
  const server = serverUrl(cluster.server, Boolean(ca || cert || insecure), `cluster ${quote(clusterName)} in ${quote(named.file)}`);
  const tls: TlsOptions = {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: !insecure,
    ...(cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
  };
  if (server.startsWith('https:')) tls.secureContext = secureContext(tls, `cluster ${quote(clusterName)}`, who, userFile);

  const namedUser = userName ?? 'user';
  const clientConfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { ...cluster, server } }],
    users: [{ name: namedUser, user }],
    contexts: [{ name: contextName, context: { ...ctx, user: namedUser } }],
    'current-context': contextName,
  };
  return {
    namespace: options.namespace ?? ctx.namespace ?? 'default',
    server,
    requestTimeoutMs: options.requestTimeoutMs ?? 0,
    limits: limitsFor(options),
    tls,
    authorization: once(() => authorization(user, server)),
    headers: impersonation(user),
    needsClient: Boolean(user['auth-provider'] || cluster['proxy-url']),
    ...(cluster['proxy-url'] ? { proxyUrl: cluster['proxy-url'] } : {}),
    clientConfig,
  };
}

/** The kubeconfig files kubectl's rules name (existing or not), and ~/.kube/config for when they name none. */
function kubeconfigFiles(options: { kubeconfig?: string }, env: NodeJS.ProcessEnv): { files: string[]; home: string } {
  const files = options.kubeconfig ? [options.kubeconfig] : (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  return { files, home: join(env.HOME || homedir(), '.kube', 'config') };
}

/**
 * The context names of the kubeconfig files loadConfig would read (for completing --context), in file
 * order, each once. Silent: a missing or unreadable file, or an entry of the wrong shape, adds nothing.
 */
export async function contextNames(options: { kubeconfig?: string } = {}, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const { files, home } = kubeconfigFiles(options, env);
  const { load: parse } = await import('js-yaml');
  const names = new Set<string>();
  for (const file of files.length > 0 ? files : [home]) {
    try {
      const contexts = (parse(await readText(file)) as { contexts?: unknown } | null)?.contexts;
      if (!Array.isArray(contexts)) continue;
      for (const c of contexts) if (isMapping(c) && typeof c.name === 'string' && c.name !== '') names.add(c.name);
    } catch {
      // Not a kubeconfig we can read: no names from it.
    }
  }
  return [...names];
}

function limitsFor(options: ConnectOptions): Limits {
  const limits = { ...DEFAULT_LIMITS, ...options.limits, requestMs: Math.max(0, options.requestTimeoutMs ?? 0) };
  if (options.requestTimeoutMs === 0) limits.answerMs = 0;
  return limits;
}

// ---- reading and checking the files -------------------------------------------------------------

/** A kubeconfig, or a file one names, is small: beyond this it is not one (and is never read whole). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** A file's bytes, at most MAX_FILE_BYTES: a regular file or a pipe (`--kubeconfig <(…)`, read without blocking), never a device. */
function readBounded(path: string): Promise<Buffer> {
  return readCapped(path, MAX_FILE_BYTES);
}

async function readText(path: string): Promise<string> {
  return (await readBounded(path)).toString('utf8');
}

async function mergeFiles(files: string[]): Promise<Merged> {
  // js-yaml, not the yaml package: a kubeconfig needs no source positions, and it loads several times faster.
  const { load: parse } = await import('js-yaml');
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parse(await readText(file));
    } catch (err) {
      throw new ClusterError('NoConfig', `cannot read kubeconfig ${quote(file)}: ${(err as Error).message.split('\n')[0]}`);
    }
    const config = checkShape(doc, file);
    const base = dirname(resolve(file));
    // kubectl: the first file to set a name (or the current context) wins.
    merged.current ??= config['current-context'] || undefined;
    for (const [list, key, map] of [
      ['clusters', 'cluster', merged.clusters],
      ['users', 'user', merged.users],
      ['contexts', 'context', merged.contexts],
    ] as const) {
      for (const item of (config[list] ?? []) as Entry[]) {
        if (item.name !== undefined && item.name !== null && !map.has(item.name)) map.set(item.name, { value: absolutePaths(item[key] ?? {}, base), file });
      }
    }
  }
  return merged;
}

type Shape = 'string' | 'boolean' | 'mapping' | 'strings' | 'list';

const CLUSTER_FIELDS: Record<string, Shape> = {
  server: 'string',
  'certificate-authority': 'string',
  'certificate-authority-data': 'string',
  'insecure-skip-tls-verify': 'boolean',
  'tls-server-name': 'string',
  'proxy-url': 'string',
  'disable-compression': 'boolean',
};
const USER_FIELDS: Record<string, Shape> = {
  token: 'string',
  tokenFile: 'string',
  'client-certificate': 'string',
  'client-certificate-data': 'string',
  'client-key': 'string',
  'client-key-data': 'string',
  username: 'string',
  password: 'string',
  as: 'string',
  'as-uid': 'string',
  'as-groups': 'strings',
  'as-user-extra': 'mapping',
  exec: 'mapping',
  'auth-provider': 'mapping',
};
const CONTEXT_FIELDS: Record<string, Shape> = { cluster: 'string', user: 'string', namespace: 'string' };
const EXEC_FIELDS: Record<string, Shape> = { command: 'string', args: 'strings', env: 'list', apiVersion: 'string', installHint: 'string', provideClusterInfo: 'boolean', interactiveMode: 'string' };

/**
 * The shapes pachsvc reads, checked before anything is used: lists of named entries, strings where
 * strings go. kubectl refuses such a file too (it cannot decode it); this says where and what.
 */
export function checkShape(doc: unknown, file: string): Entry {
  const where = `kubeconfig ${quote(file)}`;
  if (doc === undefined || doc === null) return {};
  if (!isMapping(doc)) throw new ClusterError('NoConfig', `${where} is not a kubeconfig: it holds ${shapeOf(doc)}, not a mapping with clusters, users and contexts`);
  const cur = doc['current-context'];
  if (cur !== undefined && cur !== null && typeof cur !== 'string') throw wrong(where, 'current-context', 'a string', cur);
  const lists = [
    ['clusters', 'cluster', CLUSTER_FIELDS],
    ['users', 'user', USER_FIELDS],
    ['contexts', 'context', CONTEXT_FIELDS],
  ] as const;
  for (const [list, key, fields] of lists) {
    const items = doc[list];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) throw wrong(where, list, `a list of named ${list} (- name: …, ${key}: {…})`, items);
    items.forEach((item: unknown, i: number) => {
      const at = `${list}[${i}]`;
      if (!isMapping(item)) throw wrong(where, at, `a mapping with name and ${key}`, item);
      const name = item.name;
      if (name !== undefined && name !== null && typeof name !== 'string') throw wrong(where, `${at}.name`, 'a string', name);
      const label = typeof name === 'string' ? `${key} ${quote(name)}` : at;
      const body = item[key];
      if (body === undefined || body === null) return;
      if (!isMapping(body)) throw wrong(where, `${label}: ${key}`, 'a mapping', body);
      checkFields(where, label, body, fields);
      if (key === 'user' && isMapping(body.exec)) {
        checkFields(where, `${label}: exec`, body.exec, EXEC_FIELDS);
        const envs = (body.exec.env ?? []) as unknown[];
        envs.forEach((e, j) => {
          if (!isMapping(e) || typeof e.name !== 'string' || typeof e.value !== 'string') {
            throw wrong(where, `${label}: exec.env[${j}]`, 'a mapping with a name and a value, both strings', e);
          }
        });
        if (typeof body.exec.command !== 'string' || body.exec.command === '') throw new ClusterError('NoConfig', `${where}: ${label}: exec has no command`);
      }
    });
  }
  return doc;
}

function checkFields(where: string, label: string, body: Entry, fields: Record<string, Shape>): void {
  for (const [field, shape] of Object.entries(fields)) {
    const v = body[field];
    if (v === undefined || v === null) continue;
    const ok =
      shape === 'string'
        ? typeof v === 'string'
        : shape === 'boolean'
          ? typeof v === 'boolean'
          : shape === 'mapping'
            ? isMapping(v)
            : shape === 'strings'
              ? Array.isArray(v) && v.every((s) => typeof s === 'string')
              : Array.isArray(v);
    if (!ok) {
      const want = { string: 'a string', boolean: 'true or false', mapping: 'a mapping', strings: 'a list of strings', list: 'a list' }[shape];
      const hint = shape === 'string' && (typeof v === 'number' || typeof v === 'boolean') ? ' (quote it)' : '';
      throw wrong(where, `${label}: ${field}`, want + hint, v);
    }
  }
}

function wrong(where: string, what: string, want: string, got: unknown): ClusterError {
  return new ClusterError('NoConfig', `${where}: ${what} must be ${want}, not ${shapeOf(got)}`);
}

function isMapping(v: unknown): v is Entry {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Date);
}

/** `a number (5)`, `a list`, `a string ("x")`: what a value is, for messages. */
function shapeOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'number') return `a number (${v})`;
  if (typeof v === 'boolean') return `${v}`;
  if (typeof v === 'string') return `a string (${quote(v, 40)})`;
  if (isMapping(v)) return 'a mapping';
  return typeof v;
}

// File paths in a kubeconfig are relative to the kubeconfig itself; so is an exec command with a slash
// (client-go's GetAuthInfoFileReferences).
function absolutePaths(entry: Entry, base: string): Entry {
  const out = { ...entry };
  for (const k of ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile']) {
    if (typeof out[k] === 'string' && out[k] !== '' && !isAbsolute(out[k])) out[k] = join(base, out[k]);
  }
  const command = out.exec?.command;
  if (typeof command === 'string' && command.includes(sep) && !isAbsolute(command)) out.exec = { ...out.exec, command: join(base, command) };
  return out;
}

async function readFile(path: string, what = 'a file'): Promise<Buffer> {
  try {
    return await readBounded(path);
  } catch (err) {
    throw new ClusterError('NoConfig', `cannot read ${what} ${quote(path)} named in the kubeconfig: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

// ---- TLS material -------------------------------------------------------------------------------

const PEM_LABEL = { ca: /-----BEGIN CERTIFICATE-----/, cert: /-----BEGIN CERTIFICATE-----/, key: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/ };
const PEM_WANT = { ca: '-----BEGIN CERTIFICATE-----', cert: '-----BEGIN CERTIFICATE-----', key: '-----BEGIN … PRIVATE KEY-----' };
const FIELD = { ca: 'certificate-authority', cert: 'client-certificate', key: 'client-key' };

/**
 * The PEM bytes of a CA, certificate or key (`…-data` wins over the file, as in kubectl), checked to be
 * PEM of the right kind: if not, one sentence naming the entry and the file.
 */
async function pem(kind: 'ca' | 'cert' | 'key', what: string, kubeconfig: string | undefined, data: string | undefined, path: string | undefined): Promise<Buffer | undefined> {
  let bytes: Buffer;
  let source: string;
  if (data) {
    source = `${FIELD[kind]}-data in ${quote(kubeconfig ?? '')}`;
    if (!/^[A-Za-z0-9+/=\s]*$/.test(data)) throw new ClusterError('NoConfig', `${what} (${source}) is not base64`);
    bytes = Buffer.from(data, 'base64');
  } else if (path) {
    bytes = await readFile(path, FIELD[kind]);
    source = kubeconfig === undefined ? quote(path) : `${quote(path)}, named by ${FIELD[kind]} in ${quote(kubeconfig)}`;
  } else {
    return undefined;
  }
  if (!PEM_LABEL[kind].test(bytes.toString('latin1'))) {
    throw new ClusterError('NoConfig', `${what} (${source}) is not PEM: it has no ${PEM_WANT[kind]} line`);
  }
  return bytes;
}

/** Parses the TLS material once; a certificate or key OpenSSL cannot read is named, not "PEM routines". */
function secureContext(tls: TlsOptions, clusterLabel: string, who: string, userFile: string): SecureContext {
  try {
    return createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key });
  } catch (err) {
    const why = (e: unknown) => String((e as Error).message).replace(/^error:[0-9A-F]+:/, '');
    const problem = (o: { ca?: Buffer; cert?: Buffer; key?: Buffer }) => {
      try {
        createSecureContext(o);
        return undefined;
      } catch (e) {
        return why(e);
      }
    };
    const fail = (message: string) => new ClusterError('NoConfig', message);
    let p: string | undefined;
    if (tls.ca && (p = problem({ ca: tls.ca }))) throw fail(`the certificate authority of ${clusterLabel} cannot be read: ${p}`);
    if (tls.cert && (p = problem({ cert: tls.cert }))) throw fail(`the client certificate of ${who} in ${quote(userFile)} cannot be read: ${p}`);
    if (tls.key && (p = problem({ key: tls.key }))) throw fail(`the client key of ${who} in ${quote(userFile)} cannot be read: ${p}`);
    // OpenSSL's X509_check_private_key, through Node: the key is not the certificate's.
    if ((err as NodeJS.ErrnoException).code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') throw fail(`the client key of ${who} in ${quote(userFile)} does not belong to its client certificate`);
    throw fail(`the TLS settings of ${clusterLabel} and ${who} cannot be used: ${why(err)}`);
  }
}

/**
 * The server URL, by client-go's rules (rest.DefaultServerURL): a bare host:port gets https when there
 * is TLS material or insecure-skip-tls-verify, else http; anything else must be an http(s) URL.
 */
export function serverUrl(raw: string, defaultTls: boolean, where: string): string {
  const text = raw.trim();
  const bad = (why: string) => new ClusterError('NoConfig', `the server ${quote(raw)} of ${where} ${why}`);
  let url: URL | undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      url = new URL(text);
    } catch {
      throw bad('is not a URL (it should look like https://HOST:PORT)');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad(`is not an http or https URL (${url.protocol.slice(0, -1)})`);
  } else {
    try {
      url = new URL(`${defaultTls ? 'https' : 'http'}://${text}`);
    } catch {
      throw bad('is neither a URL nor HOST:PORT (it should look like https://HOST:PORT)');
    }
    if (url.pathname !== '/' || url.search || url.hash) throw bad('is neither a URL nor HOST:PORT (it should look like https://HOST:PORT)');
  }
  if (!url.hostname) throw bad('has no host (it should look like https://HOST:PORT)');
  if (url.username || url.password) throw bad('carries a user name or password: put credentials in the user entry');
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

// ---- in-cluster ---------------------------------------------------------------------------------

async function inCluster(options: ConnectOptions, env: NodeJS.ProcessEnv, dir: string): Promise<ClusterConfig> {
  const host = env.KUBERNETES_SERVICE_HOST!.includes(':') ? `[${env.KUBERNETES_SERVICE_HOST}]` : env.KUBERNETES_SERVICE_HOST!;
  const server = serverUrl(`https://${host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`, true, 'the in-cluster service (KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT)');
  const namespace = options.namespace ?? (existsSync(`${dir}/namespace`) ? (await readText(`${dir}/namespace`)).trim() : 'default');
  const cluster = { server, 'certificate-authority': `${dir}/ca.crt` };
  const user = { tokenFile: `${dir}/token` };
  const ca = await pem('ca', 'the in-cluster certificate authority', undefined, undefined, cluster['certificate-authority']);
  const tls: TlsOptions = { ...(ca ? { ca } : {}), rejectUnauthorized: true };
  tls.secureContext = secureContext(tls, 'the in-cluster service', 'the service account', user.tokenFile);
  return {
    namespace,
    server,
    requestTimeoutMs: options.requestTimeoutMs ?? 0,
    limits: limitsFor(options),
    tls,
    // The projected token is rotated: read it for every process, as client-go does.
    authorization: once(async () => `Bearer ${(await readText(user.tokenFile)).trim()}`),
    headers: {},
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

// ---- credentials --------------------------------------------------------------------------------

/** client-go's impersonation headers (transport/round_trippers.go). */
function impersonation(user: Entry): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (user.as) headers['Impersonate-User'] = user.as;
  if (user['as-uid']) headers['Impersonate-Uid'] = user['as-uid'];
  if (user['as-groups']?.length) headers['Impersonate-Group'] = user['as-groups'];
  for (const [k, v] of Object.entries((user['as-user-extra'] ?? {}) as Record<string, unknown>)) {
    const values = (Array.isArray(v) ? v : [v]).map(String);
    if (values.length > 0) headers[`Impersonate-Extra-${encodeURIComponent(k)}`] = values;
  }
  return headers;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

async function authorization(user: Entry, server: string): Promise<string | undefined> {
  if (user.token) return `Bearer ${user.token}`;
  if (user.tokenFile) return `Bearer ${(await readFile(user.tokenFile, 'tokenFile')).toString('utf8').trim()}`;
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
    // child_process is loaded only here: most kubeconfigs have no credential plugin.
    process.getBuiltinModule('node:child_process').execFile(exec.command, (exec.args ?? []) as string[], { env, timeout: 60_000 }, (err, out, errText) => {
      if (err) {
        const why =
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? `${quote(exec.command)} not found${exec.installHint ? ` (${quote(exec.installHint, 200)})` : ''}`
            : err.killed
              ? `${quote(exec.command)} gave no credentials within 60s`
              : String(errText).trim().split('\n')[0] || err.message;
        reject(new ClusterError('Unauthorized', `getting credentials: exec: ${why}`));
      } else resolvePromise(out);
    });
  });
  let status: { token?: string; clientCertificateData?: string } | undefined;
  try {
    status = (JSON.parse(stdout) as { status?: { token?: string; clientCertificateData?: string } }).status;
  } catch {
    throw new ClusterError('Unauthorized', `getting credentials: exec: ${quote(exec.command)} did not print an ExecCredential (JSON)`);
  }
  if (status?.token) return `Bearer ${status.token}`;
  if (status?.clientCertificateData) {
    throw new ClusterError('Unauthorized', 'credential plugins that return client certificates are not supported yet: use a token plugin');
  }
  return undefined;
}
