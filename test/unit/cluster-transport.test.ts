// The transport's promises, against small local servers that misbehave on purpose:
// - --request-timeout is one deadline for the whole request (connect, TLS, headers, body; streams too),
//   and the message says what had not come;
// - without it, client-go's limits (connect 30s, TLS handshake 10s) and a 60s limit for an answer
//   (shortened here through ConnectOptions.limits, so the tests are quick) end every request;
// - an answer that is not a Kubernetes Status (a web server's 404 page) is never "not found";
// - server-side apply is one PATCH of the object as given, and a 409 is a Conflict.
// Timing is asserted only with wide bounds (under twice the limit plus a second); every wait is bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPLY_PATCH, Cluster, KINDS } from '../../src/cluster/client.ts';
import type { ConnectOptions } from '../../src/cluster/config.ts';
import { ClusterError, type ClusterReason } from '../../src/cluster/errors.ts';
import { DEFAULT_LIMITS } from '../../src/cluster/transport.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { startStubApiServer, type StubApiServer } from '../helpers/stub-apiserver.ts';
import {
  hasOpenssl,
  kubeconfigFor,
  makeTlsMaterial,
  mute,
  startHttpServer,
  startConnectProxy,
  startNeverAcceptingServer,
  startSilentServer,
  trickling,
  webServer,
  writeKubeconfig,
  type StubServer,
  type TlsMaterial,
} from '../helpers/stub-network.ts';
import { tempDir } from '../helpers/temp.ts';

const HANG_GUARD_MS = 20_000;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const servers: StubServer[] = [];
let tls: TlsMaterial | undefined;

before(() => {
  if (hasOpenssl()) tls = makeTlsMaterial();
});
after(async () => {
  for (const s of servers) await s.close();
});

async function keep<T extends StubServer>(server: Promise<T>): Promise<T> {
  const s = await server;
  servers.push(s);
  return s;
}

/** A connection to server (https: insecure unless a CA is given) with these options. */
function connect(server: string, options: ConnectOptions = {}, cluster: Record<string, unknown> = {}): Promise<Cluster> {
  const tlsCluster = server.startsWith('https:') ? (tls && !cluster['insecure-skip-tls-verify'] ? { 'certificate-authority-data': b64(tls.cert) } : { 'insecure-skip-tls-verify': true }) : {};
  return Cluster.connect({ kubeconfig: writeKubeconfig(kubeconfigFor(server, { ...tlsCluster, ...cluster })), ...options });
}

/** Runs work, which must fail with a ClusterError within the hang guard; returns it and the time taken. */
async function failsWith(work: () => Promise<unknown>): Promise<{ error: ClusterError; ms: number }> {
  const started = Date.now();
  let guard: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    guard = setTimeout(() => reject(new Error(`still waiting after ${HANG_GUARD_MS} ms`)), HANG_GUARD_MS);
  });
  try {
    await Promise.race([work(), hung]);
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return { error: err, ms: Date.now() - started };
  } finally {
    clearTimeout(guard);
  }
  assert.fail('it succeeded');
}

function expect(e: ClusterError, reason: ClusterReason, message: RegExp): void {
  assert.equal(e.reason, reason, e.message);
  assert.match(e.message, message);
}

const pods = (c: Cluster) => c.table(KINDS.Pod, 'default', {});

interface LimitCase {
  what: string;
  server: () => Promise<StubServer>;
  /** The server speaks TLS with the test certificate (skipped without openssl). */
  tls?: boolean;
  options: ConnectOptions;
  /** The limit expected to end it, for the wide bound on when it ends (under twice it plus a second). */
  limitMs: number;
  message: RegExp;
}

/** `list`'s first request against the server ends with a Timeout naming the limit and the phase, near the limit. */
function limitTest(c: LimitCase): void {
  test(c.what, async (t) => {
    if (c.tls && !tls) return t.skip('no openssl');
    const server = await keep(c.server());
    const cluster = await connect(server.url, c.options);
    const { error, ms } = await failsWith(() => pods(cluster));
    cluster.close();
    expect(error, 'Timeout', c.message);
    assert.ok(ms < 2 * c.limitMs + 1000, `ended after ${ms} ms`);
  });
}

