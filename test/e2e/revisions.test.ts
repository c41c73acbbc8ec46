// A service's second day, end to end against a real API server: diff (what apply would change, as the
// API server computes it), history and rollback (revisions kept in the cluster, spec and pinned commits
// together), and edit (a scripted editor). Inputs name commit ids, so no pachd is needed.
//   bash test/e2e/run.sh test/e2e/revisions.test.ts
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freshNamespace, kubectl, kubectlJson, pachsvc, type Namespace } from './helpers/kube.ts';
import { COMMIT_A, COMMIT_B, envOf, pachsvcOk, rawSpecFile, readService, revisionRecords, scratchDir, serviceContainer, specFile } from './helpers/specs.ts';

describe('diff: what apply would change', () => {
  let ns: Namespace;
  const v1 = specFile('differ', { env: { MODE: 'one' } });
  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-diff');
    await pachsvcOk(['create', '-f', v1, '-n', ns.name]);
  });
  after(() => ns.cleanup());

  it('an unchanged spec: exit 0, nothing on stdout', async () => {
    const r = await pachsvc(['diff', '-f', v1, '-n', ns.name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
  });

  it('a new image: exit 1, the change as a unified diff, nothing written', async () => {
    const before = (await readService(ns.name, 'differ')).deployment;
    const r = await pachsvc(['diff', '-f', specFile('differ', { image: 'nginx:1.27', env: { MODE: 'one' } }), '-n', ns.name]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^--- live\/deployment\.apps\/differ$/m);
    assert.match(r.stdout, /^\+\+\+ merged\/deployment\.apps\/differ$/m);
    assert.match(r.stdout, /^-\s+image: python:3\.12-slim$/m);
    assert.match(r.stdout, /^\+\s+image: nginx:1\.27$/m);
    assert.doesNotMatch(r.stdout, /live\/service\/differ/, 'the Service does not change');
    assert.doesNotMatch(r.stdout, /managedFields|resourceVersion|pachsvc\.io\/revision/, 'only fields someone wrote');
    const now = (await readService(ns.name, 'differ')).deployment;
    assert.equal(serviceContainer(now).image, 'python:3.12-slim', 'diff wrote nothing');
    assert.equal(now.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it('a new port: the Service and the Deployment both show it', async () => {
    const r = await pachsvc(['diff', '-f', specFile('differ', { port: 9090, env: { MODE: 'one' } }), '-n', ns.name]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^--- live\/service\/differ$/m);
    assert.match(r.stdout, /^-\s+port: 8080$/m);
    assert.match(r.stdout, /^\+\s+port: 9090$/m);
    assert.match(r.stdout, /^\+\s+- containerPort: 9090$|^\+\s+containerPort: 9090$/m);
  });

  it('a service that does not exist yet: exit 1, everything added', async () => {
    const r = await pachsvc(['diff', '-f', specFile('newcomer'), '-n', ns.name]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^\+\+\+ merged\/service\/newcomer$/m);
    assert.match(r.stdout, /^\+\+\+ merged\/deployment\.apps\/newcomer$/m);
    assert.doesNotMatch(r.stdout, /^-[^-]/m, 'nothing removed');
    assert.notEqual((await kubectl(['get', 'deployment', 'newcomer'], { namespace: ns.name })).code, 0, 'nothing created');
  });

  it('a broken spec: exit 2 with the place of the problem', async () => {
    const broken = rawSpecFile('{"pipeline":{"name":"differ"},"transform":{"imgae":"x"},"service":{"internal_port":8080}}');
    const r = await pachsvc(['diff', '-f', broken, '-n', ns.name]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /:1:\d+: unknown field "imgae" in transform \(did you mean "image"\?\)/);
    const unparsable = await pachsvc(['diff', '-f', rawSpecFile('{not json'), '-n', ns.name]);
    assert.equal(unparsable.code, 2);
    assert.match(unparsable.stderr, /invalid JSON/);
  });

  it('a new commit (--no-pin, the input names another commit id): the data change in words on stderr', async () => {
    const r = await pachsvc(['diff', '--no-pin', '-f', specFile('differ', { commit: COMMIT_B, env: { MODE: 'one' } }), '-n', ns.name]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^service\/differ: data data: 01234567… → fedcba98…$/m);
    assert.match(r.stdout, new RegExp(`^-\\s+value: "?${COMMIT_A}"?$`, 'm'));
    assert.match(r.stdout, new RegExp(`^\\+\\s+value: "?${COMMIT_B}"?$`, 'm'));
    const same = await pachsvc(['diff', '--no-pin', '-f', v1, '-n', ns.name]);
    assert.equal(same.code, 0);
    assert.doesNotMatch(same.stderr, /data data/, 'no words when the commit is the same');
  });
});

describe('history and rollback', () => {
  let ns: Namespace;
  const NAME = 'hist';
  const v1 = specFile(NAME, { image: 'python:3.12-slim', port: 8080, env: { MODE: 'one' }, commit: COMMIT_A });
  const v2 = specFile(NAME, { image: 'python:3.13-slim', port: 8080, env: { MODE: 'one' }, commit: COMMIT_A });
  const v3 = specFile(NAME, { image: 'python:3.13-slim', port: 8080, env: { MODE: 'one' }, commit: COMMIT_B });
  const v4 = specFile(NAME, { image: 'nginx:1.27', port: 9090, env: { MODE: 'two' }, commit: COMMIT_B });
  let first: { deployment?: any; service?: any };

  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-history');
  });
  after(() => ns.cleanup());

  const history = async () => {
    const text = (await pachsvcOk(['history', NAME, '-n', ns.name])).stdout;
    const json = JSON.parse((await pachsvcOk(['history', NAME, '-n', ns.name, '-o', 'json'])).stdout);
    return { text, json };
  };

  it('create and three updates make four revisions, each saying what changed', async () => {
    assert.match((await pachsvcOk(['create', '-f', v1, '-n', ns.name])).stdout, /^service\/hist created$/m);
    first = await readService(ns.name, NAME);
    for (const v of [v2, v3, v4]) assert.match((await pachsvcOk(['update', '-f', v, '-n', ns.name])).stdout, /^service\/hist configured$/m);
    const { text, json } = await history();
    assert.match(text, /^REVISION\s+AGE\s+CAUSE\s+STATUS\s+CHANGES$/m);
    assert.match(text, /^1\s+\S+\s+create\s+superseded\s+created$/m);
    assert.match(text, /^2\s+\S+\s+update\s+superseded\s+image python:3\.12-slim → python:3\.13-slim$/m);
    assert.match(text, /^3\s+\S+\s+update\s+superseded\s+.*data data: 01234567… → fedcba98…/m);
    assert.match(text, /^4\s+\S+\s+update\s+current\s+.*image python:3\.13-slim → nginx:1\.27/m);
    assert.match(text, /^4\s.*port 8080\/ClusterIP → 9090\/ClusterIP/m);
    assert.match(text, /^4\s.*env MODE/m);
    assert.equal(text.trim().split('\n').length, 5, 'a header and four revisions');
    assert.equal(json.current, 4);
    assert.deepEqual(json.items.map((r: any) => [r.revision, r.cause, r.image, r.pins.data]), [
      [1, 'create', 'python:3.12-slim', COMMIT_A],
      [2, 'update', 'python:3.13-slim', COMMIT_A],
      [3, 'update', 'python:3.13-slim', COMMIT_B],
      [4, 'update', 'nginx:1.27', COMMIT_B],
    ]);
    assert.deepEqual(await revisionRecords(ns.name, NAME), ['hist.pachsvc.r1', 'hist.pachsvc.r2', 'hist.pachsvc.r3', 'hist.pachsvc.r4']);
    const now = await readService(ns.name, NAME);
    assert.equal(now.deployment.metadata.annotations['pachsvc.io/revision'], '4');
    assert.equal(now.service.metadata.annotations['pachsvc.io/revision'], '4');
    assert.equal(serviceContainer(now.deployment).image, 'nginx:1.27');
    assert.deepEqual(now.service.spec.ports.map((p: any) => p.port), [9090]);
  });

  it('rollback --to-revision 1 writes revision 1 again, spec and pinned commit, as revision 5', async () => {
    const r = await pachsvcOk(['rollback', NAME, '--to-revision', '1', '-n', ns.name, '--wait', '--timeout', '60s']);
    assert.match(r.stdout, /^service\/hist rolled back to revision 1 \(now revision 5\)$/m);
    const now = await readService(ns.name, NAME);
    // The pod template is the one the first create wrote, byte for byte (image, env, pinned commit, ports, checkout).
    assert.deepEqual(now.deployment.spec.template, first.deployment.spec.template);
    for (const a of ['pachsvc.io/spec', 'pachsvc.io/pinned-commits']) assert.equal(now.deployment.metadata.annotations[a], first.deployment.metadata.annotations[a], a);
    assert.deepEqual(now.service.spec.ports, first.service.spec.ports);
    assert.equal(now.service.spec.type, first.service.spec.type);
    // And what revision 1 recorded.
    const record = await kubectlJson(['get', 'configmap', 'hist.pachsvc.r1'], { namespace: ns.name });
    const recorded = JSON.parse(record.data.objects) as any[];
    const rd = recorded.find((o) => o.kind === 'Deployment');
    const rs = recorded.find((o) => o.kind === 'Service');
    const c = serviceContainer(now.deployment);
    assert.equal(c.image, 'python:3.12-slim');
    assert.equal(c.image, serviceContainer(rd).image);
    assert.deepEqual(envOf(c), envOf(serviceContainer(rd)));
    assert.equal(envOf(c).data_COMMIT, COMMIT_A);
    assert.equal(envOf(c).MODE, 'one');
    assert.deepEqual(c.ports.map((p: any) => p.containerPort), [8080]);
    const checkout = now.deployment.spec.template.spec.initContainers.find((x: any) => x.name === 'checkout-data');
    assert.equal(envOf(checkout).PACHSVC_REF, COMMIT_A, 'the pinned commit of revision 1');
    assert.equal(envOf(checkout).PACHSVC_REF, envOf(rd.spec.template.spec.initContainers.find((x: any) => x.name === 'checkout-data')).PACHSVC_REF);
    assert.deepEqual(now.service.spec.ports.map((p: any) => [p.name, p.port]), rs.spec.ports.map((p: any) => [p.name, p.port]));
    assert.equal(now.deployment.metadata.annotations['pachsvc.io/revision'], '5');
    assert.equal(now.service.metadata.annotations['pachsvc.io/revision'], '5');
    // The pods rolled onto it.
    const pods = await kubectlJson(['get', 'pods', '-l', `app.kubernetes.io/name=${NAME}`], { namespace: ns.name });
    const live = pods.items.filter((p: any) => !p.metadata.deletionTimestamp);
    assert.ok(live.length > 0 && live.every((p: any) => p.spec.containers.find((x: any) => x.name === 'service').image === 'python:3.12-slim'), 'every pod runs revision 1');
  });

  it('history then shows revision 5, caused by the rollback, current', async () => {
    const { text, json } = await history();
    assert.match(text, /^5\s+\S+\s+rollback\s+current\s+.*image nginx:1\.27 → python:3\.12-slim/m);
    assert.match(text, /^5\s.*data data: fedcba98… → 01234567…/m);
    assert.match(text, /^4\s+\S+\s+update\s+superseded\s/m);
    assert.equal(json.current, 5);
    assert.deepEqual(json.items.at(-1).pins, { data: COMMIT_A });
  });

  it('rollback to where it is already: unchanged, no new revision', async () => {
    const r = await pachsvcOk(['rollback', NAME, '--to-revision', '1', '-n', ns.name]);
    assert.match(r.stdout, /^service\/hist unchanged \(already as revision 1\)$/m);
    assert.equal((await history()).json.current, 5);
  });

  it('delete removes the revision records with the service', async () => {
    assert.equal((await revisionRecords(ns.name, NAME)).length, 5);
    assert.match((await pachsvcOk(['delete', NAME, '-n', ns.name])).stdout, /^service "hist" deleted$/m);
    assert.deepEqual(await revisionRecords(ns.name, NAME), []);
    const r = await pachsvc(['history', NAME, '-n', ns.name]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(NotFound\): service "hist" not found/m);
  });
});

describe('edit, with a scripted editor', () => {
  let ns: Namespace;
  const NAME = 'edited';
  const dir = scratchDir();

  before(async () => {
    ns = await freshNamespace('pachsvc-e2e-edit');
    await pachsvcOk(['create', '-f', specFile(NAME, { image: 'python:3.12-slim', env: { MODE: 'one' } }), '-n', ns.name]);
  });
  after(() => ns.cleanup());

  function editor(name: string, body: string): string {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\nset -eu\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it('an editor that changes the image: the service runs the new image, as a revision caused by edit', async () => {
    const seen = join(dir, 'seen.yaml');
    const script = editor('set-image.sh', `cp "$1" "${seen}"\nsed -i 's#image: python:3.12-slim#image: busybox:1.36#' "$1"`);
    const r = await pachsvc(['edit', NAME, '-n', ns.name], { env: { ...process.env, PACHSVC_EDITOR: script } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/edited edited\n');
    const opened = readFileSync(seen, 'utf8');
    assert.match(opened, /^# Edit the spec of service "edited"/, 'the editor got the spec with a header');
    assert.match(opened, /^\s+image: python:3\.12-slim$/m);
    assert.match(opened, new RegExp(`branch: "?${COMMIT_A}"?`));
    const { deployment } = await readService(ns.name, NAME);
    assert.equal(serviceContainer(deployment).image, 'busybox:1.36');
    assert.equal(envOf(serviceContainer(deployment)).MODE, 'one', 'the rest of the spec is kept');
    assert.equal(JSON.parse(deployment.metadata.annotations['pachsvc.io/spec']).transform.image, 'busybox:1.36');
    const json = JSON.parse((await pachsvcOk(['history', NAME, '-n', ns.name, '-o', 'json'])).stdout);
    assert.deepEqual(json.items.at(-1).changes, ['image python:3.12-slim → busybox:1.36']);
    assert.equal(json.items.at(-1).cause, 'edit');
  });

  it('an invalid spec is reopened with the problem at the top; fixed on the second round, it is applied', async () => {
    const rounds = join(dir, 'rounds');
    const script = editor(
      'two-rounds.sh',
      [
        `n=$(cat "${rounds}" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "${rounds}"`,
        `cp "$1" "${dir}/round-$n.yaml"`,
        'if [ "$n" = 1 ]; then',
        `  sed -i 's#internal_port: 8080#internal_port: 99999#' "$1"`,
        'else',
        `  sed -i 's#internal_port: 99999#internal_port: 8081#; s#image: busybox:1.36#image: busybox:1.37#' "$1"`,
        'fi',
      ].join('\n'),
    );
    const r = await pachsvc(['edit', NAME, '-n', ns.name], { env: { ...process.env, PACHSVC_EDITOR: script } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/edited edited\n');
    assert.equal(readFileSync(rounds, 'utf8').trim(), '2', 'the editor ran twice');
    assert.ok(!existsSync(join(dir, 'round-3.yaml')));
    const second = readFileSync(join(dir, 'round-2.yaml'), 'utf8');
    assert.match(second, /^# The spec was not applied:$/m);
    assert.match(second, /^#\s+line \d+:\d+: service\.internal_port .*99999/m);
    assert.match(second, /^\s+internal_port: 99999$/m, 'the broken text is kept for fixing');
    const { deployment, service } = await readService(ns.name, NAME);
    assert.equal(serviceContainer(deployment).image, 'busybox:1.37');
    assert.deepEqual(serviceContainer(deployment).ports.map((p: any) => p.containerPort), [8081]);
    assert.deepEqual(service.spec.ports.map((p: any) => [p.name, p.port]), [['user-port', 8081]]);
    assert.equal(deployment.metadata.annotations['pachsvc.io/revision'], service.metadata.annotations['pachsvc.io/revision']);
  });

  it('an editor that saves nothing new cancels: nothing written', async () => {
    const before = (await readService(ns.name, NAME)).deployment.metadata.resourceVersion;
    const r = await pachsvc(['edit', NAME, '-n', ns.name], { env: { ...process.env, PACHSVC_EDITOR: editor('noop.sh', 'true') } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Edit cancelled, no changes made\./);
    assert.equal((await readService(ns.name, NAME)).deployment.metadata.resourceVersion, before);
  });
});
