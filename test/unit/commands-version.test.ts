// `pachsvc version` in process: the in-memory cluster answers GET /version and holds (or not) pachd's
// Deployment; a stub pachd answers its HTTP API. Exit 1 only when the Kubernetes server is out of reach
// (as kubectl version); pachd out of reach, or a checkout image unlike pachd, is a warning.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClusterError, KubectlError } from '../../src/cluster/errors.ts';
import { runWith } from '../../src/cli/start/run.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { runIn, testFactory } from '../helpers/test-factory.ts';

function pachdDeployment(image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'pachd' },
    spec: { template: { spec: { containers: [{ name: 'pachd', image }] } } },
  };
}

function withPachd(image = 'pachyderm/pachd:2.11.6', namespace = 'default'): FakeKube {
  const kube = new FakeKube();
  kube.seed('deployments', pachdDeployment(image), namespace);
  return kube;
}

/** A stand-in for pachd's HTTP API: what GetVersion answers, and the requests it got. */
let pachd: http.Server;
let pachdUrl = '';
let answer: { status: number; body: string } = { status: 200, body: '{}' };
const requests: { method: string; url: string; body: string }[] = [];

before(async () => {
  pachd = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      if (req.url !== '/api/versionpb_v2.API/GetVersion') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
        return;
      }
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => pachd.listen(0, '127.0.0.1', resolve));
  pachdUrl = `http://127.0.0.1:${(pachd.address() as AddressInfo).port}`;
});
after(() => pachd.close());

