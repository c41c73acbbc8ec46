// pachsvc's cluster commands end to end, as processes, against a real API server (test/e2e/run.sh
// starts the local control plane, or uses the cluster KUBECONFIG names). Nothing is mocked: every
// assertion reads the cluster back with kubectl or pachsvc.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  REPO_ROOT,
  RESTRICTED_CONTEXT,
  RESTRICTED_NAMESPACE,
  freshNamespace,
  kubectl,
  kubectlJson,
  kubectlOk,
  pachsvc,
  requireRestrictedContext,
  waitFor,
  type Namespace,
} from './helpers/kube.ts';

const EXAMPLES = readdirSync(join(REPO_ROOT, 'examples')).filter((f) => /\.(json|ya?ml)$/.test(f));
const tmp = mkdtempSync(join(tmpdir(), 'pachsvc-e2e-'));

let specs = 0;
function spec(name: string, body: Record<string, unknown>): string {
  const file = join(tmp, `${name}-${++specs}.json`);
  writeFileSync(file, JSON.stringify({ pipeline: { name }, transform: { image: 'python:3.12-slim', cmd: ['python3', '-m', 'http.server', '8080'] }, service: { internal_port: 8080 }, input: { pfs: { repo: 'data', glob: '/' } }, ...body }));
  return file;
}

