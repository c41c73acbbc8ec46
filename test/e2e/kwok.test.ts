// Checks test/e2e/helpers/kwok.ts against the local cluster with plain
// Deployments (no pachsvc): bytes really flow through the API server's
// pods/portforward to a local HTTP server (kubectl over WebSocket and over
// SPDY, @kubernetes/client-node over v4.channel.k8s.io), also after a pod is
// replaced, and `kubectl logs` serves the lines a test chose.
//   bash test/e2e/run.sh test/e2e/kwok.test.ts
//   (or, cluster up: KUBECONFIG=$PWD/.cluster/kubeconfig node --import tsx --test test/e2e/kwok.test.ts)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { KUBECTL, applyManifest, freshNamespace, kubectl, kubectlOk, waitFor, waitForReadyPods, type Namespace } from './helpers/kube.ts';
import { cleanupKwokObjects, forwardPodPort, kwokAvailable, podNames, serveContainerLog, type KwokRule } from './helpers/kwok.ts';

interface TestServer {
  port: number;
  token: string;
  requests: string[];
  close(): Promise<void>;
}

/** A local HTTP server answering "<token> <path>". */
async function startServer(): Promise<TestServer> {
  const token = randomBytes(6).toString('hex');
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.end(`${token} ${req.url}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    token,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

function get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath}: timeout`)));
    req.on('error', reject);
  });
}

/** `kubectl port-forward pod/NAME :PORT`; resolves with the local port once it listens. */
async function kubectlPortForward(namespace: string, pod: string, port: number, env: NodeJS.ProcessEnv = {}): Promise<{ port: number; child: ChildProcess; output: () => string; stop(): Promise<void> }> {
  const child = spawn(KUBECTL, ['-n', namespace, 'port-forward', `pod/${pod}`, `:${port}`, '--address', '127.0.0.1'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  const local = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`kubectl port-forward exited: ${out}`);
    const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  }, 20_000, { intervalMs: 50, description: 'kubectl port-forward to listen' });
  return {
    port: local,
    child,
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One HTTP GET through client-node's PortForward (WebSocket v4.channel.k8s.io). */
async function getViaClientNode(namespace: string, pod: string, port: number, urlPath: string): Promise<{ status: number; body: string }> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const pf = new PortForward(kc);
  const server = net.createServer(async (socket) => {
    try {
      const ws: any = await pf.portForward(namespace, pod, [port], socket, null, socket);
      ws.on('close', () => socket.end());
      socket.on('close', () => ws.close());
    } catch {
      socket.destroy();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    return await get((server.address() as net.AddressInfo).port, urlPath);
  } finally {
    server.close();
  }
}

function deployment(name: string, port: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          initContainers: [{ name: 'checkout-data', image: 'busybox:1.36', restartPolicy: 'Always' }],
          containers: [{ name: 'main', image: 'busybox:1.36', ports: [{ containerPort: port }] }],
        },
      },
    },
  });
}

/** Deletes the Deployment's pod and waits for its replacement (a new name), Running and Ready. */
async function replacePod(namespace: string, app: string, old: string): Promise<string> {
  await kubectlOk(['delete', 'pod', old, '--wait=false'], { namespace });
  const [pod] = await waitFor(async () => {
    const pods = await waitForReadyPods(namespace, `app=${app}`, 1, 30_000);
    return pods[0]!.metadata.name !== old ? pods : undefined;
  }, 60_000, { description: `a replacement for pod ${old}` });
  return pod!.metadata.name;
}

const AVAILABLE = await kwokAvailable();

