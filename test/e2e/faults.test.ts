// Faults and races against a real API server: concurrent applies end with one spec, whole; concurrent
// deletes are done once; a Service port changed with kubectl is repaired by apply; fields other managers
// set are shown, left, and removed on request; logs says when nothing could be read.
//   bash test/e2e/run.sh test/e2e/faults.test.ts
import assert from 'node:assert/strict';
import { unlinkSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { freshNamespace, kubectl, kubectlOk, pachsvc, waitForReadyPods, type Namespace, type RunResult } from './helpers/kube.ts';
import { cleanupKwokObjects, serveContainerLog } from './helpers/kwok.ts';
import { envOf, pachsvcOk, readService, revisionRecords, serviceContainer, specFile } from './helpers/specs.ts';

const TRIES = 20;

// Two specs of one service that differ in every field a mix would show: image, port, env.
function pair(name: string): { a: string; b: string } {
  return {
    a: specFile(name, { image: 'python:3.12-slim', port: 8080, env: { SIDE: 'a' } }),
    b: specFile(name, { image: 'nginx:1.27', port: 9090, env: { SIDE: 'b' } }),
  };
}
const SIDES: Record<string, { image: string; port: number }> = { a: { image: 'python:3.12-slim', port: 8080 }, b: { image: 'nginx:1.27', port: 9090 } };

/** Asserts the service is one spec, whole; returns which ('a' or 'b'). */
async function assertWhole(namespace: string, name: string, context: string): Promise<string> {
  const { deployment, service } = await readService(namespace, name);
  assert.ok(deployment && service, `${context}: both objects exist`);
  const c = serviceContainer(deployment);
  const side = envOf(c).SIDE!;
  assert.ok(side === 'a' || side === 'b', `${context}: SIDE=${side}`);
  const want = SIDES[side]!;
  const spec = JSON.parse(deployment.metadata.annotations['pachsvc.io/spec']);
  const got = {
    image: c.image,
    containerPorts: c.ports.map((p: any) => p.containerPort),
    servicePorts: service.spec.ports.map((p: any) => `${p.name}:${p.port}`),
    specImage: spec.transform.image,
    specPort: spec.service.internal_port,
    specSide: spec.transform.env?.SIDE,
  };
  assert.deepEqual(
    got,
    { image: want.image, containerPorts: [want.port], servicePorts: [`user-port:${want.port}`], specImage: want.image, specPort: want.port, specSide: side },
    `${context}: every field from spec ${side}`,
  );
  const revision = deployment.metadata.annotations['pachsvc.io/revision'];
  assert.ok(Number(revision) >= 1, `${context}: a revision`);
  assert.equal(service.metadata.annotations['pachsvc.io/revision'], revision, `${context}: the same revision on both objects`);
  return side;
}

function assertApplied(r: RunResult, name: string, context: string): void {
  assert.equal(r.code, 0, `${context}: exit ${r.code}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /already exists/, context);
  assert.match(r.stdout, new RegExp(`^service/${name} (created|configured|unchanged)\\n$`), context);
}

describe('concurrent applies of two specs end with one spec, whole (14.1)', () => {
  let ns: Namespace;
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-race');
  });
  after(() => ns.cleanup());

  it(`on an existing service, ${TRIES} pairs at once`, async () => {
    const { a, b } = pair('rival');
    await pachsvcOk(['create', '-f', a, '-n', ns.name]);
    const won: Record<string, number> = { a: 0, b: 0 };
    let revision = 1;
    for (let i = 0; i < TRIES; i++) {
      const [ra, rb] = await Promise.all([pachsvc(['apply', '-f', a, '-n', ns.name]), pachsvc(['apply', '-f', b, '-n', ns.name])]);
      assertApplied(ra, 'rival', `try ${i} a`);
      assertApplied(rb, 'rival', `try ${i} b`);
      won[await assertWhole(ns.name, 'rival', `try ${i}`)]!++;
      const now = Number((await readService(ns.name, 'rival')).deployment.metadata.annotations['pachsvc.io/revision']);
      assert.ok(now > revision, `try ${i}: the revision went up (${revision} → ${now})`);
      revision = now;
    }
    assert.equal(won.a! + won.b!, TRIES);
  });

  it(`on a fresh name, ${TRIES} pairs at once: never "already exists"`, async () => {
    const created: string[] = [];
    for (let i = 0; i < TRIES; i++) {
      const name = `fresh-${i}`;
      const { a, b } = pair(name);
      const [ra, rb] = await Promise.all([pachsvc(['apply', '-f', a, '-n', ns.name]), pachsvc(['apply', '-f', b, '-n', ns.name])]);
      assertApplied(ra, name, `${name} a`);
      assertApplied(rb, name, `${name} b`);
      assert.ok([ra, rb].some((r) => / (created|configured)\n$/.test(r.stdout)), `${name}: someone wrote it`);
      await assertWhole(ns.name, name, name);
      created.push(name);
    }
    // One Deployment and one Service per name, nothing else.
    const deployments = (await kubectlOk(['get', 'deployments', '-o', 'name'], { namespace: ns.name })).trim().split('\n').sort();
    assert.deepEqual(deployments, [...created.map((n) => `deployment.apps/${n}`), 'deployment.apps/rival'].sort());
  });
});

describe('concurrent deletes: done once (14.9)', () => {
  let ns: Namespace;
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-delrace');
  });
  after(() => ns.cleanup());

  for (const ignore of [false, true]) {
    it(`two deletes of one service at once${ignore ? ' with --ignore-not-found' : ''}: exactly one says deleted`, async () => {
      for (let i = 0; i < 6; i++) {
        const name = `gone-${ignore ? 'i' : 'n'}-${i}`;
        await pachsvcOk(['create', '-f', specFile(name), '-n', ns.name]);
        await pachsvcOk(['update', '-f', specFile(name, { image: 'nginx:1.27' }), '-n', ns.name]);
        assert.equal((await revisionRecords(ns.name, name)).length, 2);
        const args = ['delete', name, '-n', ns.name, ...(ignore ? ['--ignore-not-found'] : [])];
        const results = await Promise.all([pachsvc(args), pachsvc(args)]);
        const said = results.filter((r) => r.stdout === `service "${name}" deleted\n`);
        assert.equal(said.length, 1, `${name}: exactly one says deleted: ${JSON.stringify(results.map((r) => [r.code, r.stdout, r.stderr]))}`);
        assert.equal(said[0]!.code, 0);
        assert.equal(said[0]!.stderr, '');
        const other = results.find((r) => r !== said[0])!;
        assert.equal(other.stdout, '', `${name}: the other prints nothing on stdout`);
        if (ignore) {
          assert.equal(other.code, 0, other.stderr);
          assert.equal(other.stderr, '');
        } else {
          assert.equal(other.code, 1);
          assert.equal(other.stderr, `Error from server (NotFound): service "${name}" not found in namespace ${ns.name}\n`);
        }
        const left = await readService(ns.name, name);
        assert.equal(left.deployment, undefined, `${name}: Deployment gone`);
        assert.equal(left.service, undefined, `${name}: Service gone`);
        assert.deepEqual(await revisionRecords(ns.name, name), [], `${name}: revisions gone`);
      }
    });
  }
});

describe('a Service port changed with kubectl is repaired by apply (14.4)', () => {
  let ns: Namespace;
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-port');
  });
  after(() => ns.cleanup());

  for (const takeOwnership of [false, true]) {
    it(`kubectl patch …/spec/ports/0/port 9999, then apply of the unchanged spec${takeOwnership ? ' --take-ownership' : ''}`, async () => {
      const name = takeOwnership ? 'ported-own' : 'ported';
      const file = specFile(name);
      await pachsvcOk(['create', '-f', file, '-n', ns.name]);
      await kubectlOk(['patch', 'svc', name, '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/port","value":9999}]'], { namespace: ns.name });
      assert.deepEqual((await readService(ns.name, name)).service.spec.ports.map((p: any) => p.port), [9999]);
      const r = await pachsvc(['apply', '-f', file, '-n', ns.name, ...(takeOwnership ? ['--take-ownership'] : [])]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `service/${name} configured\n`);
      assert.doesNotMatch(r.stderr, /left as they are/, 'the port is repaired, not left');
      const { service, deployment } = await readService(ns.name, name);
      assert.deepEqual(service.spec.ports.map((p: any) => ({ name: p.name, port: p.port, targetPort: p.targetPort })), [{ name: 'user-port', port: 8080, targetPort: 'user-port' }]);
      assert.equal(service.metadata.annotations['pachsvc.io/revision'], deployment.metadata.annotations['pachsvc.io/revision']);
      const again = await pachsvc(['apply', '-f', file, '-n', ns.name]);
      assert.equal(again.stdout, `service/${name} unchanged\n`, 'repaired for good');
      assert.equal(again.stderr, '');
    });
  }
});

describe('fields set by others: shown, left, removed with --take-ownership (14.5)', () => {
  let ns: Namespace;
  const NAME = 'drifted';
  const file = specFile(NAME, { env: { MODE: 'one' } });
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-drift');
    await pachsvcOk(['create', '-f', file, '-n', ns.name]);
    await kubectlOk(['set', 'env', `deploy/${NAME}`, 'FOO=bar'], { namespace: ns.name });
    await kubectlOk(['label', 'svc', NAME, 'team=x'], { namespace: ns.name });
  });
  after(() => ns.cleanup());

  const hasFoo = (d: any) => d.spec.template.spec.containers.some((c: any) => (c.env ?? []).some((e: any) => e.name === 'FOO'));

  it('apply of the unchanged spec leaves them and says so on stderr', async () => {
    const r = await pachsvc(['apply', '-f', file, '-n', ns.name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `service/${NAME} unchanged\n`);
    assert.match(r.stderr, /^warning: deployment\.apps\/drifted has fields set by others, left as they are: .*\.spec\.template\.spec\.containers\[name=service\]\.env\[name=FOO\] \(kubectl-set\).*--take-ownership/m);
    assert.match(r.stderr, /^warning: service\/drifted has fields set by others, left as they are: \.metadata\.labels\.team \(kubectl-label\)/m);
    const { deployment, service } = await readService(ns.name, NAME);
    assert.equal(envOf(serviceContainer(deployment)).FOO, 'bar');
    assert.equal(service.metadata.labels.team, 'x');
  });

  it('inspect lists them under "Set by others:" (and -o json as setByOthers)', async () => {
    const text = (await pachsvcOk(['inspect', NAME, '-n', ns.name])).stdout;
    const section = /\nSet by others:\n([\s\S]*?)\n\n/.exec(text)?.[1];
    assert.ok(section, `no "Set by others:" section in:\n${text}`);
    assert.match(section, /^\s+deployment\.apps\/drifted\s+\.spec\.template\.spec\.containers\[name=service\]\.env\[name=FOO\]\s+kubectl-set$/m);
    assert.match(section, /^\s+service\/drifted\s+\.metadata\.labels\.team\s+kubectl-label$/m);
    const json = JSON.parse((await pachsvcOk(['inspect', NAME, '-n', ns.name, '-o', 'json'])).stdout);
    const paths = json.setByOthers.flatMap((x: any) => x.fields.map((f: any) => `${x.object} ${f.path} ${f.managers.join(',')}`));
    assert.ok(paths.includes('deployment.apps/drifted .spec.template.spec.containers[name=service].env[name=FOO] kubectl-set'), paths.join('\n'));
    assert.ok(paths.includes('service/drifted .metadata.labels.team kubectl-label'), paths.join('\n'));
  });

  it('diff mentions them (and has nothing of its own to change)', async () => {
    const r = await pachsvc(['diff', '-f', file, '-n', ns.name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /deployment\.apps\/drifted has fields set by others.*env\[name=FOO\] \(kubectl-set\).*--take-ownership/);
    assert.match(r.stderr, /service\/drifted has fields set by others.*\.metadata\.labels\.team \(kubectl-label\)/);
  });

  it('apply --take-ownership removes them: the env var and the label are gone', async () => {
    const r = await pachsvc(['apply', '-f', file, '-n', ns.name, '--take-ownership']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `service/${NAME} configured\n`);
    assert.match(r.stderr, /^warning: deployment\.apps\/drifted: removed fields set by others: .*env\[name=FOO\]/m);
    assert.match(r.stderr, /^warning: service\/drifted: removed fields set by others: \.metadata\.labels\.team/m);
    const { deployment, service } = await readService(ns.name, NAME);
    assert.ok(!hasFoo(deployment), 'FOO is gone from every container');
    assert.ok(!deployment.spec.template.spec.initContainers.some((c: any) => (c.env ?? []).some((e: any) => e.name === 'FOO')), 'and from the init containers');
    assert.equal(service.metadata.labels.team, undefined);
    assert.equal(envOf(serviceContainer(deployment)).MODE, 'one', "pachsvc's own env stays");
    assert.doesNotMatch((await pachsvcOk(['inspect', NAME, '-n', ns.name])).stdout, /Set by others/);
    const again = await pachsvc(['apply', '-f', file, '-n', ns.name]);
    assert.equal(again.stdout, `service/${NAME} unchanged\n`);
    assert.equal(again.stderr, '');
  });
});

describe('logs: exit 0 when read, 1 with a reason when nothing could be read (14.6)', () => {
  let ns: Namespace;
  const NAME = 'talky';
  let pods: string[] = [];
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-logexit');
    await pachsvcOk(['create', '-f', specFile(NAME, { replicas: 2 }), '-n', ns.name, '--wait', '--timeout', '60s']);
    pods = (await waitForReadyPods(ns.name, `app.kubernetes.io/name=${NAME}`, 2)).map((p) => p.metadata.name).sort();
  });
  after(async () => {
    await cleanupKwokObjects(ns.name).catch(() => undefined);
    await ns.cleanup();
  });

  it('logs read: exit 0, every pod\'s lines, nothing on stderr', async () => {
    const r = await pachsvc(['logs', NAME, '-n', ns.name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    for (const pod of pods) assert.match(r.stdout, new RegExp(`^\\[${pod}/service\\] kwok: fake container log`, 'm'));
  });

  it('-c follow on a service without follow sidecars: exit 1, says so', async () => {
    const r = await pachsvc(['logs', NAME, '-n', ns.name, '-c', 'follow']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `error: service "${NAME}" has no follow containers\n`);
  });

  it('one pod\'s log unreadable: the other\'s lines, a warning naming it, exit 0; both unreadable: exit 1 and why', async () => {
    const [first, second] = pods as [string, string];
    const one = await serveContainerLog({ namespace: ns.name, pod: first, container: 'service', lines: ['hello from the first pod'] });
    assert.match((await pachsvcOk(['logs', NAME, '-n', ns.name])).stdout, new RegExp(`^\\[${first}/service\\] hello from the first pod$`, 'm'));
    unlinkSync(one.file); // kwok now fails to open it: the log endpoint answers an error for that container
    let r = await pachsvc(['logs', NAME, '-n', ns.name]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^\\[${second}/service\\] kwok: fake container log`, 'm'));
    assert.doesNotMatch(r.stdout, new RegExp(first));
    assert.match(r.stderr, new RegExp(`^warning: ${first}/service: Error from server \\(BadRequest\\): .*no such file or directory$`, 'm'));

    const two = await serveContainerLog({ namespace: ns.name, pod: second, container: 'service', lines: ['bye'] });
    unlinkSync(two.file);
    r = await pachsvc(['logs', NAME, '-n', ns.name]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`^error: no log of service "${NAME}" could be read \\(.*${first}/service: .*no such file.*${second}/service: .*no such file|^error: no log of service "${NAME}" could be read \\(.*${second}/service: .*no such file.*${first}/service: .*no such file`));
  });

  it('a pod that has not started (no node fits): exit 1 with the scheduler\'s reason', async () => {
    await pachsvcOk(['create', '-f', specFile('stuck', { extra: { scheduling_spec: { node_selector: { 'pachsvc-e2e/no-such-node': 'true' } } } }), '-n', ns.name]);
    // Wait until the scheduler has said why.
    for (let i = 0; i < 60; i++) {
      const r = await kubectl(['get', 'pods', '-l', 'app.kubernetes.io/name=stuck', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="PodScheduled")].status}'], { namespace: ns.name });
      if (r.stdout.trim() === 'False') break;
      await new Promise((res) => setTimeout(res, 250));
    }
    const r = await pachsvc(['logs', 'stuck', '-n', ns.name]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: no log of service "stuck" could be read \(stuck-[a-z0-9]+-[a-z0-9]+\/service: the pod is not scheduled on a node yet, so no container has started \(0\/1 nodes are available: .*node affinity\/selector/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});
