// How the API server's refusals reach the user, in process against the in-memory cluster: its own words
// printed as they are (no "error:" in front, as kubectl prints them), and a create that fails half way
// naming the object that failed before the API server's words (found by the e2e tests on a real API
// server: test/e2e/services.test.ts "a Deployment the API server rejects …" and the RBAC suite).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromStatus, KubectlError } from '../../src/cluster/errors.ts';
import type { Kind, KubeObject } from '../../src/cluster/types.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { runIn } from '../helpers/test-factory.ts';
import { tempDir } from '../helpers/temp.ts';

const dir = tempDir('faults');
let n = 0;
function spec(name: string): string {
  const file = join(dir, `${name}-${++n}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      pipeline: { name },
      transform: { image: 'python:3.12-slim' },
      service: { internal_port: 8080 },
      input: { pfs: { repo: 'data', glob: '/', branch: '0123456789abcdef0123456789abcdef' } },
    }),
  );
  return file;
}

const SERVER = 'https://127.0.0.1:6443';
const forbidden = fromStatus(
  403,
  { kind: 'Status', reason: 'Forbidden', code: 403, message: 'services is forbidden: User "alice" cannot create resource "services" in API group "" in the namespace "default"' },
  SERVER,
);
const invalid = fromStatus(
  422,
  {
    kind: 'Status',
    reason: 'Invalid',
    code: 422,
    message: 'Deployment.apps "web" is invalid: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    details: { causes: [{ field: 'spec.template.spec.containers[0].ports[0].containerPort', message: 'Invalid value: 70000' }] },
  },
  SERVER,
);

describe("the API server's refusals", () => {
  test('every Status answer is in kubectl\'s words, printed as it is', () => {
    for (const [code, reason] of [[403, 'Forbidden'], [404, 'NotFound'], [409, 'Conflict'], [422, 'Invalid'], [500, 'InternalError']] as const) {
      const e = fromStatus(code, { kind: 'Status', reason, code, message: 'x' }, SERVER);
      assert.ok(e instanceof KubectlError, `${code} ${reason}`);
      assert.match(e.message, /^Error from server \(/);
    }
  });

  test('a Forbidden create of the first object: one line, exactly the API server\'s, nothing written', async () => {
    const kube = new FakeKube();
    kube.beforeWrite = (call) => {
      if (call.verb === 'create' && call.resource === 'services') throw forbidden;
    };
    const r = await runIn(['create', '-f', spec('web')], { kube });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (Forbidden): services is forbidden: User "alice" cannot create resource "services" in API group "" in the namespace "default"\n');
    assert.equal(r.stdout, '');
    assert.equal(kube.peek('services', 'web'), undefined);
    assert.equal(kube.peek('deployments', 'web'), undefined);
  });

  test('a Deployment refused after the Service was created: names what failed, takes the Service back', async () => {
    const kube = new FakeKube();
    kube.beforeWrite = (call) => {
      if (call.verb === 'create' && call.resource === 'deployments') throw invalid;
    };
    const r = await runIn(['create', '-f', spec('web')], { kube });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'error: creating deployment "web" failed: Error from server (Invalid): Deployment.apps "web" is invalid: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive; nothing was left behind\n',
    );
    assert.equal(kube.peek('services', 'web'), undefined, 'the Service created first was deleted again');
  });

  test('delete refused: the API server\'s line as it is', async () => {
    const kube = new FakeKube();
    await runIn(['create', '-f', spec('web')], { kube });
    kube.beforeWrite = (call) => {
      if (call.verb === 'delete' && call.resource === 'services') throw forbidden;
    };
    const r = await runIn(['delete', 'web'], { kube });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(Forbidden\): /);
    assert.ok(kube.peek('deployments', 'web'), 'nothing deleted');
  });
});

describe('two deletes of one service at once', () => {
  // The interleaving a real API server produced (test/e2e/faults.test.ts): A reads both objects and
  // deletes the Deployment; B reads only the Service and deletes it; A then finds the Service gone.
  // Both used to print `service "web" deleted`.
  for (const ignore of [false, true]) {
    test(`exactly one says deleted${ignore ? ' (--ignore-not-found: the other prints nothing, exit 0)' : '; the other NotFound, exit 1'}`, async () => {
      const kube = new FakeKube();
      await runIn(['create', '-f', spec('web')], { kube });
      let other: Awaited<ReturnType<typeof runIn>> | undefined;
      kube.beforeWrite = async (call) => {
        if (other || call.verb !== 'delete' || call.resource !== 'services' || call.dryRun) return;
        kube.beforeWrite = undefined;
        other = await runIn(['delete', 'web', ...(ignore ? ['--ignore-not-found'] : [])], { kube });
      };
      const first = await runIn(['delete', 'web', ...(ignore ? ['--ignore-not-found'] : [])], { kube });
      assert.ok(other, 'the second delete ran in between');
      assert.equal(other.code, 0, other.stderr);
      assert.equal(other.stdout, 'service "web" deleted\n');
      if (ignore) {
        assert.equal(first.code, 0, first.stderr);
        assert.equal(first.stdout, '');
        assert.equal(first.stderr, '');
      } else {
        assert.equal(first.code, 1);
        assert.equal(first.stdout, '');
        assert.equal(first.stderr, 'Error from server (NotFound): service "web" not found in namespace default\n');
      }
      assert.equal(kube.peek('deployments', 'web'), undefined);
      assert.equal(kube.peek('services', 'web'), undefined);
      assert.equal(kube.peek('configmaps', 'web.pachsvc.r1'), undefined, 'the history went too');
    });
  }
});

// What the API server records and checks that the in-memory cluster does not: the fields other managers
// own (managedFields, as kubectl patch / set env / label leave them) and that a Service needs a port.
type Owned = { manager: string; fieldsV1: Record<string, unknown> };
class DriftKube extends FakeKube {
  override async get(kind: Kind, namespace: string, name: string): Promise<KubeObject | undefined> {
    const o = await super.get(kind, namespace, name);
    if (!o) return o;
    const owned: Owned[] = [];
    const ports = (o.spec?.ports ?? []) as { port: number }[];
    for (const p of ports) if (p.port === 9999) owned.push({ manager: 'kubectl-patch', fieldsV1: { 'f:spec': { 'f:ports': { 'k:{"port":9999,"protocol":"TCP"}': { '.': {}, 'f:port': {} } } } } });
    if (o.metadata.labels?.team) owned.push({ manager: 'kubectl-label', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } });
    const env = (o.spec?.template?.spec?.containers?.[0]?.env ?? []) as { name: string }[];
    if (env.some((e) => e.name === 'FOO')) {
      owned.push({ manager: 'kubectl-set', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"service"}': { 'f:env': { 'k:{"name":"FOO"}': { '.': {}, 'f:name': {}, 'f:value': {} } } } } } } } } });
    }
    o.metadata.managedFields = [...(o.metadata.managedFields ?? []), ...owned.map((x) => ({ ...x, operation: 'Update', fieldsType: 'FieldsV1' }))];
    return o;
  }
  override async patch(kind: Kind, namespace: string, name: string, ops: unknown[], options: { dryRun?: boolean } = {}): Promise<KubeObject> {
    const was = this.peek(kind.resource, name, namespace);
    const removed = ops.filter((op) => (op as { op: string; path: string }).op === 'remove' && /^\/spec\/ports\/\d+$/.test((op as { path: string }).path)).length;
    if (was?.kind === 'Service' && removed > 0 && removed >= ((was.spec?.ports ?? []) as unknown[]).length) {
      throw new KubectlError('Invalid', `Error from server (Invalid): Service "${name}" is invalid: spec.ports: Required value`, 422);
    }
    return super.patch(kind, namespace, name, ops, options);
  }
}
const SERVICES = { api: '/api/v1', resource: 'services' } as Kind;
const DEPLOYMENTS = { api: '/apis/apps/v1', resource: 'deployments' } as Kind;

describe('a Service port changed by others (kubectl patch … /spec/ports/0/port)', () => {
  test('apply puts it back and does not claim to leave it', async () => {
    const kube = new DriftKube();
    const file = spec('web');
    await runIn(['apply', '-f', file], { kube });
    await kube.patch(SERVICES, 'default', 'web', [{ op: 'replace', path: '/spec/ports/0/port', value: 9999 }]);
    const r = await runIn(['apply', '-f', file], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/web configured\n');
    assert.deepEqual(kube.peek('services', 'web')?.spec?.ports?.map((p: { port: number; name: string }) => `${p.name}:${p.port}`), ['user-port:8080']);
    assert.doesNotMatch(r.stderr, /left as they are/, 'the port was repaired, not left');
  });

  test('apply --take-ownership puts it back too (it used to remove the port first: a Service without ports, refused 10 times)', async () => {
    const kube = new DriftKube();
    const file = spec('web');
    await runIn(['apply', '-f', file], { kube });
    await kube.patch(SERVICES, 'default', 'web', [{ op: 'replace', path: '/spec/ports/0/port', value: 9999 }]);
    await kube.patch(SERVICES, 'default', 'web', [{ op: 'add', path: '/metadata/labels/team', value: 'x' }]);
    const r = await runIn(['apply', '-f', file, '--take-ownership'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(kube.peek('services', 'web')?.spec?.ports?.map((p: { port: number }) => p.port), [8080]);
    assert.equal(kube.peek('services', 'web')?.metadata.labels?.team, undefined, 'the label others set is removed');
    assert.match(r.stderr, /service\/web: removed fields set by others: .*\.metadata\.labels\.team \(kubectl-label\)/);
  });
});

/** What `kubectl set env deploy/web FOO=bar` and `kubectl label svc web team=x` add to service web. */
async function setByOthers(kube: FakeKube): Promise<void> {
  await kube.patch(DEPLOYMENTS, 'default', 'web', [{ op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'FOO', value: 'bar' } }]);
  await kube.patch(SERVICES, 'default', 'web', [{ op: 'add', path: '/metadata/labels/team', value: 'x' }]);
}

describe('inspect: fields set by others', () => {
  test('listed under "Set by others:" and in -o json; gone after apply --take-ownership', async () => {
    const kube = new DriftKube();
    const file = spec('web');
    await runIn(['apply', '-f', file], { kube });
    await setByOthers(kube);
    const text = await runIn(['inspect', 'web'], { kube });
    assert.equal(text.code, 0, text.stderr);
    const section = /\nSet by others:\n([\s\S]*?)\n\n/.exec(text.stdout)?.[1] ?? '';
    assert.match(section, /^\s+OBJECT\s+FIELD\s+SET BY$/m);
    assert.match(section, /^\s+deployment\.apps\/web\s+\.spec\.template\.spec\.containers\[name=service\]\.env\[name=FOO\]\s+kubectl-set$/m);
    assert.match(section, /^\s+service\/web\s+\.metadata\.labels\.team\s+kubectl-label$/m);
    assert.match(section, /--take-ownership/);
    const json = JSON.parse((await runIn(['inspect', 'web', '-o', 'json'], { kube })).stdout);
    assert.deepEqual(json.setByOthers, [
      { object: 'deployment.apps/web', fields: [{ path: '.spec.template.spec.containers[name=service].env[name=FOO]', managers: ['kubectl-set'] }] },
      { object: 'service/web', fields: [{ path: '.metadata.labels.team', managers: ['kubectl-label'] }] },
    ]);

    assert.equal((await runIn(['apply', '-f', file, '--take-ownership'], { kube })).code, 0);
    const after = await runIn(['inspect', 'web', '-o', 'json'], { kube });
    assert.deepEqual(JSON.parse(after.stdout).setByOthers, []);
    assert.doesNotMatch((await runIn(['inspect', 'web'], { kube })).stdout, /Set by others/);
  });
});

describe('apply --take-ownership, redone after another writer came in between', () => {
  test('still says which fields of others it removed (the attempt that removed them is not the one that finished)', async () => {
    const kube = new DriftKube();
    const file = spec('web');
    await runIn(['apply', '-f', file], { kube });
    await setByOthers(kube);
    // Once the fields are removed (a JSON patch) and pachsvc applies its spec, the Deployment's
    // controller writes its status first (a new resourceVersion): that apply conflicts and is redone.
    let bumped = false;
    kube.beforeWrite = async (call) => {
      if (bumped || call.verb !== 'apply' || call.dryRun || call.resource !== 'deployments') return;
      bumped = true;
      await kube.patch(DEPLOYMENTS, 'default', 'web', [{ op: 'add', path: '/status', value: { observedGeneration: 99 } }]);
    };
    const r = await runIn(['apply', '-f', file, '--take-ownership'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(bumped, 'the race happened');
    assert.equal(r.stdout, 'service/web configured\n');
    assert.match(r.stderr, /^warning: deployment\.apps\/web: removed fields set by others: .*env\[name=FOO\]/m);
    assert.match(r.stderr, /^warning: service\/web: removed fields set by others: \.metadata\.labels\.team/m);
    assert.deepEqual(JSON.parse((await runIn(['inspect', 'web', '-o', 'json'], { kube })).stdout).setByOthers, []);
  });
});

describe('logs of a pod that is on no node', () => {
  const PODS = { api: '/api/v1', resource: 'pods' } as Kind;
  const pending = (kube: FakeKube, pod: string) =>
    kube.patch(PODS, 'default', pod, [
      { op: 'remove', path: '/spec/nodeName' },
      { op: 'replace', path: '/status', value: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector." }] } },
    ]);

  test('no log can be read: exit 1 and why (the API server answers an empty log, which used to be exit 0 and nothing)', async () => {
    const kube = new FakeKube();
    await runIn(['create', '-f', spec('web')], { kube });
    const [pod] = (await kube.list(PODS, 'default')).items.map((p) => p.metadata.name);
    await pending(kube, pod!);
    kube.setLog(pod!, 'service', '');
    const r = await runIn(['logs', 'web'], { kube });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `error: no log of service "web" could be read (${pod}/service: the pod is not scheduled on a node yet, so no container has started (0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.))\n`,
    );
  });

  test('one replica of two on no node: the other\'s log, a warning, exit 0', async () => {
    const kube = new FakeKube();
    const file = spec('two');
    const two = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...two, parallelism_spec: { constant: 2 } }));
    await runIn(['create', '-f', file], { kube });
    const [a, b] = (await kube.list(PODS, 'default', { labelSelector: 'app.kubernetes.io/name=two' })).items.map((p) => p.metadata.name);
    await pending(kube, a!);
    kube.setLog(a!, 'service', '');
    kube.setLog(b!, 'service', 'hello\n');
    const r = await runIn(['logs', 'two'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `[${b}/service] hello\n`);
    assert.match(r.stderr, new RegExp(`^warning: ${a}/service: the pod is not scheduled on a node yet`, 'm'));
  });
});

describe('apply --take-ownership that meets another writer', () => {
  test('the fields it removed are still said after it starts again', async () => {
    const kube = new DriftKube();
    const file = spec('web');
    await runIn(['apply', '-f', file], { kube });
    await kube.patch(DEPLOYMENTS, 'default', 'web', [{ op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'FOO', value: 'bar' } }]);
    // Right after the removal, the Deployment controller writes its status (a new resourceVersion): the
    // conditioned apply that follows conflicts and the write starts again from a fresh read, without FOO.
    let bumped = false;
    kube.beforeWrite = async (call) => {
      if (bumped || call.verb !== 'apply' || call.resource !== 'deployments') return;
      bumped = true;
      await kube.patch(DEPLOYMENTS, 'default', 'web', [{ op: 'replace', path: '/status/observedGeneration', value: 99 }]);
    };
    const r = await runIn(['apply', '-f', file, '--take-ownership'], { kube });
    assert.ok(bumped, 'another writer came in between');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/web configured\n');
    assert.match(r.stderr, /^warning: deployment\.apps\/web: removed fields set by others: \.spec\.template\.spec\.containers\[name=service\]\.env\[name=FOO\] \(kubectl-set\)$/m);
    assert.ok(!kube.peek('deployments', 'web')?.spec?.template?.spec?.containers?.[0]?.env?.some((e: { name: string }) => e.name === 'FOO'));
  });

  test('with nothing set by others it is an apply like any other: unchanged, no new revision', async () => {
    const kube = new DriftKube();
    const file = spec('web');
    await runIn(['apply', '-f', file], { kube });
    const r = await runIn(['apply', '-f', file, '--take-ownership'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/web unchanged\n');
    assert.equal(r.stderr, '');
    assert.equal(kube.writes().filter((c) => c.resource === 'configmaps').length, 1, 'only the first revision was recorded');
  });
});

describe('apply over a service another pachsvc has just created', () => {
  // A create POSTs the objects (their fields an "Update" of pachsvc), then hands them to the apply
  // manager (adoptForApply). An apply in between, applied over the objects as they are, would have its
  // lists merged with the creator's by the API server (a Deployment with two container ports named
  // user-port, refused as Invalid; or env vars of both specs): found by test/e2e/faults.test.ts.
  test('hands the objects to the apply manager first, then applies: one spec, whole', async () => {
    const kube = new FakeKube();
    const a = spec('web');
    const bFile = spec('web');
    writeFileSync(bFile, JSON.stringify({ ...JSON.parse(readFileSync(bFile, 'utf8')), transform: { image: 'nginx:1.27', env: { SIDE: 'b' } }, service: { internal_port: 9090 } }));
    let b: Awaited<ReturnType<typeof runIn>> | undefined;
    let from = -1;
    kube.beforeWrite = async (call) => {
      if (from >= 0 || call.verb !== 'patch' || call.resource !== 'deployments') return;
      // A has created both objects and is about to adopt its Deployment: B applies now.
      from = kube.calls.length;
      b = await runIn(['apply', '-f', bFile], { kube });
    };
    const ra = await runIn(['create', '-f', a], { kube });
    assert.ok(b, 'B ran between the create and its adoption');
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(ra.stdout, 'service/web created\n');
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.stdout, 'service/web configured\n');
    const bCalls = kube.calls.slice(from).filter((c) => c.resource === 'deployments' && (c.verb === 'patch' || c.verb === 'apply'));
    assert.equal(bCalls[0]?.verb, 'patch', `B adopts the Deployment before applying over it: ${JSON.stringify(bCalls)}`);
    const d = kube.peek('deployments', 'web')!;
    assert.deepEqual(d.metadata.managedFields?.filter((f) => f.manager === 'pachsvc').map((f) => f.operation), ['Apply']);
    assert.equal(d.spec?.template?.spec?.containers?.[0]?.image, 'nginx:1.27');
    assert.deepEqual(kube.peek('services', 'web')?.spec?.ports?.map((p: { port: number }) => p.port), [9090]);
  });
});

describe('a patch the API server refuses is said at once, not taken for another writer', () => {
  test('port repair refused as Invalid, nothing else changed: exit 1 with the refusal, no ten tries', async () => {
    const kube = new FakeKube();
    const file = spec('refused');
    assert.equal((await runIn(['apply', '-f', file], { kube })).code, 0);
    await kube.patch(SERVICES, 'default', 'refused', [{ op: 'replace', path: '/spec/ports/0/port', value: 9999 }]);
    // The repair's dry run is the first patch of the write.
    const before = kube.calls.length;
    kube.beforeWrite = (call) => {
      if (call.verb === 'patch' && call.resource === 'services') throw invalid;
    };
    const r = await runIn(['apply', '-f', file], { kube });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(Invalid\)/);
    assert.doesNotMatch(r.stderr, /kept being changed/);
    assert.equal(kube.calls.slice(before).filter((c) => c.verb === 'patch' && c.resource === 'services').length, 1);
  });
});