describe('--request-timeout is one deadline for the whole request', () => {
  const limitCases: LimitCase[] = [
    {
      what: 'a TLS port that accepts and never speaks: "no TLS handshake", at the deadline (not twice it)',
      server: startSilentServer,
      options: { requestTimeoutMs: 1000 },
      limitMs: 1000,
      message: /^Unable to connect to the server: the request to 127\.0\.0\.1:\d+ timed out after 1s \(--request-timeout\): no TLS handshake$/,
    },
    { what: 'a port that never accepts: "no connection"', server: startNeverAcceptingServer, options: { requestTimeoutMs: 1000 }, limitMs: 1000, message: /timed out after 1s \(--request-timeout\): no connection$/ },
    {
      what: 'a server that takes the request and never answers: "no answer"',
      server: () => startHttpServer(mute(), tls),
      tls: true,
      options: { requestTimeoutMs: 1000 },
      limitMs: 1000,
      message: /timed out after 1s \(--request-timeout\): no answer$/,
    },
    {
      what: 'headers, then a byte a second: "answer incomplete" (an idle timer would wait for ever)',
      server: () => startHttpServer(trickling(), tls),
      tls: true,
      options: { requestTimeoutMs: 1500 },
      limitMs: 1500,
      message: /timed out after 1\.5s \(--request-timeout\): answer incomplete$/,
    },
  ];
  limitCases.forEach(limitTest);

  test('a stream (logs -f) is bounded too, as kubectl bounds it (client-go http.Client.Timeout)', async () => {
    const server = await keep(startHttpServer(logLines()));
    const c = await connect(server.url, { requestTimeoutMs: 1000 });
    const lines: string[] = [];
    const { error } = await failsWith(async () => {
      const res = await c.stream(c.path(KINDS.Pod, 'default', 'p', 'log'), { query: { follow: true } });
      for await (const chunk of res) lines.push(String(chunk));
    });
    c.close();
    expect(error, 'Timeout', /timed out after 1s \(--request-timeout\): answer incomplete$/);
    assert.ok(lines.length > 0, 'lines came before the deadline');
  });
});