describe('version', () => {
  test('--client: pachsvc and its checkout image, nothing asked of the network', async () => {
    const r = await runIn(['version', '--client']);
    assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: '' });
    assert.equal(r.stdout, 'pachsvc Version: dev\nCheckout Image: pachyderm/pachctl:2.11.6\n');
    assert.deepEqual(r.kube.calls, []);
    const json = await runIn(['version', '--client', '-o', 'json', '--pachctl-version', '2.12.0']);
    assert.deepEqual(JSON.parse(json.stdout), { clientVersion: { pachsvc: 'dev', checkoutImage: 'pachyderm/pachctl:2.12.0' } });
  });

  test("the Kubernetes server's version, and pachd's from the image of its Deployment", async () => {
    const r = await runIn(['version'], { kube: withPachd() });
    assert.deepEqual(r, {
      ...r,
      code: 0,
      stderr: '',
      stdout: 'pachsvc Version: dev\nCheckout Image: pachyderm/pachctl:2.11.6\nKubernetes Server Version: v1.35.8\npachd Version: 2.11.6\n',
    });
    assert.deepEqual(
      r.kube.calls.map((c) => [c.verb, c.resource, c.namespace, c.name]),
      [
        ['version', 'version', undefined, undefined],
        ['get', 'deployments', 'default', 'pachd'],
      ],
    );
  });

  test('-o json and -o yaml say where each version came from', async () => {
    const kube = withPachd('registry.example.com:5000/pachyderm/pachd:2.11.6', 'pachyderm');
    const r = await runIn(['version', '-o', 'json', '--pachyderm-namespace', 'pachyderm'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      clientVersion: { pachsvc: 'dev', checkoutImage: 'pachyderm/pachctl:2.11.6' },
      kubernetes: { server: 'https://fake.invalid:6443', major: '1', minor: '35', gitVersion: 'v1.35.8', platform: 'linux/amd64' },
      pachd: { version: '2.11.6', source: 'the image of deployment/pachd in namespace "pachyderm"' },
    });
    const yaml = await runIn(['version', '-o', 'yaml', '--pachyderm-namespace', 'pachyderm'], { kube });
    assert.match(yaml.stdout, /^clientVersion:\n {2}pachsvc: dev\n/);
    assert.match(yaml.stdout, /\n {2}gitVersion: v1\.35\.8\n/);
    assert.match(yaml.stdout, /\npachd:\n {2}version: "2\.11\.6"\n/);
  });

  test('a checkout image unlike pachd is a warning that says what to pass', async () => {
    const r = await runIn(['version'], { kube: withPachd('pachyderm/pachd:2.12.1') });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\npachd Version: 2\.12\.1\n$/);
    assert.equal(
      r.stderr,
      'warning: checkout containers use pachyderm/pachctl:2.11.6, but pachd is 2.12.1: pass --pachctl-version 2.12.1 to create, update and apply (pachctl should match pachd)\n',
    );
    assert.equal((await runIn(['version', '--pachctl-version', '2.12.1'], { kube: withPachd('pachyderm/pachd:2.12.1') })).stderr, '');
    // A whole image (a mirror) is compared by its tag; one pinned by digest alone cannot be compared.
    assert.equal((await runIn(['version', '--pachctl-image', 'mirror.example.com/pachctl:v2.12.1'], { kube: withPachd('pachyderm/pachd:2.12.1') })).stderr, '');
    assert.equal((await runIn(['version', '--pachctl-image', 'mirror.example.com/pachctl@sha256:' + 'a'.repeat(64)], { kube: withPachd('pachyderm/pachd:2.12.1') })).stderr, '');
  });

  test('pachd nowhere to be found: unknown, a warning, exit 0', async () => {
    const r = await runIn(['version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\nKubernetes Server Version: v1\.35\.8\npachd Version: unknown\n$/);
    assert.match(r.stderr, /^warning: pachd's version is unknown: there is no deployment\/pachd in namespace "default" \(--pachyderm-namespace names pachd's namespace; .*\)\n$/);
    const denied = new FakeKube();
    denied.deny('get', 'deployments');
    const forbidden = await runIn(['version', '-o', 'json'], { kube: denied });
    assert.equal(forbidden.code, 0);
    assert.match(JSON.parse(forbidden.stdout).pachd.error, /^cannot read deployment\/pachd in namespace "default": Error from server \(Forbidden\)/);
  });

  test('the Kubernetes server out of reach: unknown, its error as kubectl says it, exit 1', async () => {
    const kube = withPachd();
    kube.serverVersion = new KubectlError('Unreachable', 'Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused');
    const r = await runIn(['version'], { kube });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'pachsvc Version: dev\nCheckout Image: pachyderm/pachctl:2.11.6\nKubernetes Server Version: unknown\npachd Version: unknown\n');
    assert.equal(
      r.stderr,
      "warning: pachd's version is unknown: the Kubernetes server cannot be reached to find pachd (an http(s) --pachd-address asks pachd itself)\n" +
        'Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused\n',
    );
    const json = await runIn(['version', '-o', 'json'], { kube });
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout).kubernetes, {
      server: 'https://fake.invalid:6443',
      gitVersion: 'unknown',
      error: 'Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused',
    });
  });

  test('no kubeconfig at all: exit 1 with its reason; --client still works', async () => {
    const t = testFactory();
    t.f.kube = async () => {
      throw new ClusterError('NoConfig', 'no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config');
    };
    assert.equal(await runWith(['version'], t.f), 1);
    assert.equal(t.out(), 'pachsvc Version: dev\nCheckout Image: pachyderm/pachctl:2.11.6\nKubernetes Server Version: unknown\npachd Version: unknown\n');
    assert.match(t.err(), /\nerror: no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or create ~\/\.kube\/config\n$/);
    assert.equal(await runWith(['version', '--client'], t.f), 0);
  });

  test("an http(s) --pachd-address asks pachd's HTTP API (POST /api/versionpb_v2.API/GetVersion)", async () => {
    answer = { status: 200, body: JSON.stringify({ major: 2, minor: 12, micro: 0, additional: '-rc.1', gitCommit: 'abc', platform: 'amd64' }) };
    requests.length = 0;
    const r = await runIn(['version', '--pachd-address', pachdUrl, '-o', 'json'], { kube: withPachd() });
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout).pachd, { version: '2.12.0-rc.1', source: `pachd's HTTP API at ${pachdUrl}` });
    assert.deepEqual(requests, [{ method: 'POST', url: '/api/versionpb_v2.API/GetVersion', body: '{}' }]);
    assert.match(r.stderr, /^warning: checkout containers use pachyderm\/pachctl:2\.11\.6, but pachd is 2\.12\.0-rc\.1: pass --pachctl-version 2\.12\.0-rc\.1 /);
    // No Deployment is read: pachd said it itself.
    assert.ok(!r.kube.calls.some((c) => c.resource === 'deployments'));
  });

  test('pachd that cannot answer, or is not pachd: unknown with the reason, exit 0', async () => {
    answer = { status: 503, body: JSON.stringify({ code: 14, message: 'pachd is starting' }) };
    const down = await runIn(['version', '--pachd-address', pachdUrl]);
    assert.equal(down.code, 0);
    assert.match(down.stdout, /\npachd Version: unknown\n$/);
    assert.equal(down.stderr, `warning: pachd's version is unknown: ${pachdUrl}/api/versionpb_v2.API/GetVersion answered HTTP 503: pachd is starting\n`);

    answer = { status: 200, body: '{"hello":"world"}' };
    const other = await runIn(['version', '--pachd-address', pachdUrl]);
    assert.match(other.stderr, /did not answer with a Pachyderm version \(is this pachd's HTTP port\?\)\n$/);

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await runIn(['version', '--pachd-address', `http://127.0.0.1:${port}`]);
    assert.equal(refused.code, 0);
    assert.equal(refused.stderr, `warning: pachd's version is unknown: cannot reach http://127.0.0.1:${port}/api/versionpb_v2.API/GetVersion: ECONNREFUSED\n`);
  });

  test('a pachd that never answers is given up within --request-timeout', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      const r = await runIn(['version', '--pachd-address', url, '--request-timeout', '300ms']);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      assert.equal(r.code, 0);
      assert.match(r.stderr, /no answer from .* within 0\.3s\n$/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
