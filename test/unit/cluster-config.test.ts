// Reading a kubeconfig: every broken one is one plain sentence (a ClusterError, reason NoConfig) naming
// the file and the entry; the server URL, CA and client certificate are checked before anything is sent;
// every way of authenticating that works keeps working (token, token file, exec plugin, client
// certificate, in-cluster service account).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '../../src/cluster/client.ts';
import { loadConfig, serverUrl, type ConnectOptions } from '../../src/cluster/config.ts';
import { ClusterError } from '../../src/cluster/errors.ts';
import { hasOpenssl, kubeconfigFor, makeTlsMaterial, startHttpServer, writeKubeconfig, type TlsMaterial } from '../helpers/stub-network.ts';
import { tempDir } from '../helpers/temp.ts';

const NO_ENV = { HOME: tempDir('home') };
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Loads the kubeconfig (an object, or YAML text) and returns the ClusterError it fails with. */
async function failure(content: string | Record<string, unknown>, options: ConnectOptions = {}): Promise<ClusterError> {
  const file = writeKubeconfig(content);
  try {
    await loadConfig({ kubeconfig: file, ...options }, NO_ENV);
  } catch (err) {
    assert.ok(err instanceof ClusterError, `a ClusterError, not ${String(err)}`);
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return err;
  }
  assert.fail('the kubeconfig was accepted');
}

function load(content: string | Record<string, unknown>, options: ConnectOptions = {}) {
  return loadConfig({ kubeconfig: writeKubeconfig(content), ...options }, NO_ENV);
}