describe('without --request-timeout, default limits end every request', () => {
  test('the defaults are client-go\'s connect (30s) and TLS handshake (10s) limits, and 60s for an answer', async () => {
    assert.deepEqual({ ...DEFAULT_LIMITS }, { connectMs: 30_000, tlsHandshakeMs: 10_000, answerMs: 60_000 });
    const c = await connect('https://127.0.0.1:1');
    assert.deepEqual({ ...c.limits }, { requestMs: 0, connectMs: 30_000, tlsHandshakeMs: 10_000, answerMs: 60_000 });
    c.close();
  });

  test('--request-timeout=0 means no overall limit, as in kubectl: only connecting and the handshake stay limited', async () => {
    const c = await connect('https://127.0.0.1:1', { requestTimeoutMs: 0 });
    assert.deepEqual({ ...c.limits }, { requestMs: 0, connectMs: 30_000, tlsHandshakeMs: 10_000, answerMs: 0 });
    c.close();
  });

  const limitCases: LimitCase[] = [
    {
      what: 'a TLS port that accepts and never speaks (a stopped API server): the TLS handshake limit',
      server: startSilentServer,
      options: { limits: { tlsHandshakeMs: 700 } },
      limitMs: 700,
      message: /timed out after 700ms \(the TLS handshake limit\): no TLS handshake$/,
    },
    {
      what: "the TLS handshake limit holds under a longer --request-timeout too (as client-go's)",
      server: startSilentServer,
      options: { requestTimeoutMs: 60_000, limits: { tlsHandshakeMs: 700 } },
      limitMs: 700,
      message: /\(the TLS handshake limit\): no TLS handshake$/,
    },
    { what: 'a port that never accepts: the connect limit', server: startNeverAcceptingServer, options: { limits: { connectMs: 700 } }, limitMs: 700, message: /timed out after 700ms \(the connect limit\): no connection$/ },
    {
      what: 'a trickling answer: the answer limit',
      server: () => startHttpServer(trickling()),
      options: { limits: { answerMs: 1200 } },
      limitMs: 1200,
      message: /timed out after 1\.2s \(the default limit for an answer; --request-timeout sets another\): answer incomplete$/,
    },
  ];
  limitCases.forEach(limitTest);

  test('a stream is not cut once its headers came (a quiet logs -f is healthy)', async () => {
    const server = await keep(startHttpServer(logLines()));
    const c = await connect(server.url, { limits: { answerMs: 300 } });
    const res = await c.stream(c.path(KINDS.Pod, 'default', 'p', 'log'), { query: { follow: true } });
    let lines = 0;
    let error: unknown;
    res.on('data', () => lines++);
    res.on('error', (e) => (error = e));
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(error, undefined);
    assert.ok(lines > 2, `${lines} lines`);
    c.close();
  });

  test('--request-timeout=0 lets a trickling answer go on (kubectl\'s "no timeout")', async () => {
    const server = await keep(startHttpServer(trickling()));
    const c = await connect(server.url, { requestTimeoutMs: 0, limits: { answerMs: 300 } });
    let outcome = 'pending';
    pods(c).then(
      () => (outcome = 'answered'),
      (e: Error) => (outcome = e.message),
    );
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(outcome, 'pending');
    c.close();
  });

  test('close() ends requests still running, and nothing keeps the process alive', async () => {
    const silent = await keep(startSilentServer());
    const script = join(tempDir('close'), 'close.mts');
    const client = fileURLToPath(new URL('../../src/cluster/client.ts', import.meta.url));
    const kubeconfig = writeKubeconfig(kubeconfigFor(silent.url, { 'insecure-skip-tls-verify': true }));
    writeFileSync(
      script,
      `import { Cluster, KINDS } from ${JSON.stringify(client)};
       const c = await Cluster.connect({ kubeconfig: ${JSON.stringify(kubeconfig)} });
       const pending = c.table(KINDS.Pod, 'default', {}).catch((e) => console.log(e.reason));
       setTimeout(() => c.close(), 200);
       await pending;`,
    );
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
      child.on('close', (c) => {
        clearTimeout(guard);
        resolve(c);
      });
    });
    assert.equal(code, 0, out);
    assert.match(out, /Failed/);
    // The 10s TLS handshake limit would hold the process if a timer outlived close().
    assert.ok(Date.now() - started < 9000, `exited after ${Date.now() - started} ms`);
  });
});