async function ok(args: string[]): Promise<string> {
  const r = await pachsvc(args);
  assert.equal(r.code, 0, `pachsvc ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

async function listJson(namespace: string): Promise<{ items: { name: string; status: string; ready: string; inputs: { name: string; commit?: string; follow: boolean }[]; ports: string }[] }> {
  return JSON.parse(await ok(['list', '-n', namespace, '-o', 'json']));
}

// The examples' NodePorts are cluster-wide: on a shared cluster another run (a demo, a benchmark) may
// hold one. Wait a little for it; if someone else still holds it, run a copy of the example (same file
// name, so the same service name) with that port moved to a free one, and say so.
async function exampleFile(example: string, say: (m: string) => void): Promise<string> {
  const file = join('examples', example);
  const rendered = JSON.parse(await ok(['render', '-f', file, '-o', 'json']));
  const wanted: number[] = rendered.items.filter((o: any) => o.kind === 'Service').flatMap((o: any) => (o.spec.ports ?? []).map((p: any) => p.nodePort).filter(Boolean));
  if (wanted.length === 0) return file;
  let used: number[] = [];
  let holders: string[] = [];
  const free = await waitFor(async () => {
    const all = await kubectlJson(['get', 'services', '-A']);
    used = all.items.flatMap((x: any) => (x.spec.ports ?? []).map((p: any) => p.nodePort).filter(Boolean));
    holders = all.items.filter((x: any) => (x.spec.ports ?? []).some((p: any) => wanted.includes(p.nodePort))).map((x: any) => `${x.metadata.namespace}/${x.metadata.name}`);
    return holders.length === 0;
  }, 15_000, { intervalMs: 1000 }).catch(() => false);
  if (free) return file;
  let text = readFileSync(join(REPO_ROOT, file), 'utf8');
  for (const port of wanted) {
    let other = 30000 + Math.floor(Math.random() * 2700);
    while (used.includes(other)) other++;
    used.push(other);
    text = text.replace(new RegExp(`\\b${port}\\b`, 'g'), String(other));
    say(`${example}: NodePort ${port} is held by ${holders.join(', ')} (not this test's): using ${other}`);
  }
  const copy = join(mkdtempSync(join(tmp, 'example-')), example);
  writeFileSync(copy, text);
  return copy;
}

describe('every example: create → list → inspect → update → delete', () => {
  let ns: Namespace;
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-cycle');
  });
  after(() => ns.cleanup());

  for (const example of EXAMPLES) {
    it(example, async (t) => {
      const file = await exampleFile(example, (m) => t.diagnostic(m));
      const created = await pachsvc(['create', '-f', file, '-n', ns.name, '--wait', '--timeout', '60s']);
      assert.equal(created.code, 0, created.stderr);
      const name = /^service\/(\S+) created$/m.exec(created.stdout)?.[1];
      assert.ok(name, `no "service/<name> created" line in: ${created.stdout}`);

      // The objects exist, carry pachsvc's labels, and run on the kwok node.
      const deploy = await kubectlJson(['get', 'deployment', name], { namespace: ns.name });
      assert.equal(deploy.metadata.labels['app.kubernetes.io/managed-by'], 'pachsvc');
      assert.equal(deploy.status.readyReplicas, deploy.spec.replicas);
      const pods = await kubectlJson(['get', 'pods', '-l', `app.kubernetes.io/name=${name}`], { namespace: ns.name });
      assert.ok(pods.items.length > 0 && pods.items.every((p: any) => p.status.phase === 'Running' && p.spec.nodeName));

      // The Service has its port (a NodePort allocated where asked) and endpoints: the ready pods' IPs.
      const svc = await kubectlJson(['get', 'service', name], { namespace: ns.name });
      if (svc.spec.type !== 'ClusterIP') assert.ok(svc.spec.ports[0].nodePort >= 30000 && svc.spec.ports[0].nodePort <= 32767);
      const slices = await waitFor(async () => {
        const list = await kubectlJson(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${name}`], { namespace: ns.name });
        const ready = list.items.flatMap((sl: any) => (sl.endpoints ?? []).filter((e: any) => e.conditions?.ready));
        return ready.length === deploy.spec.replicas ? ready : undefined;
      }, 30_000, { description: `ready endpoints of ${name}` });
      assert.deepEqual(slices.map((e: any) => e.addresses[0]).sort(), pods.items.map((p: any) => p.status.podIP).sort());

      const listed = (await listJson(ns.name)).items.find((s) => s.name === name);
      assert.equal(listed?.status, 'Running');
      assert.match(listed?.ready ?? '', /^(\d+)\/\1$/);
      const table = await ok(['list', '-n', ns.name]);
      assert.match(table, /^NAME\s+INPUTS\s+PORTS\s+READY\s+STATUS\s+AGE$/m);
      assert.match(table, new RegExp(`^${name}\\s+\\S+@\\S+.*\\s+Running\\s+\\d+s$`, 'm'));

      const inspected = JSON.parse(await ok(['inspect', name, '-n', ns.name, '-o', 'json']));
      assert.equal(inspected.name, name);
      assert.ok(inspected.spec?.transform?.image, 'inspect shows the spec it was created from');
      assert.ok(inspected.reach.inCluster.startsWith(`http://${name}.${ns.name}.svc.cluster.local:`));
      const text = await ok(['inspect', name, '-n', ns.name]);
      assert.match(text, /^Inputs:$/m);
      assert.match(text, /^Reach it:$/m);
      assert.match(text, /^Events:$/m);

      // update with no change: unchanged, nothing written.
      const generation = deploy.metadata.generation;
      assert.match(await ok(['update', '-f', file, '-n', ns.name, '--no-pin']), new RegExp(`^service/${name} unchanged$`, 'm'));
      assert.equal((await kubectlJson(['get', 'deployment', name], { namespace: ns.name })).metadata.generation, generation);

      assert.match(await ok(['delete', name, '-n', ns.name, '--wait', '--timeout', '60s']), new RegExp(`^service "${name}" deleted$`, 'm'));
      assert.notEqual((await kubectl(['get', 'deployment', name], { namespace: ns.name })).code, 0);
      assert.notEqual((await kubectl(['get', 'service', name], { namespace: ns.name })).code, 0);
    });
  }
});

describe('update, apply and the data they roll onto', () => {
  let ns: Namespace;
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-update');
  });
  after(() => ns.cleanup());

  it('update changes the service and its pods roll; a removed field is removed; apply is idempotent', async () => {
    const v1 = spec('web', { transform: { image: 'python:3.12-slim', cmd: ['python3', '-m', 'http.server', '8080'], env: { MODE: 'one', EXTRA: 'x' } } });
    const v2 = spec('web', { transform: { image: 'python:3.12-slim', cmd: ['python3', '-m', 'http.server', '8080'], env: { MODE: 'two' } } });
    assert.match(await ok(['apply', '-f', v1, '-n', ns.name, '--wait']), /^service\/web created$/m);
    assert.match(await ok(['apply', '-f', v1, '-n', ns.name]), /^service\/web unchanged$/m);
    const before = await kubectlJson(['get', 'deployment', 'web'], { namespace: ns.name });
    assert.match(await ok(['update', '-f', v2, '-n', ns.name, '--wait']), /^service\/web configured$/m);
    const afterUpdate = await kubectlJson(['get', 'deployment', 'web'], { namespace: ns.name });
    assert.ok(afterUpdate.metadata.generation > before.metadata.generation, 'the pod template changed');
    const env = afterUpdate.spec.template.spec.containers[0].env.map((e: any) => `${e.name}=${e.value}`);
    assert.ok(env.includes('MODE=two'));
    assert.ok(!env.some((e: string) => e.startsWith('EXTRA=')), 'a field removed from the spec is removed from the Deployment');
    const pods = await kubectlJson(['get', 'pods', '-l', 'app.kubernetes.io/name=web'], { namespace: ns.name });
    assert.ok(pods.items.every((p: any) => p.spec.containers[0].env.some((e: any) => e.name === 'MODE' && e.value === 'two')), 'the pods rolled');
  });

  it('update of a service that does not exist says so and creates nothing', async () => {
    const r = await pachsvc(['update', '-f', spec('ghost', {}), '-n', ns.name]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /service "ghost" not found in namespace .*create it with `pachsvc create/);
    assert.equal(r.stdout, '');
    assert.notEqual((await kubectl(['get', 'deployment', 'ghost'], { namespace: ns.name })).code, 0);
  });
});

describe('create: exclusive, all or nothing, and --wait', () => {
  let ns: Namespace;
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-create');
  });
  after(() => ns.cleanup());

  it('a second create of the same name is refused: use update or apply', async () => {
    const file = spec('twice', {});
    await ok(['create', '-f', file, '-n', ns.name]);
    const r = await pachsvc(['create', '-f', file, '-n', ns.name]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /service "twice" already exists in namespace .*pachsvc update.*pachsvc apply/);
  });

  it('two concurrent creates of one name: one wins, one gets a clear error', async () => {
    const file = spec('race', {});
    const results = await Promise.all([0, 1, 2].map(() => pachsvc(['create', '-f', file, '-n', ns.name])));
    assert.deepEqual(results.map((r) => r.code).sort(), [0, 1, 1], results.map((r) => r.stderr).join('\n'));
    for (const r of results.filter((x) => x.code === 1)) assert.match(r.stderr, /already exists/);
    assert.equal((await kubectlJson(['get', 'deployments,services', '-l', 'app.kubernetes.io/name=race'], { namespace: ns.name })).items.length, 2);
  });

  it('a NodePort held by another Service fails the create and leaves nothing behind', async () => {
    await kubectlOk(['create', 'service', 'nodeport', 'holder', '--tcp=80:80', '--node-port=31999'], { namespace: ns.name });
    const r = await pachsvc(['create', '-f', spec('portless', { service: { internal_port: 8080, external_port: 31999 } }), '-n', ns.name]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /31999.*already allocated/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.notEqual((await kubectl(['get', 'service', 'portless'], { namespace: ns.name })).code, 0);
    assert.notEqual((await kubectl(['get', 'deployment', 'portless'], { namespace: ns.name })).code, 0);
  });

  it('a Deployment the API server rejects takes its Service back with it', async () => {
    // The spec is valid; the pod_patch makes a Deployment the API server refuses (a port out of range).
    const file = spec('rejected', { pod_patch: JSON.stringify([{ op: 'replace', path: '/containers/0/ports/0/containerPort', value: 70000 }]) });
    const r = await pachsvc(['create', '-f', file, '-n', ns.name]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /creating deployment "rejected" failed: Error from server \(Invalid\).*containerPort.*nothing was left behind/s);
    assert.notEqual((await kubectl(['get', 'service', 'rejected'], { namespace: ns.name })).code, 0, 'the Service created first was removed');
  });

  it('--wait returns once every replica is ready', async () => {
    const r = await pachsvc(['create', '-f', spec('waited', { parallelism_spec: { constant: 2 } }), '-n', ns.name, '--wait', '--timeout', '60s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /service "waited" is ready/);
    const d = await kubectlJson(['get', 'deployment', 'waited'], { namespace: ns.name });
    assert.equal(d.status.readyReplicas, 2);
  });

  it('--wait times out with the reason (a pod that cannot be scheduled)', async () => {
    const file = spec('nowhere', { scheduling_spec: { node_selector: { 'pachsvc-e2e/no-such-node': 'true' } } });
    const started = Date.now();
    const r = await pachsvc(['create', '-f', file, '-n', ns.name, '--wait', '--timeout', '4s']);
    assert.equal(r.code, 1);
    assert.ok(Date.now() - started < 30_000, 'it gave up at the timeout');
    assert.match(r.stdout, /^service\/nowhere created$/m);
    assert.match(r.stderr, /timed out waiting for service "nowhere" to be ready \(0\/1 ready\).*cannot be scheduled.*node selector|affinity/s);
    assert.match(r.stderr, /pachsvc inspect nowhere/);
  });

  it('--dry-run=server checks with the API server and stores nothing', async () => {
    const r = await pachsvc(['create', '-f', spec('dry', {}), '-n', ns.name, '--dry-run=server']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^service\/dry created \(server dry run\)$/m);
    assert.notEqual((await kubectl(['get', 'deployment', 'dry'], { namespace: ns.name })).code, 0);
  });

  it('-o name and -o json print only the result on stdout', async () => {
    assert.equal(await ok(['create', '-f', spec('named', {}), '-n', ns.name, '-o', 'name']), 'service/named\n');
    const list = JSON.parse(await ok(['create', '-f', spec('jsoned', {}), '-n', ns.name, '-o', 'json']));
    assert.deepEqual(list.items.map((o: any) => o.kind).sort(), ['Deployment', 'Service']);
    assert.ok(list.items.every((o: any) => o.metadata.uid), 'the objects as the server stored them');
  });
});

describe('list and delete', () => {
  let ns: Namespace;
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-list');
  });
  after(() => ns.cleanup());

  it('an empty namespace: the message on stderr, nothing on stdout, exit 0', async () => {
    const r = await pachsvc(['list', '-n', ns.name]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim(), `No services found in ${ns.name} namespace.`);
  });

  it('columns, -o wide, -o name, --no-headers, -l and -A', async () => {
    await ok(['create', '-f', spec('alpha', { metadata: { labels: { team: 'a' } }, service: { internal_port: 8080, external_port: 31888 } }), '-n', ns.name, '--wait']);
    await ok(['create', '-f', spec('beta', { metadata: { labels: { team: 'b' } } }), '-n', ns.name, '--wait']);
    const table = await ok(['list', '-n', ns.name]);
    assert.match(table, /^alpha\s+data@master\s+8080→31888\/NodePort\s+1\/1\s+Running\s+\d+s$/m);
    assert.match(table, /^beta\s+data@master\s+8080\/ClusterIP\s+1\/1\s+Running\s+\d+s$/m);
    assert.match(await ok(['list', '-n', ns.name, '-o', 'wide']), /^NAME\s+INPUTS\s+PORTS\s+READY\s+STATUS\s+AGE\s+CLUSTER-IP\s+EXTERNAL-IP\s+IMAGE\s+COMMITS$/m);
    assert.equal(await ok(['list', '-n', ns.name, '-o', 'name']), 'service/alpha\nservice/beta\n');
    assert.doesNotMatch(await ok(['list', '-n', ns.name, '--no-headers']), /NAME/);
    assert.equal(await ok(['list', '-n', ns.name, '-l', 'team=b', '-o', 'name']), 'service/beta\n');
    assert.match(await ok(['list', '-A']), new RegExp(`^NAMESPACE\\s+NAME.*\\n(.*\\n)*${ns.name}\\s+alpha\\s`, 'm'));
  });

  it('delete refuses an unmanaged Deployment of the same name and leaves it alone', async () => {
    await kubectlOk(['create', 'deployment', 'theirs', '--image=nginx:1.27'], { namespace: ns.name });
    const r = await pachsvc(['delete', 'theirs', '-n', ns.name]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /deployment\.apps "theirs" .* is not managed by pachsvc .*refusing to delete it/);
    assert.equal((await kubectl(['get', 'deployment', 'theirs'], { namespace: ns.name })).code, 0, 'still there');
  });

  it('delete --dry-run=server deletes nothing', async () => {
    assert.match(await ok(['delete', 'alpha', '-n', ns.name, '--dry-run=server']), /^service "alpha" deleted \(server dry run\)$/m);
    assert.equal((await kubectl(['get', 'deployment', 'alpha'], { namespace: ns.name })).code, 0);
    assert.equal((await kubectl(['get', 'service', 'alpha'], { namespace: ns.name })).code, 0);
  });

  it('delete of a missing service: NotFound, or nothing with --ignore-not-found', async () => {
    const r = await pachsvc(['delete', 'nope', '-n', ns.name]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(NotFound\): service "nope" not found/m);
    assert.equal((await pachsvc(['delete', 'nope', '-n', ns.name, '--ignore-not-found'])).code, 0);
  });

  it('delete --all removes every managed service and only those', async () => {
    const out = await ok(['delete', '--all', '-n', ns.name, '--wait']);
    assert.match(out, /^service "alpha" deleted$/m);
    assert.match(out, /^service "beta" deleted$/m);
    assert.equal((await kubectl(['get', 'deployment', 'theirs'], { namespace: ns.name })).code, 0);
    assert.equal((await kubectlJson(['get', 'deployments,services,pods', '-l', 'app.kubernetes.io/managed-by=pachsvc'], { namespace: ns.name })).items.length, 0);
  });
});

describe('RBAC: a user with only namespace rights', () => {
  before(() => requireRestrictedContext());

  it('gets a Forbidden line and no partial objects', async () => {
    const r = await pachsvc(['create', '-f', spec('limited', {}), '--context', RESTRICTED_CONTEXT, '-n', RESTRICTED_NAMESPACE]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(Forbidden\): services is forbidden: User ".*" cannot create resource "services" in API group "" in the namespace "pachsvc-restricted"/m);
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('warning:')).length, 1, 'one line');
    assert.notEqual((await kubectl(['get', 'deployment', 'limited'], { namespace: RESTRICTED_NAMESPACE })).code, 0);
  });

  it('a delete it may only half do is not done at all', async () => {
    await ok(['create', '-f', spec('halfway', {}), '-n', RESTRICTED_NAMESPACE, '--no-pin']);
    try {
      // The Role allows deleting Deployments but not Services.
      const r = await pachsvc(['delete', 'halfway', '--context', RESTRICTED_CONTEXT, '-n', RESTRICTED_NAMESPACE]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error from server \(Forbidden\): services "halfway" is forbidden: .*cannot delete resource "services"/m);
      assert.equal((await kubectl(['get', 'deployment', 'halfway'], { namespace: RESTRICTED_NAMESPACE })).code, 0, 'the Deployment is still there');
      assert.equal((await kubectl(['get', 'service', 'halfway'], { namespace: RESTRICTED_NAMESPACE })).code, 0);
    } finally {
      await ok(['delete', 'halfway', '-n', RESTRICTED_NAMESPACE]);
    }
  });

  it('may list its own namespace but not another', async () => {
    assert.equal((await pachsvc(['list', '--context', RESTRICTED_CONTEXT, '-n', RESTRICTED_NAMESPACE])).code, 0);
    const r = await pachsvc(['list', '--context', RESTRICTED_CONTEXT, '-n', 'default']);
    assert.equal(r.code, 1);
    // list asks for Deployments, Services and Pods at once: the first refusal to arrive is the one said.
    assert.match(r.stderr, /^Error from server \(Forbidden\): (deployments\.apps|services|pods) is forbidden: .*cannot list resource "(deployments|services|pods)" in API group "(apps)?" in the namespace "default"$/m);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  });
});

describe('errors a user meets before any request succeeds', () => {
  it('no kubeconfig', async () => {
    const r = await pachsvc(['list'], { env: { ...process.env, KUBECONFIG: '', HOME: tmp } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: no kubeconfig found: set KUBECONFIG, pass --kubeconfig/m);
  });
  it('a cluster that is down', async () => {
    const cfg = join(tmp, 'down.kubeconfig');
    writeFileSync(cfg, JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'x', clusters: [{ name: 'x', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }], users: [{ name: 'x', user: { token: 't' } }], contexts: [{ name: 'x', context: { cluster: 'x', user: 'x' } }] }));
    const r = await pachsvc(['list', '--kubeconfig', cfg]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?');
  });
  it('an unknown context', async () => {
    const r = await pachsvc(['list', '--context', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /context "nope" does not exist/);
  });
  it('inspect of a missing service', async () => {
    const r = await pachsvc(['inspect', 'missing-service-x', '-n', 'default']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(NotFound\): service "missing-service-x" not found in namespace default$/m);
  });
});

describe('data: pinned commits and services that follow a branch', () => {
  let ns: Namespace;
  let pachd: http.Server;
  let address: string;
  const HEAD = '0123456789abcdef0123456789abcdef';

  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-data');
    // A stand-in for pachd's HTTP API (POST /api/pfs_v2.API/InspectCommit → CommitInfo).
    pachd = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const commit = (JSON.parse(body) as { commit: { repo: unknown } }).commit;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ commit: { repo: commit.repo, id: HEAD }, origin: { kind: 'USER' } }));
      });
    });
    await new Promise<void>((r) => pachd.listen(0, '127.0.0.1', r));
    address = `http://127.0.0.1:${(pachd.address() as AddressInfo).port}`;
  });
  after(async () => {
    pachd.close();
    await ns.cleanup();
  });

  it('create pins a branch input to its commit; the pods, list and inspect show it', async () => {
    const r = await pachsvc(['create', '-f', spec('pinned', {}), '-n', ns.name, '--pachd-address', address, '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`pinned data@master to commit ${HEAD}`));
    const d = await kubectlJson(['get', 'deployment', 'pinned'], { namespace: ns.name });
    const checkout = d.spec.template.spec.initContainers[0];
    assert.equal(checkout.env.find((e: any) => e.name === 'PACHSVC_REF').value, HEAD);
    assert.ok(d.spec.template.spec.containers[0].env.some((e: any) => e.name === 'data_COMMIT' && e.value === HEAD));
    assert.equal(d.spec.template.spec.containers.length, 1, 'no follow sidecar');
    assert.deepEqual(JSON.parse(d.metadata.annotations['pachsvc.io/pinned-commits']), { data: HEAD });
    assert.equal((await listJson(ns.name)).items.find((s) => s.name === 'pinned')?.inputs[0]?.commit, HEAD);
    const inspected = JSON.parse(await ok(['inspect', 'pinned', '-n', ns.name, '-o', 'json']));
    assert.equal(inspected.inputs[0].commit, HEAD);
    assert.equal(inspected.inputs[0].mode, 'pinned');
  });

  it('when pachd cannot be reached it deploys unpinned, with one warning line', async () => {
    const r = await pachsvc(['create', '-f', spec('unpinned', {}), '-n', ns.name, '--pachd-address', 'http://127.0.0.1:1'], { env: { ...process.env, PACHSVC_PACHCTL: join(tmp, 'no-pachctl') } });
    assert.equal(r.code, 0, r.stderr);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /could not pin data@master .*deploying unpinned/);
    const d = await kubectlJson(['get', 'deployment', 'unpinned'], { namespace: ns.name });
    assert.equal(d.spec.template.spec.initContainers[0].env.find((e: any) => e.name === 'PACHSVC_REF').value, 'master');
  });

  it('a follow-mode service runs a follow sidecar, reaches Running, and inspect says it follows', async () => {
    const r = await pachsvc(['create', '-f', spec('follower', {}), '-n', ns.name, '--follow', '--pachd-address', address, '--wait']);
    assert.equal(r.code, 0, r.stderr);
    const d = await kubectlJson(['get', 'deployment', 'follower'], { namespace: ns.name });
    assert.deepEqual(d.spec.template.spec.containers.map((c: any) => c.name), ['service', 'follow-data']);
    assert.equal(d.spec.template.spec.containers[1].env.find((e: any) => e.name === 'PACHSVC_BRANCH').value, 'master');
    const listed = (await listJson(ns.name)).items.find((s) => s.name === 'follower');
    assert.equal(listed?.status, 'Running');
    assert.equal(listed?.inputs[0]?.follow, true);
    const inspected = JSON.parse(await ok(['inspect', 'follower', '-n', ns.name, '-o', 'json']));
    assert.equal(inspected.inputs[0].mode, 'follow');
  });

  it('update switches a service between follow and pinned', async () => {
    assert.match(await ok(['update', '-f', spec('follower', {}), '-n', ns.name, '--pachd-address', address, '--wait']), /configured/);
    let d = await kubectlJson(['get', 'deployment', 'follower'], { namespace: ns.name });
    assert.deepEqual(d.spec.template.spec.containers.map((c: any) => c.name), ['service'], 'the sidecar is gone');
    assert.equal(d.spec.template.spec.initContainers[0].env.find((e: any) => e.name === 'PACHSVC_REF').value, HEAD);
    assert.match(await ok(['apply', '-f', spec('follower', {}), '-n', ns.name, '--follow', '--wait']), /configured/);
    d = await kubectlJson(['get', 'deployment', 'follower'], { namespace: ns.name });
    assert.deepEqual(d.spec.template.spec.containers.map((c: any) => c.name), ['service', 'follow-data']);
    await waitFor(async () => (await listJson(ns.name)).items.find((s) => s.name === 'follower')?.status === 'Running', 60_000);
  });
});

describe('logs', () => {
  let ns: Namespace;
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-logs');
    await ok(['create', '-f', spec('talker', { parallelism_spec: { constant: 2 } }), '-n', ns.name, '--wait', '--no-pin']);
  });
  after(() => ns.cleanup());

  it('every replica, each line prefixed with its pod and container', async () => {
    const out = await ok(['logs', 'talker', '-n', ns.name, '--tail', '5']);
    const lines = out.trim().split('\n');
    const pods = new Set(lines.map((l) => /^\[(talker-[a-z0-9]+-[a-z0-9]+)\/service\] /.exec(l)?.[1]));
    assert.equal(pods.size, 2, out);
    assert.ok(!pods.has(undefined), out);
  });
  it('-c checkout reads the checkout init containers', async () => {
    const out = await ok(['logs', 'talker', '-n', ns.name, '-c', 'checkout']);
    assert.match(out, /^\[talker-[a-z0-9]+-[a-z0-9]+\/checkout-data\] /m);
  });
  it('a service that does not exist', async () => {
    const r = await pachsvc(['logs', 'nobody', '-n', ns.name]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /service "nobody" not found/);
  });
});
