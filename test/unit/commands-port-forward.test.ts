// port-forward and open run in process against the in-memory cluster, whose pods' forwarded ports lead to
// local TCP servers the test starts (FakeKube.forwardPod): bytes flow, each new connection picks a ready
// pod afresh (a replaced pod is left, and said once on stderr), no ready pod ends with exit 1 at
// --pod-running-timeout, bad ports and addresses are usage errors, Ctrl-C (SIGINT/SIGTERM) closes
// everything and exits 0, and open prints a URL and opens a browser only with --browser on a terminal.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { runWith } from '../../src/cli/start/run.ts';
import { ClusterError } from '../../src/cluster/errors.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { addressFlag, portArg } from '../../src/cli/commands/port-forward.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { runIn, testFactory, type TestFactoryOptions } from '../helpers/test-factory.ts';
import { tempDir } from '../helpers/temp.ts';

const LABELS = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/managed-by': 'pachsvc' };

/** A TCP server that answers every chunk with `<tag> <chunk>`. */
async function tagServer(tag: string): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('data', (d) => s.write(`${tag} ${d}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** One connection: sends `text`, resolves with the first answer. */
function ask(port: number, text: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    s.setTimeout(5_000, () => s.destroy(new Error('no answer within 5s')));
    s.once('connect', () => s.write(text));
    s.once('data', (d) => {
      resolve(String(d));
      s.end();
    });
    s.once('error', reject);
    s.once('close', () => reject(new Error('closed without an answer')));
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

async function until<T>(fn: () => T | undefined | null | false, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function pod(name: string, options: { ready?: boolean; port?: number; deleting?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { ...LABELS }, ...(options.deleting ? { deletionTimestamp: '2026-12-01T10:04:00Z' } : {}) },
    spec: { containers: [{ name: 'service', ports: [{ name: 'user-port', containerPort: options.port ?? 8080, protocol: 'TCP' }] }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

/** A service as pachsvc renders one: Service port `port` → the container's `user-port`. */
function seedService(kube: FakeKube, port = 8080, extra: Record<string, unknown> = {}): void {
  kube.seed('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { ...LABELS } }, spec: { type: 'ClusterIP', ports: [{ name: 'user-port', protocol: 'TCP', port, targetPort: 'user-port', ...extra }] } });
  kube.seed('deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { ...LABELS } }, spec: { replicas: 1 } });
}

/** Starts a long-running command in process; `stop` sends the signal the way Ctrl-C does. */
function start(argv: string[], options: TestFactoryOptions & { kube: FakeKube }) {
  const t = testFactory(options);
  const started = Date.now();
  const done = runWith(argv, t.f);
  let code: number | undefined;
  void done.then((c) => (code = c));
  return {
    ...t,
    done,
    started,
    exited: () => code !== undefined,
    /** The local port once "Forwarding from 127.0.0.1:N" (or the URL) is printed. */
    port: () => until(() => /127\.0\.0\.1:(\d+)/.exec(t.out())?.[1] ?? (code !== undefined ? (() => { throw new Error(`exited ${code}: ${t.err()}`); })() : undefined)).then(Number),
    async stop(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
      process.emit(signal as never);
      return done;
    },
  };
}

const servers: { close(): Promise<void> }[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function server(tag: string) {
  const s = await tagServer(tag);
  servers.push(s);
  return s;
}

const dir = tempDir('pf');
function specFile(): string {
  const file = join(dir, 'web.json');
  writeFileSync(file, JSON.stringify({ pipeline: { name: 'web' }, transform: { image: 'python:3.12-slim', cmd: ['python3', '-m', 'http.server', '8080'] }, service: { internal_port: 8080 }, input: { pfs: { repo: 'data', glob: '/', branch: '0123456789abcdef0123456789abcdef' } } }));
  return file;
}

describe('port-forward', () => {
  test('bytes flow to the pod of a service created by pachsvc; Ctrl-C closes the listener and exits 0', async () => {
    const kube = new FakeKube();
    assert.equal((await runIn(['create', '-f', specFile()], { kube })).code, 0);
    const [p] = (await kube.list({ api: '/api/v1', resource: 'pods' }, 'default')).items;
    const target = await server('A');
    kube.forwardPod(p!.metadata.name, target.port, 8080);
    const run = start(['port-forward', 'web', ':8080'], { kube });
    const port = await run.port();
    assert.match(run.out(), new RegExp(`^Forwarding from 127\\.0\\.0\\.1:${port} -> 8080\\n$`));
    assert.equal(await ask(port, 'hello'), 'A hello');
    assert.equal(await ask(port, 'again'), 'A again');
    assert.equal(target.connections(), 2, 'one stream per connection');
    assert.equal(await run.stop(), 0);
    assert.equal(run.err(), '', 'stderr stays quiet');
    assert.ok(await refused(port), 'the listener is closed');
  });

  test('an open connection is closed by Ctrl-C too (SIGTERM)', async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a'));
    kube.forwardPod('web-a', (await server('A')).port);
    const run = start(['port-forward', 'web', '0:8080'], { kube });
    const port = await run.port();
    const s = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.on('error', () => {});
    s.write('x');
    await new Promise((r) => s.once('data', r));
    assert.equal(await run.stop('SIGTERM'), 0);
    await closed;
  });

  test('a Service port is mapped to the pod port it targets (as kubectl does for svc/NAME); LOCAL defaults to it', async () => {
    const kube = new FakeKube();
    seedService(kube, 80);
    kube.seed('pods', pod('web-a'));
    kube.forwardPod('web-a', (await server('A')).port, 8080); // only 8080 leads anywhere
    const run = start(['port-forward', 'web', '0:80'], { kube });
    const port = await run.port();
    assert.match(run.out(), /-> 8080$/m);
    assert.equal(await ask(port, 'svc'), 'A svc');
    assert.equal(await run.stop(), 0);

    // The Service port by name, and the container port itself, reach the same place.
    for (const remote of [':user-port', ':8080']) {
      const r = start(['port-forward', 'web', remote], { kube });
      assert.equal(await ask(await r.port(), remote), `A ${remote}`);
      assert.equal(await r.stop(), 0);
    }
  });

  test('a NodePort service: the node port is taken for the Service port', async () => {
    const kube = new FakeKube();
    seedService(kube, 8080, { nodePort: 30888 });
    kube.seed('pods', pod('web-a'));
    kube.forwardPod('web-a', (await server('A')).port, 8080);
    const r = start(['port-forward', 'web', ':30888'], { kube });
    assert.equal(await ask(await r.port(), 'np'), 'A np');
    assert.equal(await r.stop(), 0);
  });

  test('each new connection goes to a ready pod: after the pod is replaced, the next one reaches the new pod (said once on stderr)', async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a'));
    kube.forwardPod('web-a', (await server('A')).port);
    kube.forwardPod('web-b', (await server('B')).port);
    kube.forwardPod('web-c', (await server('C')).port);
    const run = start(['port-forward', 'web', ':8080'], { kube });
    const port = await run.port();
    assert.equal(await ask(port, '1'), 'A 1');

    // The Deployment replaces the pod: the old one goes, a new one becomes ready.
    await kube.delete({ api: '/api/v1', resource: 'pods' }, 'default', 'web-a');
    kube.seed('pods', pod('web-b'));
    assert.equal(await ask(port, '2'), 'B 2');
    assert.equal(await ask(port, '3'), 'B 3', 'it stays on the ready pod');
    assert.equal(run.err(), 'now forwarding to pod web-b (web-a was replaced)\n');

    // A pod that stops being ready is left for a ready one; a terminating one is not picked.
    kube.seed('pods', pod('web-b', { ready: false }));
    kube.seed('pods', pod('web-a', { deleting: true }));
    kube.seed('pods', pod('web-c'));
    assert.equal(await ask(port, '4'), 'C 4');
    assert.match(run.err(), /^now forwarding to pod web-c \(web-b is not ready\)$/m);
    assert.equal(await run.stop(), 0);
    assert.equal(run.out().split('\n').filter(Boolean).length, 1, 'stdout has the one Forwarding line');
  });

  test('a connection made while no pod is ready waits for one', async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a'));
    kube.forwardPod('web-a', (await server('A')).port);
    kube.forwardPod('web-b', (await server('B')).port);
    const run = start(['port-forward', 'web', ':8080'], { kube });
    const port = await run.port();
    await kube.delete({ api: '/api/v1', resource: 'pods' }, 'default', 'web-a');
    const answer = ask(port, 'waiting');
    await new Promise((r) => setTimeout(r, 300));
    kube.seed('pods', pod('web-b'));
    assert.equal(await answer, 'B waiting');
    assert.equal(await run.stop(), 0);
  });

  test('a pod whose port refuses: that connection fails with one line on stderr, the forward goes on', async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a'));
    const gone = await tagServer('gone');
    await gone.close();
    kube.forwardPod('web-a', gone.port);
    const run = start(['port-forward', 'web', ':8080'], { kube });
    const port = await run.port();
    await assert.rejects(ask(port, 'x'));
    await until(() => /^error: an error occurred forwarding to pod web-a port 8080: failed to dial 127\.0\.0\.1:\d+: .*ECONNREFUSED/m.test(run.err()));
    kube.forwardPod('web-a', (await server('A')).port);
    assert.equal(await ask(port, 'y'), 'A y');
    assert.equal(await run.stop(), 0);
  });

  test("what the API server or the kubelet says of a failed connection is one line, escaped", async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a'));
    kube.portForward = async () => {
      throw new ClusterError('Failed', 'error forwarding port 8080: \u001b]52;c;cm0gLXJmIH4K\u0007\u001b[2J\r\u009b31m\nFAKE LINE');
    };
    const run = start(['port-forward', 'web', ':8080'], { kube });
    try {
      const port = await run.port();
      await assert.rejects(ask(port, 'x'));
      await until(() => /an error occurred forwarding to pod web-a port 8080/.test(run.err()));
      assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(run.err()), JSON.stringify(run.err()));
      assert.ok(!/^FAKE LINE/m.test(run.err()), JSON.stringify(run.err()));
      assert.match(run.err(), /^error: an error occurred forwarding to pod web-a port 8080: error forwarding port 8080: \\u001b\]52;c;cm0gLXJmIH4K\\u0007\\u001b\[2J\\r\\u009b31m\\nFAKE LINE$/m);
    } finally {
      assert.equal(await run.stop(), 0);
    }
  });

  test('forwarding Forbidden (RBAC): the first connection ends the forward with exit 1 and the reason', async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a'));
    kube.deny('portforward', 'pods');
    const run = start(['port-forward', 'web', ':8080'], { kube });
    const port = await run.port();
    await assert.rejects(ask(port, 'x'));
    assert.equal(await run.done, 1);
    assert.match(run.err(), /^error: Error from server \(Forbidden\): pods "web-a" is forbidden/m);
    assert.ok(await refused(port), 'the listener is closed');
  });

  test('no ready pod within --pod-running-timeout: exit 1 with the reason, nothing listens', async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a', { ready: false }));
    const started = Date.now();
    const r = await runIn(['port-forward', 'web', '18089', '--pod-running-timeout', '400ms'], { kube });
    assert.equal(r.code, 1);
    assert.ok(Date.now() - started < 3_000, `gave up at the timeout (${Date.now() - started} ms)`);
    assert.match(r.stderr, /^error: no ready pod of service "web" in namespace default after 400ms/m);
    assert.equal(r.stdout, '');
    assert.ok(!r.kube.calls.some((c) => c.verb === 'portforward'));
  });

  test('a service that does not exist: exit 1, NotFound', async () => {
    const r = await runIn(['port-forward', 'ghost', '8080']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /service "ghost" not found in namespace default/);
  });

  test('a port the service does not have: exit 1, its ports said', async () => {
    const kube = new FakeKube();
    seedService(kube, 80);
    kube.seed('pods', pod('web-a'));
    for (const remote of ['9999', 'metrics']) {
      const r = await runIn(['port-forward', 'web', remote], { kube });
      assert.equal(r.code, 1, remote);
      assert.match(r.stderr, new RegExp(`service "web" has no port "?${remote}"? \\(its ports: 80 \\(user-port\\) → 8080, container port 8080 \\(user-port\\)\\)`));
    }
  });

  test('Ctrl-C while waiting for the first ready pod: exit 0', async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a', { ready: false }));
    const run = start(['port-forward', 'web', '8080'], { kube });
    await until(() => kube.calls.some((c) => c.verb === 'list'));
    assert.equal(await run.stop(), 0);
    assert.equal(run.out(), '');
  });

  test('the local port in use: exit 1 with the address', async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a'));
    const busy = await server('busy');
    const r = await runIn(['port-forward', 'web', `${busy.port}:8080`], { kube });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`unable to listen on 127\\.0\\.0\\.1:${busy.port}: address already in use`));
  });

  test('--address: several addresses, localhost, IPv6 where there is one', async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a'));
    kube.forwardPod('web-a', (await server('A')).port);
    const run = start(['port-forward', 'web', ':8080', '--address', 'localhost,127.0.0.1'], { kube });
    const port = await run.port();
    assert.match(run.out(), new RegExp(`^Forwarding from 127\\.0\\.0\\.1:${port} -> 8080$`, 'm'));
    assert.equal(await ask(port, 'v4'), 'A v4');
    if (/\[::1\]/.test(run.out())) assert.equal(await ask(port, 'v6', '::1'), 'A v6');
    assert.equal(await run.stop(), 0);
  });

  test('bad ports, addresses and timeouts are usage errors (exit 2) before the cluster is asked', async () => {
    for (const argv of [
      ['port-forward', 'web', '70000'],
      ['port-forward', 'web', '0'],
      ['port-forward', 'web', '1:2:3'],
      ['port-forward', 'web', '8080:'],
      ['port-forward', 'web', '99999:8080'],
      ['port-forward', 'web', 'x:8080'],
      ['port-forward', 'web', 'Not_A_Name'],
      ['port-forward', 'web', 'sixteen-chars-xx'],
      ['port-forward', 'web', '8080', '--address', 'example.com'],
      ['port-forward', 'web', '8080', '--address', '127.0.0.1,'],
      ['port-forward', 'web', '8080', '--pod-running-timeout', '0'],
      ['port-forward', 'web', '8080', '--pod-running-timeout', 'soon'],
      ['port-forward', 'Web', '8080'],
      ['port-forward', 'web'],
      ['open', 'web', '--port', '-1'],
    ]) {
      const r = await runIn(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^error: /, argv.join(' '));
      assert.deepEqual(r.kube.calls, [], argv.join(' '));
    }
  });

  test('port and address parsing', () => {
    assert.deepEqual(portArg('8080', 'x'), { remote: 8080 });
    assert.deepEqual(portArg(':8080', 'x'), { local: 0, remote: 8080 });
    assert.deepEqual(portArg('0:http', 'x'), { local: 0, remote: 'http' });
    assert.deepEqual(portArg('9000:user-port', 'x'), { local: 9000, remote: 'user-port' });
    assert.throws(() => portArg('a--b', 'x'));
    assert.throws(() => portArg('65536', 'x'));
    assert.deepEqual(addressFlag('localhost, ::1,[::1],0.0.0.0', 'x'), ['localhost', '::1', '0.0.0.0']);
    assert.throws(() => addressFlag('\u001b[31m', 'x'), /--address "\\u001b\[31m" is not an IP address or localhost/);
  });
});

describe('open', () => {
  async function httpServer(): Promise<number> {
    const s = http.createServer((req, res) => res.end(`served ${req.url}`));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push({ close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) });
    return (s.address() as net.AddressInfo).port;
  }

  function get(url: string): Promise<string> {
    return new Promise((resolve, reject) => {
      http.get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
      }).on('error', reject);
    });
  }

  for (const [flags, tty, browses] of [
    [[], true, false],
    [['--browser'], false, false],
    [['--browser'], true, true],
  ] as const) {
    test(`${flags.join(' ') || 'no flag'}, stdout ${tty ? 'a terminal' : 'a pipe'}: prints the URL${browses ? ' and opens the browser' : ', opens nothing'}`, async () => {
      const kube = new FakeKube();
      seedService(kube, 80);
      kube.seed('pods', pod('web-a'));
      kube.forwardPod('web-a', await httpServer(), 8080);
      const run = start(['open', 'web', ...flags], { kube, tty });
      const port = await run.port();
      const url = `http://127.0.0.1:${port}/`;
      assert.equal(run.out(), `${url}\n`);
      assert.equal(await get(`${url}notebook`), 'served /notebook');
      await until(() => !browses || run.browsed.length > 0);
      assert.deepEqual(run.browsed, browses ? [url] : []);
      assert.equal(await run.stop(), 0);
      assert.equal(run.err(), '');
    });
  }

  test('--port chooses the local port', async () => {
    const kube = new FakeKube();
    seedService(kube);
    kube.seed('pods', pod('web-a'));
    kube.forwardPod('web-a', await httpServer());
    const free = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const run = start(['open', 'web', '--port', String(free)], { kube });
    assert.equal(await run.port(), free);
    assert.equal(await get(`http://127.0.0.1:${free}/x`), 'served /x');
    assert.equal(await run.stop(), 0);
  });
});