describe('answers that are not the API server\'s', () => {
  test('a web server\'s 404 page is not "not found": get and delete fail, naming the server and the answer', async () => {
    const web = await keep(startHttpServer(webServer()));
    const c = await connect(web.url);
    const get = await failsWith(() => c.get(KINDS.Deployment, 'default', 'x'));
    expect(get.error, 'NotKubernetes', /^the server at "http:\/\/127\.0\.0\.1:\d+" is not a Kubernetes API server \(HTTP 404, text\/html\)$/);
    const del = await failsWith(() => c.delete(KINDS.Deployment, 'default', 'x'));
    assert.notEqual(del.error.reason, 'NotFound');
    c.close();
  });

  test('a Kubernetes Status 404 is NotFound (get gives undefined)', async () => {
    const server = await keep(
      startHttpServer((_req, res) =>
        res
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'deployments.apps "x" not found' })),
      ),
    );
    const c = await connect(server.url);
    assert.equal(await c.get(KINDS.Deployment, 'default', 'x'), undefined);
    const { error } = await failsWith(() => c.delete(KINDS.Deployment, 'default', 'x'));
    expect(error, 'NotFound', /^Error from server \(NotFound\): deployments\.apps "x" not found$/);
    c.close();
  });

  for (const [what, code, type, body, reason, message] of [
    ['a JSON 404 that is not a Status', 404, 'application/json', '{"error":"no route"}', 'NotKubernetes', /is not a Kubernetes API server \(HTTP 404, application\/json\)$/],
    ['an HTML page with 200', 200, 'text/html', '<html>welcome</html>', 'NotKubernetes', /is not a Kubernetes API server \(HTTP 200, text\/html\)$/],
    ['a 403 page from a proxy', 403, 'text/html', '<h1>Forbidden</h1>', 'NotKubernetes', /is not a Kubernetes API server \(HTTP 403, text\/html\)$/],
    ['a plain-text 500 (the API server\'s panic handler)', 500, 'text/plain', 'This request caused apiserver to panic. Look in the logs for details.\n', 'Failed', /^Error from server: the server at ".*" answered HTTP 500, text\/plain: "This request caused apiserver to panic\./],
    ['a 401 page', 401, 'text/html', '<h1>401</h1>', 'Unauthorized', /^You must be logged in to the server \(Unauthorized\) \[http:/],
  ] as const) {
    test(what, async () => {
      const server = await keep(startHttpServer((_req, res) => res.writeHead(code, { 'Content-Type': type }).end(body)));
      const c = await connect(server.url);
      const { error } = await failsWith(() => pods(c));
      expect(error, reason, message);
      c.close();
    });
  }

  test('https to a plain-HTTP port: kubectl\'s "server gave HTTP response to HTTPS client"', async () => {
    const web = await keep(startHttpServer(webServer()));
    const c = await connect(web.url.replace('http:', 'https:'));
    const { error } = await failsWith(() => pods(c));
    expect(error, 'Unreachable', /^Unable to connect to the server: http: server gave HTTP response to HTTPS client \(127\.0\.0\.1:\d+ speaks plain HTTP/);
    c.close();
  });

  test('https to a port that speaks something else is not called HTTP', async () => {
    const sockets: net.Socket[] = [];
    const ssh = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.write('SSH-2.0-OpenSSH_9.6\r\n');
    });
    await new Promise<void>((r) => ssh.listen(0, '127.0.0.1', r));
    servers.push({ url: '', port: 0, close: () => new Promise((r) => { sockets.forEach((s) => s.destroy()); ssh.close(() => r()); }) });
    const c = await connect(`https://127.0.0.1:${(ssh.address() as net.AddressInfo).port}`);
    const { error } = await failsWith(() => pods(c));
    assert.doesNotMatch(error.message, /HTTP response/);
    expect(error, 'Unreachable', /^Unable to connect to the server: the TLS handshake with 127\.0\.0\.1:\d+ failed: wrong version number$/);
    c.close();
  });

  test('a certificate the CA did not sign is an x509 error', async (t) => {
    if (!tls) return t.skip('no openssl');
    const server = await keep(startHttpServer(webServer(), tls));
    const other = makeTlsMaterial();
    const c = await Cluster.connect({ kubeconfig: writeKubeconfig(kubeconfigFor(server.url, { 'certificate-authority-data': b64(other.cert) })) });
    const { error } = await failsWith(() => pods(c));
    expect(error, 'Unreachable', /^Unable to connect to the server: x509: /);
    c.close();
  });
});