describe('kwok helpers (test/e2e/helpers/kwok.ts)', {
  timeout: 300_000,
  skip: AVAILABLE ? false : 'the cluster has no kwok run-time CRDs (not the local cluster from test/cluster/up.sh?)',
}, () => {
  let ns: Namespace;
  let web: TestServer;
  let other: TestServer;
  const rules: KwokRule[] = [];

  before(async () => {
    ns = await freshNamespace('kwok-helper');
    web = await startServer();
    other = await startServer();
    await applyManifest(deployment('web', 8080), { namespace: ns.name });
    await applyManifest(deployment('other', 9090), { namespace: ns.name });
    await waitForReadyPods(ns.name, 'app=web', 1);
    await waitForReadyPods(ns.name, 'app=other', 1);
  });
  after(async () => {
    for (const r of rules) await r.delete().catch(() => {});
    if (ns) {
      await cleanupKwokObjects(ns.name);
      await ns.cleanup();
    }
    await web?.close();
    await other?.close();
  });

  it('forwards a port of every pod in the namespace, through kubectl (WebSocket and SPDY) and client-node', async () => {
    rules.push(await forwardPodPort({ namespace: ns.name, port: 8080, target: { port: web.port } }));
    let [pod] = await podNames(ns.name, 'app=web');

    for (const env of [{}, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]) {
      const pf = await kubectlPortForward(ns.name, pod!, 8080, env);
      try {
        const r = await get(pf.port, `/kubectl-${Object.keys(env).length ? 'spdy' : 'ws'}`);
        assert.equal(r.status, 200);
        assert.equal(r.body, `${web.token} /kubectl-${Object.keys(env).length ? 'spdy' : 'ws'}\n`);
      } finally {
        await pf.stop();
      }
    }
    const viaNode = await getViaClientNode(ns.name, pod!, 8080, '/client-node');
    assert.equal(viaNode.body, `${web.token} /client-node\n`);

    // The pod is replaced; a new port-forward to the new pod reaches the server too.
    const replaced = await replacePod(ns.name, 'web', pod!);
    assert.notEqual(replaced, pod);
    pod = replaced;
    const pf = await kubectlPortForward(ns.name, pod, 8080);
    try {
      assert.equal((await get(pf.port, '/after-replace')).body, `${web.token} /after-replace\n`);
      assert.equal((await get(pf.port, '/again')).body, `${web.token} /again\n`); // a second connection
    } finally {
      await pf.stop();
    }
    assert.deepEqual(web.requests, ['/kubectl-ws', '/kubectl-spdy', '/client-node', '/after-replace', '/again']);
  });

  it('a port without a rule fails like a kubelet would (error, no bytes)', async () => {
    const [pod] = await podNames(ns.name, 'app=web');
    const pf = await kubectlPortForward(ns.name, pod!, 7777);
    try {
      await assert.rejects(get(pf.port, '/nothing'));
      await waitFor(() => /no forward found for port 7777/.test(pf.output()), 10_000, { description: 'kubectl to report the error' });
    } finally {
      await pf.stop();
    }
  });

  it('follows a label selector: only those pods, also their replacements', async () => {
    const rule = await forwardPodPort({ namespace: ns.name, selector: 'app=other', port: 9090, target: { port: other.port } });
    rules.push(rule);
    let [pod] = await podNames(ns.name, 'app=other');
    assert.deepEqual(rule.pods(), [pod]);
    assert.equal((await getViaClientNode(ns.name, pod!, 9090, '/other')).body, `${other.token} /other\n`);

    // Port 9090 of the web pod is not forwarded.
    const [webPod] = await podNames(ns.name, 'app=web');
    await assert.rejects(getViaClientNode(ns.name, webPod!, 9090, '/no'));

    pod = await replacePod(ns.name, 'other', pod!);
    await rule.sync(); // else within pollMs
    assert.deepEqual(rule.pods(), [pod]);
    const pf = await kubectlPortForward(ns.name, pod, 9090);
    try {
      assert.equal((await get(pf.port, '/other-replaced')).body, `${other.token} /other-replaced\n`);
    } finally {
      await pf.stop();
    }
  });

  it('serves chosen log lines for checkout-data (also -f and new pods); other containers keep the default', async () => {
    const line = '2026-01-02T03:04:05Z data: serving images@0123456789abcdef0123456789abcdef at /pfs/data';
    const log = await serveContainerLog({ namespace: ns.name, selector: 'app=web', container: 'checkout-data', lines: [line] });
    rules.push(log);
    let [pod] = await podNames(ns.name, 'app=web');
    assert.equal(await kubectlOk(['logs', pod!, '-c', 'checkout-data'], { namespace: ns.name }), `${line}\n`);
    assert.match(await kubectlOk(['logs', pod!, '-c', 'main'], { namespace: ns.name }), /^kwok: fake container log/);
    // Another pod (other app) is untouched.
    const [otherPod] = await podNames(ns.name, 'app=other');
    assert.match(await kubectlOk(['logs', otherPod!, '-c', 'checkout-data'], { namespace: ns.name }), /^kwok: fake container log/);

    // kubectl logs -f streams appended lines.
    const follow = spawn(KUBECTL, ['-n', ns.name, 'logs', '-f', pod!, '-c', 'checkout-data'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let streamed = '';
    follow.stdout.setEncoding('utf8').on('data', (d: string) => (streamed += d));
    try {
      await waitFor(() => streamed.includes(line), 10_000, { description: 'the first line' });
      await log.append('2026-01-02T03:05:00Z data: still serving');
      await waitFor(() => streamed.includes('still serving'), 10_000, { description: 'the appended line via -f' });
    } finally {
      follow.kill('SIGTERM');
    }

    // A replacement pod gets the same log (the selector is followed).
    pod = await replacePod(ns.name, 'web', pod!);
    await log.sync();
    const out = await kubectlOk(['logs', pod, '-c', 'checkout-data'], { namespace: ns.name });
    assert.equal(out, `${line}\n2026-01-02T03:05:00Z data: still serving\n`);

    // A second helper call for another container of the same pod merges into the pod's Logs object.
    const mainLog = await serveContainerLog({ namespace: ns.name, pod, container: 'main', lines: ['main says hi'] });
    assert.equal(await kubectlOk(['logs', pod, '-c', 'main'], { namespace: ns.name }), 'main says hi\n');
    assert.match(await kubectlOk(['logs', pod, '-c', 'checkout-data'], { namespace: ns.name }), /still serving/);
    await mainLog.delete();

    await log.delete();
    await waitFor(async () => /^kwok: fake container log/.test((await kubectl(['logs', pod, '-c', 'checkout-data'], { namespace: ns.name })).stdout), 10_000, {
      description: 'the default log again after delete()',
    });
  });
});