describe('a kubeconfig of the wrong shape is one sentence naming the file and the field', () => {
  test('clusters: 5', async () => {
    const e = await failure('apiVersion: v1\nkind: Config\nclusters: 5\n');
    assert.equal(e.reason, 'NoConfig');
    assert.match(e.message, /^kubeconfig ".*kubeconfig": clusters must be a list of named clusters \(- name: …, cluster: \{…\}\), not a number \(5\)$/);
  });

  const cases: [string, string, RegExp][] = [
    ['a document that is a string', 'just some text\n', /is not a kubeconfig: it holds a string \("just some text"\)/],
    ['a document that is a list', '- a\n- b\n', /is not a kubeconfig: it holds a list/],
    ['users as a mapping', 'users: {alice: {token: x}}\n', /users must be a list of named users/],
    ['contexts as a string', 'contexts: dev\n', /contexts must be a list of named contexts .* not a string \("dev"\)/],
    ['an entry that is a string', 'clusters: [prod]\n', /clusters\[0\] must be a mapping with name and cluster, not a string \("prod"\)/],
    ['a name that is a number', 'clusters: [{name: 5, cluster: {server: "https://x"}}]\n', /clusters\[0\]\.name must be a string, not a number \(5\)/],
    ['a cluster that is a string', 'clusters: [{name: prod, cluster: "https://x"}]\n', /cluster "prod": cluster must be a mapping, not a string/],
    ['a numeric token', 'users: [{name: alice, user: {token: 12345}}]\n', /user "alice": token must be a string \(quote it\), not a number \(12345\)/],
    ['a string for a boolean', 'clusters: [{name: p, cluster: {server: "https://x", insecure-skip-tls-verify: "yes"}}]\n', /cluster "p": insecure-skip-tls-verify must be true or false, not a string \("yes"\)/],
    ['a server that is a list', 'clusters: [{name: p, cluster: {server: [a]}}]\n', /cluster "p": server must be a string, not a list/],
    ['current-context: 5', 'current-context: 5\n', /current-context must be a string, not a number \(5\)/],
    ['exec args that are not strings', 'users: [{name: a, user: {exec: {command: x, args: [1, {b: 2}]}}}]\n', /user "a": exec: args must be a list of strings, not a list/],
    ['exec env of the wrong shape', 'users: [{name: a, user: {exec: {command: x, env: [FOO=bar]}}}]\n', /user "a": exec\.env\[0\] must be a mapping with a name and a value, both strings, not a string \("FOO=bar"\)/],
    ['exec without a command', 'users: [{name: a, user: {exec: {apiVersion: client.authentication.k8s.io/v1}}}]\n', /user "a": exec has no command/],
    ['exec that is a string', 'users: [{name: a, user: {exec: "aws eks get-token"}}]\n', /user "a": exec must be a mapping, not a string/],
  ];
  for (const [what, yaml, message] of cases) {
    test(what, async () => {
      const e = await failure(yaml);
      assert.equal(e.reason, 'NoConfig');
      assert.match(e.message, /^kubeconfig ".*kubeconfig"/, 'names the file');
      assert.match(e.message, message);
    });
  }

  test('YAML that does not parse names the file', async () => {
    const e = await failure('clusters: [\n  - name: x\n');
    assert.match(e.message, /^cannot read kubeconfig ".*kubeconfig": /);
  });

  test('a wrong shape in a second KUBECONFIG file names that file', async () => {
    const good = writeKubeconfig(kubeconfigFor('https://127.0.0.1:6443'));
    const bad = writeKubeconfig('users: 7\n', 'second');
    await assert.rejects(loadConfig({}, { ...NO_ENV, KUBECONFIG: `${good}:${bad}` }), (e: ClusterError) => e.reason === 'NoConfig' && /second": users must be a list/.test(e.message));
  });

  test('a well-formed kubeconfig with unknown fields and nulls loads', async () => {
    const c = await load(
      'apiVersion: v1\nkind: Config\npreferences: {}\nclusters:\n- name: p\n  cluster:\n    server: https://k.example:6443\n    extensions: [{name: x, extension: {}}]\n    tls-server-name: null\nusers:\n- name: u\n  user: {token: abc}\ncontexts:\n- name: c\n  context: {cluster: p, user: u, namespace: team}\ncurrent-context: c\n',
    );
    assert.equal(c.server, 'https://k.example:6443');
    assert.equal(c.namespace, 'team');
    assert.equal(await c.authorization(), 'Bearer abc');
  });
});

describe('the server URL', () => {
  test('host:port without a scheme is https when there is TLS to use, else http (client-go rest.DefaultServerURL)', () => {
    assert.equal(serverUrl('127.0.0.1:6443', true, 'x'), 'https://127.0.0.1:6443');
    assert.equal(serverUrl('localhost:8080', false, 'x'), 'http://localhost:8080');
    assert.equal(serverUrl('https://k.example:6443/', true, 'x'), 'https://k.example:6443');
    assert.equal(serverUrl('https://proxy.example/k8s/clusters/c-1/', true, 'x'), 'https://proxy.example/k8s/clusters/c-1');
  });

  for (const [server, message] of [
    ['https://exa mple:6443', /is not a URL/],
    ['https://k.example:99999', /is not a URL/],
    ['ftp://k.example', /is not an http or https URL \(ftp\)/],
    ['unix:///var/run/k8s.sock', /is not an http or https URL \(unix\)/],
    ['k.example:6443/some/path', /is neither a URL nor HOST:PORT/],
    ['https://user:secret@k.example', /carries a user name or password/],
  ] as const) {
    test(`${server}: one sentence naming the cluster and the file`, async () => {
      const e = await failure(kubeconfigFor(server));
      assert.equal(e.reason, 'NoConfig');
      assert.match(e.message, new RegExp(`^the server ".*" of cluster "stub" in ".*kubeconfig" `));
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /Invalid URL/);
    });
  }

  test('a cluster without a server', async () => {
    const e = await failure({ ...kubeconfigFor('x'), clusters: [{ name: 'stub', cluster: { 'insecure-skip-tls-verify': true } }] });
    assert.match(e.message, /^cluster "stub" in ".*kubeconfig" has no server$/);
  });
});

