// inspect's events, in process against the in-memory cluster: asked for object by object (the Deployment,
// the Service, each pod, the Deployment's own ReplicaSets), so a busy namespace hides none of the
// service's, and another service whose name starts with this one's (web-api for web) lends it none.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/cluster/types.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { runIn } from '../helpers/test-factory.ts';

const dir = mkdtempSync(join(tmpdir(), 'pachsvc-inspect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function create(kube: FakeKube, name: string): Promise<void> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ pipeline: { name }, transform: { image: 'nginx' }, service: { internal_port: 8080 }, input: { pfs: { repo: 'data', glob: '/', branch: 'master' } } }));
  const r = await runIn(['create', '-f', file, '--no-pin'], { kube });
  assert.equal(r.code, 0, r.stderr);
}

/** The ReplicaSet the Deployment controller makes for a Deployment: its pods' labels, owned by it. */
function replicaSet(kube: FakeKube, service: string, hash: string): KubeObject {
  const deployment = kube.peek('deployments', service)!;
  return kube.seed('replicasets', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${service}-${hash}`,
      labels: { ...deployment.spec.template.metadata.labels, 'pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: service, uid: deployment.metadata.uid!, controller: true }],
    },
  });
}

let events = 0;
function event(kube: FakeKube, about: KubeObject, message: string, name = `${about.metadata.name}.${(++events).toString(16).padStart(16, '0')}`): void {
  kube.seed('events', {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: { kind: about.kind, name: about.metadata.name, uid: about.metadata.uid },
    type: 'Normal',
    reason: 'Seen',
    message,
    lastTimestamp: '2026-12-01T10:01:00Z',
  });
}

/** The MESSAGE column of inspect's events. */
function messages(stdout: string): string[] {
  const lines = stdout.split('\n').slice(stdout.split('\n').indexOf('Events:') + 2);
  const end = lines.indexOf('');
  return lines
    .slice(0, end < 0 ? undefined : end)
    .map((l) => l.trim().split(/\s{3,}/).at(-1)!);
}

describe('inspect: events', () => {
  test("a busy namespace hides none of the service's events (each object's are asked for)", async () => {
    const kube = new FakeKube();
    await create(kube, 'web');
    // 600 events of other things, listed before the service's (an unfiltered first page holds only them).
    const other: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'batch', uid: 'uid-other' } };
    for (let i = 0; i < 600; i++) event(kube, other, `other ${i}`, `aaa-${String(i).padStart(4, '0')}`);
    const pod = (await kube.list({ api: '/api/v1', resource: 'pods' }, 'default', { labelSelector: 'app.kubernetes.io/name=web' })).items[0]!;
    event(kube, kube.peek('deployments', 'web')!, 'deployment event');
    event(kube, kube.peek('services', 'web')!, 'service event');
    event(kube, pod, 'pod event');
    event(kube, replicaSet(kube, 'web', '7d9f8b6c5'), 'replica set event');

    const r = await runIn(['inspect', 'web'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(messages(r.stdout).sort(), ['deployment event', 'pod event', 'replica set event', 'service event']);
    // One request per object, none for the whole namespace.
    const asked = r.kube.calls.filter((c) => c.verb === 'list' && c.resource === 'events');
    assert.ok(asked.length >= 4 && asked.every((c) => /^involvedObject\.uid=uid-\d+$/.test(c.fieldSelector ?? '')), JSON.stringify(asked));
  });

  test("another service whose name starts with this one's lends it no events (web-api's ReplicaSets are not web's)", async () => {
    const kube = new FakeKube();
    await create(kube, 'web');
    await create(kube, 'web-api');
    event(kube, replicaSet(kube, 'web', '7d9f8b6c5'), 'web replica set');
    event(kube, replicaSet(kube, 'web-api', '5c4b3a2'), 'web-api replica set');
    // A ReplicaSet with web's labels that web's Deployment does not own is not web's either.
    const stray = replicaSet(kube, 'web', '1a2b3c');
    kube.seed('replicasets', { ...stray, metadata: { ...stray.metadata, ownerReferences: [] } });
    event(kube, kube.peek('replicasets', 'web-1a2b3c')!, 'stray replica set');

    const web = await runIn(['inspect', 'web'], { kube });
    assert.deepEqual(messages(web.stdout), ['web replica set']);
    assert.match(web.stdout, /replicaset\/web-7d9f8b6c5 +web replica set/);
    const api = await runIn(['inspect', 'web-api'], { kube });
    assert.deepEqual(messages(api.stdout), ['web-api replica set']);
  });

  test('events that cannot be read (RBAC) are left out; the rest of inspect stands', async () => {
    const kube = new FakeKube();
    await create(kube, 'web');
    event(kube, kube.peek('deployments', 'web')!, 'deployment event');
    kube.deny('list', 'replicasets');
    const partial = await runIn(['inspect', 'web'], { kube });
    assert.equal(partial.code, 0, partial.stderr);
    assert.deepEqual(messages(partial.stdout), ['deployment event']);
    kube.deny('list', 'events');
    const none = await runIn(['inspect', 'web'], { kube });
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /\nEvents:\n {2}<none>\n/);
  });
});

describe('inspect: what each input serves now', () => {
  test("the checkout and follow containers' logs are read at once, and the newest line of each input wins", async () => {
    const kube = new FakeKube();
    const file = join(dir, 'two.json');
    const input = (name: string, follow = false) => ({ pfs: { name, repo: name, glob: '/', branch: 'master', ...(follow ? { follow: true } : {}) } });
    writeFileSync(file, JSON.stringify({ pipeline: { name: 'two' }, transform: { image: 'nginx' }, service: { internal_port: 8080 }, input: { cross: [input('a', true), input('b')] } }));
    assert.equal((await runIn(['create', '-f', file, '--no-pin'], { kube })).code, 0);
    const pod = (await kube.list({ api: '/api/v1', resource: 'pods' }, 'default', { labelSelector: 'app.kubernetes.io/name=two' })).items[0]!;
    const names = [...pod.spec.initContainers, ...pod.spec.containers].map((c: { name: string }) => c.name).filter((n: string) => /^(checkout|follow)-/.test(n));
    assert.deepEqual(names.sort(), ['checkout-a', 'checkout-b', 'follow-a']);
    const line = (time: string, name: string, commit: string) => `${time} ${name}: serving ${name}@${commit.repeat(32)} at /pfs/${name}\n`;
    kube.setLog(pod.metadata.name, 'checkout-a', line('2026-12-01T10:00:01Z', 'a', '1'));
    kube.setLog(pod.metadata.name, 'follow-a', line('2026-12-01T10:03:00Z', 'a', '2'));
    kube.setLog(pod.metadata.name, 'checkout-b', line('2026-12-01T10:00:02Z', 'b', '3'));
    // Each log answers only once every log has been asked for: read one after another, they never would.
    let asked = 0;
    let allAsked!: () => void;
    const all = new Promise<void>((resolve) => (allAsked = resolve));
    const log = kube.log.bind(kube);
    kube.log = async (...args) => {
      if (++asked === names.length) allAsked();
      await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      return log(...args);
    };
    const started = Date.now();
    const r = await runIn(['inspect', 'two', '-o', 'json'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - started < 1_500, `took ${Date.now() - started} ms`);
    const inputs = JSON.parse(r.stdout).inputs as { name: string; serving?: string }[];
    assert.deepEqual(Object.fromEntries(inputs.map((i) => [i.name, i.serving])), { a: '2'.repeat(32), b: '3'.repeat(32) });
  });
});