describe('server-side apply is one PATCH over the lean path', () => {
  let stub: StubApiServer;
  before(async () => {
    stub = await startStubApiServer();
  });
  after(() => stub.close());

  const deployment = (resourceVersion?: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: { replicas: 1, futureField: { kept: true } },
  });

  test('method, path, query, content type and body (untouched, unknown fields included)', async () => {
    const c = await Cluster.connect({ kubeconfig: stub.kubeconfig });
    const before = stub.requests.length;
    await c.apply(deployment(), 'default', { dryRun: true, force: true });
    await c.apply(deployment(), 'default', { dryRun: false, force: true });
    const [dry, real] = stub.requests.slice(before);
    assert.equal(dry?.method, 'PATCH');
    assert.equal(dry?.path, '/apis/apps/v1/namespaces/default/deployments/web');
    assert.equal(dry?.query.toString(), 'fieldManager=pachsvc&fieldValidation=Strict&force=true&dryRun=All');
    assert.equal(real?.query.toString(), 'fieldManager=pachsvc&fieldValidation=Strict&force=true');
    assert.equal(dry?.headers['content-type'], APPLY_PATCH);
    assert.equal(APPLY_PATCH, 'application/apply-patch+yaml');
    assert.deepEqual(JSON.parse(real!.body), deployment());
    // The Kubernetes client was never loaded for it.
    assert.equal((c as unknown as { client?: unknown }).client, undefined);
    c.close();
  });

  test('a resourceVersion in the object is sent as given; a stale one is a Conflict (409)', async () => {
    const c = await Cluster.connect({ kubeconfig: stub.kubeconfig });
    const live = await c.get<KubeObject>(KINDS.Deployment, 'default', 'web');
    assert.ok(live?.metadata.resourceVersion);
    await c.apply(deployment(live.metadata.resourceVersion), 'default', { dryRun: false, force: true });
    assert.equal(JSON.parse(stub.requests.at(-1)!.body).metadata.resourceVersion, live.metadata.resourceVersion);
    const { error } = await failsWith(() => c.apply(deployment(live.metadata.resourceVersion), 'default', { dryRun: false, force: true }));
    expect(error, 'Conflict', /^Error from server \(Conflict\): Operation cannot be fulfilled on deployments "web": the object has been modified/);
    assert.equal(error.status, 409);
    c.close();
  });

  test('with --request-timeout the server is told, as client-go tells it (timeout=…)', async () => {
    const c = await Cluster.connect({ kubeconfig: stub.kubeconfig, requestTimeoutMs: 90_000 });
    await c.apply(deployment(), 'default', { dryRun: true, force: true });
    assert.equal(stub.requests.at(-1)?.query.toString(), 'fieldManager=pachsvc&fieldValidation=Strict&force=true&dryRun=All&timeout=1m30s');
    c.close();
  });

  test('apply keeps --request-timeout', async () => {
    const silent = await keep(startSilentServer());
    const c = await connect(silent.url, { requestTimeoutMs: 800 });
    const { error } = await failsWith(() => c.apply(deployment(), 'default', { dryRun: true, force: true }));
    expect(error, 'Timeout', /timed out after 800ms \(--request-timeout\): no TLS handshake$/);
    c.close();
  });

  test('through a proxy-url (client-node\'s agents), with the deadline kept', async () => {
    const proxy = await keep(startConnectProxy(Number(new URL(stub.url).port)));
    const c = await Cluster.connect({ kubeconfig: writeKubeconfig(kubeconfigFor('http://k8s.invalid:8080', { 'proxy-url': proxy.url, 'insecure-skip-tls-verify': true })) });
    const before = stub.requests.length;
    await c.apply<KubeObject>(deployment(), 'default', { dryRun: true, force: true });
    assert.deepEqual(proxy.targets, ['k8s.invalid:8080']);
    const sent = stub.requests.slice(before);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.path} ${r.headers['content-type']}`), [`PATCH /apis/apps/v1/namespaces/default/deployments/web ${APPLY_PATCH}`]);
    c.close();
    const hung = await keep(startConnectProxy());
    const slow = await Cluster.connect({ kubeconfig: writeKubeconfig(kubeconfigFor('http://k8s.invalid:8080', { 'proxy-url': hung.url, 'insecure-skip-tls-verify': true })), requestTimeoutMs: 800 });
    const { error } = await failsWith(() => slow.apply(deployment(), 'default', { dryRun: true, force: true }));
    expect(error, 'Timeout', /timed out after 800ms \(--request-timeout\)/);
    slow.close();
  });
});

/** A log endpoint that prints a line every 100 ms for ever. */
function logLines() {
  return (_req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    let n = 0;
    const timer = setInterval(() => res.write(`line ${n++}\n`), 100);
    res.on('close', () => clearInterval(timer));
  };
}