describe('certificates and keys', () => {
  let tls: TlsMaterial;
  before(function () {
    if (!hasOpenssl()) return;
    tls = makeTlsMaterial();
  });

  test('a garbage client certificate (data) names the user and the field, not "PEM routines"', async () => {
    const e = await failure(kubeconfigFor('https://127.0.0.1:6443', {}, { 'client-certificate-data': b64('garbage'), 'client-key-data': b64('garbage') }));
    assert.equal(e.reason, 'NoConfig');
    assert.match(e.message, /^the client certificate of user "stub" \(client-certificate-data in ".*kubeconfig"\) is not PEM: it has no -----BEGIN CERTIFICATE----- line$/);
  });

  test('a garbage client certificate file names the file and the kubeconfig', async () => {
    const dir = tempDir('cert');
    writeFileSync(join(dir, 'client.crt'), 'not a certificate\n');
    writeFileSync(join(dir, 'client.key'), 'not a key\n');
    const file = join(dir, 'kubeconfig');
    // Relative paths are relative to the kubeconfig.
    writeFileSync(file, JSON.stringify(kubeconfigFor('https://127.0.0.1:6443', {}, { 'client-certificate': 'client.crt', 'client-key': 'client.key' })));
    await assert.rejects(loadConfig({ kubeconfig: file }, NO_ENV), (e: ClusterError) => {
      assert.match(e.message, /^the client certificate of user "stub" \(".*client\.crt", named by client-certificate in ".*kubeconfig"\) is not PEM/);
      return true;
    });
  });

  test('a garbage client key', async (t) => {
    if (!tls) return t.skip('no openssl');
    const e = await failure(kubeconfigFor('https://127.0.0.1:6443', {}, { 'client-certificate-data': b64(tls.cert), 'client-key-data': b64('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n') }));
    assert.match(e.message, /^the client key of user "stub" in ".*kubeconfig" cannot be read: /);
  });

  test('a key that does not belong to the certificate', async (t) => {
    if (!tls) return t.skip('no openssl');
    const e = await failure(kubeconfigFor('https://127.0.0.1:6443', {}, { 'client-certificate-data': b64(tls.cert), 'client-key-data': b64(tls.otherKey) }));
    assert.match(e.message, /^the client key of user "stub" in ".*kubeconfig" does not belong to its client certificate$/);
  });

  test('a certificate without its key', async (t) => {
    if (!tls) return t.skip('no openssl');
    const e = await failure(kubeconfigFor('https://127.0.0.1:6443', {}, { 'client-certificate-data': b64(tls.cert) }));
    assert.match(e.message, /has a client certificate but no client key/);
  });

  test('a CA that is not PEM (data, and file)', async () => {
    let e = await failure(kubeconfigFor('https://127.0.0.1:6443', { 'certificate-authority-data': b64('hello') }));
    assert.match(e.message, /^the certificate authority of cluster "stub" \(certificate-authority-data in ".*kubeconfig"\) is not PEM/);
    const dir = tempDir('ca');
    writeFileSync(join(dir, 'ca.crt'), Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    e = await failure(kubeconfigFor('https://127.0.0.1:6443', { 'certificate-authority': join(dir, 'ca.crt') }));
    assert.match(e.message, /^the certificate authority of cluster "stub" \(".*ca\.crt", named by certificate-authority in ".*kubeconfig"\) is not PEM/);
  });

  test('CA data that is not base64', async () => {
    const e = await failure(kubeconfigFor('https://127.0.0.1:6443', { 'certificate-authority-data': '-----BEGIN CERTIFICATE-----' }));
    assert.match(e.message, /certificate-authority-data in ".*kubeconfig"\) is not base64$/);
  });

  test('a missing certificate file', async () => {
    const e = await failure(kubeconfigFor('https://127.0.0.1:6443', { 'certificate-authority': '/nonexistent/ca.crt' }));
    assert.match(e.message, /^cannot read certificate-authority "\/nonexistent\/ca\.crt" named in the kubeconfig: ENOENT$/);
  });

  test('…-data wins over the file, as in kubectl', async (t) => {
    if (!tls) return t.skip('no openssl');
    const c = await load(kubeconfigFor('https://127.0.0.1:6443', { 'certificate-authority-data': b64(tls.cert), 'certificate-authority': '/nonexistent/ca.crt' }));
    assert.equal(c.tls.ca?.toString(), tls.cert);
  });

  test('a client certificate and key authenticate over TLS', async (t) => {
    if (!tls) return t.skip('no openssl');
    // The stub's certificate is its own CA; it asks for a client certificate signed by it.
    const https = await import('node:https');
    const seen: boolean[] = [];
    const server = https.createServer({ cert: tls.cert, key: tls.key, ca: tls.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      seen.push((req.socket as import('node:tls').TLSSocket).authorized);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const c = await Cluster.connect({
      kubeconfig: writeKubeconfig(kubeconfigFor(`https://127.0.0.1:${port}`, { 'certificate-authority-data': b64(tls.cert) }, { 'client-certificate-data': b64(tls.cert), 'client-key-data': b64(tls.key) })),
    });
    try {
      const pod = await c.get({ api: '/api/v1', resource: 'pods' }, 'default', 'p');
      assert.equal(pod?.metadata.name, 'p');
      assert.deepEqual(seen, [true]);
    } finally {
      c.close();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('credentials that work keep working', () => {
  let stub: Awaited<ReturnType<typeof startHttpServer>>;
  before(async () => {
    stub = await startHttpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}'));
  });
  after(() => stub.close());

  async function authorizationSent(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): Promise<string | undefined> {
    const c = await Cluster.connect({ kubeconfig: writeKubeconfig(kubeconfigFor(stub.url, cluster, user)) });
    try {
      await c.get({ api: '/api/v1', resource: 'pods' }, 'default', 'p');
    } finally {
      c.close();
    }
    return stub.requests.at(-1)?.headers.authorization;
  }

  test('a token', async () => assert.equal(await authorizationSent({ token: 't0k3n' }), 'Bearer t0k3n'));

  test('a token file (relative to the kubeconfig)', async () => {
    const dir = tempDir('token');
    writeFileSync(join(dir, 'token'), 'from-file\n');
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, JSON.stringify(kubeconfigFor(stub.url, {}, { tokenFile: 'token' })));
    const c = await Cluster.connect({ kubeconfig: file });
    await c.get({ api: '/api/v1', resource: 'pods' }, 'default', 'p');
    c.close();
    assert.equal(stub.requests.at(-1)?.headers.authorization, 'Bearer from-file');
  });

  test('a user name and password', async () => {
    assert.equal(await authorizationSent({ username: 'admin', password: 'pw' }), `Basic ${b64('admin:pw')}`);
  });

  test('an exec credential plugin (a relative command is relative to the kubeconfig), with its env and KUBERNETES_EXEC_INFO', async () => {
    const dir = tempDir('exec');
    mkdirSync(join(dir, 'bin'));
    const plugin = join(dir, 'bin', 'get-token');
    writeFileSync(
      plugin,
      `#!${process.execPath}\nconst info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);\nprocess.stdout.write(JSON.stringify({ apiVersion: info.apiVersion, kind: 'ExecCredential', status: { token: process.env.TEAM + '-' + process.argv[2] + '-' + (info.spec.cluster ? 'with-cluster' : 'bare') } }));\n`,
    );
    chmodSync(plugin, 0o755);
    const file = join(dir, 'kubeconfig');
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: `.${'/'}bin/get-token`, args: ['arg'], env: [{ name: 'TEAM', value: 'blue' }], provideClusterInfo: true, interactiveMode: 'Never' };
    writeFileSync(file, JSON.stringify(kubeconfigFor(stub.url, {}, { exec })));
    const c = await Cluster.connect({ kubeconfig: file });
    await c.get({ api: '/api/v1', resource: 'pods' }, 'default', 'p');
    c.close();
    assert.equal(stub.requests.at(-1)?.headers.authorization, 'Bearer blue-arg-with-cluster');
  });

  test('an exec plugin that is not installed says so', async () => {
    const c = await Cluster.connect({ kubeconfig: writeKubeconfig(kubeconfigFor(stub.url, {}, { exec: { command: 'pachsvc-no-such-plugin', installHint: 'install it' } })) });
    await assert.rejects(c.get({ api: '/api/v1', resource: 'pods' }, 'default', 'p'), (e: ClusterError) => e.reason === 'Unauthorized' && /exec: "pachsvc-no-such-plugin" not found \("install it"\)/.test(e.message));
    c.close();
  });

  test('impersonation (as, as-groups, as-uid) as client-go sends it', async () => {
    await authorizationSent({ token: 't', as: 'bob', 'as-groups': ['g1', 'g2'], 'as-uid': '42' });
    const headers = stub.requests.at(-1)!.headers;
    assert.equal(headers['impersonate-user'], 'bob');
    assert.equal(headers['impersonate-group'], 'g1, g2');
    assert.equal(headers['impersonate-uid'], '42');
  });

  test('a legacy auth-provider (through @kubernetes/client-node)', async () => {
    assert.equal(await authorizationSent({ 'auth-provider': { name: 'gcp', config: { 'access-token': 'gcp-token' } } }), 'Bearer gcp-token');
  });

  test('the in-cluster service account', async (t) => {
    if (!hasOpenssl()) return t.skip('no openssl');
    const tls = makeTlsMaterial();
    const server = await startHttpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}'), tls);
    const sa = tempDir('sa');
    writeFileSync(join(sa, 'token'), 'sa-token\n');
    writeFileSync(join(sa, 'ca.crt'), tls.cert);
    writeFileSync(join(sa, 'namespace'), 'team-a\n');
    const config = await loadConfig({}, { ...NO_ENV, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(server.port) }, sa);
    assert.equal(config.namespace, 'team-a');
    const c = Cluster.fromConfig(config);
    try {
      assert.equal((await c.get({ api: '/api/v1', resource: 'pods' }, 'team-a', 'p'))?.metadata.name, 'p');
      assert.equal(server.requests[0]?.headers.authorization, 'Bearer sa-token');
    } finally {
      c.close();
      await server.close();
    }
  });
});
