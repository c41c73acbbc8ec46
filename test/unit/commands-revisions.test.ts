// history, rollback, diff and edit run in process against the in-memory cluster: revisions recorded and
// pruned, rollback of spec and data, diff's exit codes and words, edit's loop.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ANNOTATIONS, decodePins, revisionOf } from '../../src/contract.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { runIn } from '../helpers/test-factory.ts';
import { tempDir } from '../helpers/temp.ts';

const dir = tempDir('rev');

/** The copy of the user's text edit kept (it says where), and its removal once a test has read it. */
const keptCopy = (stderr: string): string => /A copy of your changes is in (\S+)/.exec(stderr)?.[1] ?? '';
const removeKeptCopy = (copy: string) => {
  if (copy) rmSync(dirname(copy), { recursive: true, force: true });
};
const C1 = '1'.repeat(32);
const C2 = '2'.repeat(32);
let n = 0;
function spec(image: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, `web-${++n}.json`);
  writeFileSync(file, JSON.stringify({ pipeline: { name: 'web' }, transform: { image }, service: { internal_port: 8080 }, input: { pfs: { repo: 'data', glob: '/', branch: 'master' } }, ...extra }));
  return file;
}
const image = (kube: FakeKube) => kube.peek('deployments', 'web')?.spec?.template?.spec?.containers?.[0]?.image;
const pins = (kube: FakeKube) => decodePins(kube.peek('deployments', 'web')?.metadata.annotations);

/** Three revisions: nginx:1 on C1, nginx:2 on C1, nginx:2 on C2. */
async function threeRevisions(): Promise<FakeKube> {
  const kube = new FakeKube();
  assert.equal((await runIn(['create', '-f', spec('nginx:1')], { kube, commits: { 'data@master': C1 } })).code, 0);
  assert.equal((await runIn(['apply', '-f', spec('nginx:2')], { kube, commits: { 'data@master': C1 } })).code, 0);
  const third = await runIn(['apply', '-f', spec('nginx:2')], { kube, commits: { 'data@master': C2 } });
  assert.equal(third.stdout, 'service/web configured\n', third.stderr);
  return kube;
}

describe('history', () => {
  test('lists every revision with what changed, spec and data', async () => {
    const kube = await threeRevisions();
    const r = await runIn(['history', 'web'], { kube });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^REVISION\s+AGE\s+CAUSE\s+STATUS\s+CHANGES$/);
    assert.match(lines[1]!, /^1\s+\S+\s+create\s+superseded\s+created$/);
    assert.match(lines[2]!, /^2\s+\S+\s+apply\s+superseded\s+image nginx:1 → nginx:2$/);
    assert.match(lines[3]!, /^3\s+\S+\s+apply\s+current\s+data data: 11111111… → 22222222…$/);
    const json = JSON.parse((await runIn(['history', 'web', '-o', 'json'], { kube })).stdout);
    assert.equal(json.current, 3);
    assert.deepEqual(json.items.map((i: { revision: number }) => i.revision), [1, 2, 3]);
  });
  test('keeps at most --history-max', async () => {
    const kube = new FakeKube();
    for (const v of ['1', '2', '3', '4']) await runIn(['apply', '-f', spec(`nginx:${v}`), '--no-pin', '--history-max', '2'], { kube });
    const json = JSON.parse((await runIn(['history', 'web', '-o', 'json'], { kube })).stdout);
    assert.deepEqual(json.items.map((i: { revision: number }) => i.revision), [3, 4]);
  });
  test('an unchanged apply is no revision', async () => {
    const kube = new FakeKube();
    const file = spec('nginx:1');
    await runIn(['apply', '-f', file, '--no-pin'], { kube });
    await runIn(['apply', '-f', file, '--no-pin'], { kube });
    assert.equal(JSON.parse((await runIn(['history', 'web', '-o', 'json'], { kube })).stdout).items.length, 1);
  });
  test('of a missing service: exit 1', async () => {
    assert.equal((await runIn(['history', 'ghost'])).code, 1);
  });
  test('delete removes the revisions with the service', async () => {
    const kube = await threeRevisions();
    assert.equal((await runIn(['delete', 'web'], { kube })).code, 0);
    assert.equal((await kube.list({ api: '/api/v1', resource: 'configmaps' }, 'default')).items.length, 0);
  });
});

describe('rollback', () => {
  test('to revision 1 restores the spec and the pinned commits, as a new revision', async () => {
    const kube = await threeRevisions();
    assert.equal(image(kube), 'nginx:2');
    assert.deepEqual({ ...pins(kube) }, { data: C2 });
    const r = await runIn(['rollback', 'web', '--to-revision', '1'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/web rolled back to revision 1 (now revision 4)\n');
    assert.equal(image(kube), 'nginx:1');
    assert.deepEqual({ ...pins(kube) }, { data: C1 });
    const env = kube.peek('deployments', 'web')?.spec?.template?.spec?.initContainers?.[0]?.env as { name: string; value?: string }[];
    assert.equal(env.find((e) => e.name === 'PACHSVC_REF')?.value, C1);
    assert.equal(revisionOf(kube.peek('services', 'web')), 4);
    const history = JSON.parse((await runIn(['history', 'web', '-o', 'json'], { kube })).stdout);
    assert.equal(history.items.at(-1).cause, 'rollback');
  });
  test('without --to-revision goes back one', async () => {
    const kube = await threeRevisions();
    const r = await runIn(['rollback', 'web'], { kube });
    assert.equal(r.stdout, 'service/web rolled back to revision 2 (now revision 4)\n');
    assert.deepEqual({ ...pins(kube) }, { data: C1 });
  });
  test('--dry-run=server and --dry-run change nothing', async () => {
    const kube = await threeRevisions();
    const before = kube.writes().length;
    assert.match((await runIn(['rollback', 'web', '--to-revision', '1', '--dry-run=server'], { kube })).stdout, /\(server dry run\)/);
    assert.match((await runIn(['rollback', 'web', '--to-revision', '1', '--dry-run'], { kube })).stdout, /image: nginx:1/);
    assert.equal(kube.writes().length, before);
    assert.equal(image(kube), 'nginx:2');
  });
  test('to a revision not kept: exit 1, says which are', async () => {
    const kube = await threeRevisions();
    const r = await runIn(['rollback', 'web', '--to-revision', '9'], { kube });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /has no revision 9 \(kept: 1, 2, 3\)/);
  });
  test('a bad --to-revision is a usage error', async () => {
    assert.equal((await runIn(['rollback', 'web', '--to-revision', 'x'])).code, 2);
  });
});

describe('diff', () => {
  test('exit 0 when apply would change nothing', async () => {
    const kube = new FakeKube();
    const file = spec('nginx:1');
    await runIn(['apply', '-f', file, '--no-pin'], { kube });
    const r = await runIn(['diff', '-f', file, '--no-pin'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
  });
  test('exit 1 and a unified diff when it would, nothing written', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('nginx:1'), '--no-pin'], { kube });
    const before = kube.writes().length;
    const r = await runIn(['diff', '-f', spec('nginx:2'), '--no-pin'], { kube });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^--- live\/deployment\.apps\/web\n\+\+\+ merged\/deployment\.apps\/web\n@@ /m);
    assert.match(r.stdout, /^-\s+image: nginx:1$/m);
    assert.match(r.stdout, /^\+\s+image: nginx:2$/m);
    assert.doesNotMatch(r.stdout, /resourceVersion|managedFields|pachsvc\.io\/revision/);
    assert.equal(kube.writes().length, before);
  });
  test('a new commit is said in words', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('nginx:1')], { kube, commits: { 'data@master': C1 } });
    const r = await runIn(['diff', '-f', spec('nginx:1')], { kube, commits: { 'data@master': C2 } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /service\/web: data data: 11111111… → 22222222…/);
  });
  test('a service that does not exist yet: all added', async () => {
    const r = await runIn(['diff', '-f', spec('nginx:1'), '--no-pin']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^--- live\/service\/web\n\+\+\+ merged\/service\/web\n@@ -0,0 \+1,/m);
  });
  test('a broken spec: exit 2', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"pipeline": {"name": "web"}, "transform": {"image": 5}}');
    const r = await runIn(['diff', '-f', file]);
    assert.equal(r.code, 2);
  });
  test('PACHSVC_EXTERNAL_DIFF gets two folders', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('nginx:1'), '--no-pin'], { kube });
    const r = await runIn(['diff', '-f', spec('nginx:2'), '--no-pin'], { kube, env: { PACHSVC_EXTERNAL_DIFF: 'diff -r -u' } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /LIVE\/apps\.v1\.Deployment\.default\.web/);
    assert.match(r.stdout, /^\+\s+image: nginx:2$/m);
  });
});

describe('edit', () => {
  const editor = (change: (text: string) => string) => (path: string) => writeFileSync(path, change(readFileSync(path, 'utf8')));

  test('applies the edited spec like update', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('nginx:1')], { kube, commits: { 'data@master': C1 } });
    const r = await runIn(['edit', 'web'], { kube, edit: editor((t) => t.replace('image: nginx:1', 'image: nginx:9')) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/web edited\n');
    assert.equal(image(kube), 'nginx:9');
    // The input was not changed: it keeps the commit it served.
    assert.deepEqual({ ...pins(kube) }, { data: C1 });
    assert.equal(JSON.parse((await runIn(['history', 'web', '-o', 'json'], { kube })).stdout).items.at(-1).cause, 'edit');
  });
  test('opens the spec with its $schema line', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('nginx:1'), '--no-pin'], { kube });
    let seen = '';
    await runIn(['edit', 'web'], { kube, edit: (p) => void (seen = readFileSync(p, 'utf8')) });
    assert.match(seen, /^"?\$schema"?: "?https:\/\/pachsvc\.io\/schemas\/v1\/service\.schema\.json"?$/m);
    assert.match(seen, /image: nginx:1/);
  });
  test('saved unchanged: cancelled, nothing written', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('nginx:1'), '--no-pin'], { kube });
    const before = kube.writes().length;
    const r = await runIn(['edit', 'web'], { kube, edit: () => {} });
    assert.equal(r.code, 0);
    assert.match(r.stderr, /Edit cancelled, no changes made\./);
    assert.equal(kube.writes().length, before);
  });
  test('an invalid spec is reopened with its errors at the top', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('nginx:1'), '--no-pin'], { kube });
    const seen: string[] = [];
    let round = 0;
    const r = await runIn(['edit', 'web'], {
      kube,
      edit: (p) => {
        const text = readFileSync(p, 'utf8');
        seen.push(text);
        round++;
        writeFileSync(p, round === 1 ? text.replace('internal_port: 8080', 'internal_port: 0') : text.replace('internal_port: 0', 'internal_port: 8081'));
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(seen.length, 2);
    assert.match(seen[1]!, /^# The spec was not applied:\n#   line \d+:\d+: service\.internal_port must be a port number/m);
    assert.equal(kube.peek('services', 'web')?.spec?.ports?.[0]?.port, 8081);
  });
  test('refuses to change the name', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('nginx:1'), '--no-pin'], { kube });
    let round = 0;
    const r = await runIn(['edit', 'web'], {
      kube,
      edit: editor((t) => (++round === 1 ? t.replace('name: web', 'name: other') : t.replace(/^# [^\n]*\n/gm, '').replace('name: other', 'name: other'))),
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Edit cancelled, no valid changes were saved/);
    removeKeptCopy(keptCopy(r.stderr));
    assert.equal(kube.peek('deployments', 'other'), undefined);
  });
  test('of a missing service: exit 1', async () => {
    assert.equal((await runIn(['edit', 'ghost'])).code, 1);
  });
});

describe('inspect shows the revision and a half service', () => {
  test('revision', async () => {
    const kube = await threeRevisions();
    const r = await runIn(['inspect', 'web'], { kube });
    assert.match(r.stdout, /^Revision:\s+3 /m);
    assert.equal(JSON.parse((await runIn(['inspect', 'web', '-o', 'json'], { kube })).stdout).revision, 3);
  });
  test('a Service without its Deployment says how to repair it', async () => {
    const kube = await threeRevisions();
    await kube.delete({ api: '/apis/apps/v1', resource: 'deployments' }, 'default', 'web');
    const r = await runIn(['inspect', 'web'], { kube });
    assert.match(r.stdout, /Incomplete \(no Deployment\)/);
    assert.match(r.stdout, /the Service exists without its Deployment .*`pachsvc apply -f SPEC`/);
    assert.doesNotMatch(r.stdout, /check the Deployment's events/);
  });
  void ANNOTATIONS;
});

describe('review fixes: what others can put in the cluster is never written back', () => {
  test('rollback renders the recorded spec again: an object slipped into a revision record is ignored', async () => {
    const kube = await threeRevisions();
    const cm = kube.peek('configmaps', 'web.pachsvc.r1')!;
    const objects = JSON.parse((cm.data as Record<string, string>).objects!);
    objects.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'evil' }, spec: { containers: [{ name: 'x', image: 'evil', securityContext: { privileged: true } }] } });
    await kube.patch({ api: '/api/v1', resource: 'configmaps' }, 'default', 'web.pachsvc.r1', [{ op: 'replace', path: '/data/objects', value: JSON.stringify(objects) }]);
    const r = await runIn(['rollback', 'web', '--to-revision', '1'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(kube.peek('pods', 'evil'), undefined);
    assert.ok(!kube.calls.some((c) => c.resource === 'pods' && (c.verb === 'create' || c.verb === 'apply')));
    assert.equal(image(kube), 'nginx:1');
    assert.deepEqual({ ...pins(kube) }, { data: C1 });
  });
  test('rollback refuses a record whose spec was tampered into something that does not load', async () => {
    const kube = await threeRevisions();
    const cm = kube.peek('configmaps', 'web.pachsvc.r1')!;
    const objects = JSON.parse((cm.data as Record<string, string>).objects!);
    objects.find((o: { kind: string }) => o.kind === 'Deployment').metadata.annotations['pachsvc.io/spec'] = JSON.stringify({ pipeline: { name: 'web' }, transform: { image: 'x' }, service: { internal_port: 70000 } });
    await kube.patch({ api: '/api/v1', resource: 'configmaps' }, 'default', 'web.pachsvc.r1', [{ op: 'replace', path: '/data/objects', value: JSON.stringify(objects) }]);
    const before = kube.writes().length;
    const r = await runIn(['rollback', 'web', '--to-revision', '1'], { kube });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /revision 1:\d+:\d+: service\.internal_port must be a port number/);
    assert.equal(kube.writes().length, before);
  });
});

describe('review fixes: history', () => {
  test('a half service keeps counting revisions from the object it still has', async () => {
    const kube = await threeRevisions();
    await kube.delete({ api: '/apis/apps/v1', resource: 'deployments' }, 'default', 'web');
    const r = await runIn(['apply', '-f', spec('nginx:2')], { kube, commits: { 'data@master': C2 } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(revisionOf(kube.peek('deployments', 'web')), 4);
    assert.equal(revisionOf(kube.peek('services', 'web')), 4);
  });
  test('--history-max 0 keeps none, also of what was kept before', async () => {
    const kube = await threeRevisions();
    await runIn(['apply', '-f', spec('nginx:3'), '--history-max', '0'], { kube, commits: { 'data@master': C2 } });
    assert.equal((await kube.list({ api: '/api/v1', resource: 'configmaps' }, 'default')).items.length, 0);
  });
  test('the oldest kept revision is not called "created" unless a create made it', async () => {
    const kube = new FakeKube();
    for (const v of ['1', '2', '3']) await runIn(['apply', '-f', spec(`nginx:${v}`), '--no-pin', '--history-max', '2'], { kube });
    const json = JSON.parse((await runIn(['history', 'web', '-o', 'json'], { kube })).stdout);
    assert.deepEqual(json.items[0].changes, ['(the revisions before were not kept)']);
  });
});

describe('review fixes: edit', () => {
  test('does not overwrite what someone else wrote while the editor was open', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('nginx:1'), '--no-pin'], { kube });
    let copy: string = '';
    const r = await runIn(['edit', 'web'], {
      kube,
      edit: async (p) => {
        assert.equal((await runIn(['apply', '-f', spec('nginx:bob', { service: { internal_port: 9090 } }), '--no-pin'], { kube })).code, 0);
        writeFileSync(p, readFileSync(p, 'utf8').replace('image: nginx:1', 'image: nginx:alice'));
      },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /was changed by someone else meanwhile \(revision 1 is now 2\): nothing was written/);
    copy = keptCopy(r.stderr);
    assert.ok(copy);
    assert.match(readFileSync(copy, 'utf8'), /image: nginx:alice/);
    removeKeptCopy(copy);
    assert.equal(image(kube), 'nginx:bob');
    assert.equal(kube.peek('services', 'web')?.spec?.ports?.[0]?.port, 9090);
  });
  test('keeps the edits when the write is refused', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('nginx:1'), '--no-pin'], { kube });
    kube.deny('apply', 'deployments');
    const r = await runIn(['edit', 'web'], { kube, edit: (p) => writeFileSync(p, readFileSync(p, 'utf8').replace('image: nginx:1', 'image: nginx:9')) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Forbidden/);
    const copy = keptCopy(r.stderr);
    assert.match(readFileSync(copy, 'utf8'), /image: nginx:9/);
    removeKeptCopy(copy);
  });
});

describe('review fixes: the pachd token', () => {
  const token = (kube: FakeKube) =>
    kube.seed('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pach' }, data: { 'auth-token': Buffer.from('sekret\n').toString('base64') } } as never);
  const flags = ['--pachd-address', 'http://pachd.default:1650', '--pachyderm-auth-secret', 'pach'];
  test('apply, diff and edit all pin with it, read once per command', async () => {
    const kube = new FakeKube();
    token(kube);
    const before = kube.calls.length;
    const two = join(dir, 'two.yaml');
    writeFileSync(two, ['a', 'b'].map((n) => JSON.stringify({ pipeline: { name: n }, transform: { image: 'x' }, service: { internal_port: 80 }, input: { pfs: { repo: 'data', glob: '/' } } })).join('\n---\n'));
    const applied = await runIn(['apply', '-f', two, ...flags], { kube, commits: { 'data@master': C1 } });
    assert.equal(applied.code, 0, applied.stderr);
    assert.ok(applied.pachdAsked.length > 0 && applied.pachdAsked.every((a) => a.token === 'sekret'));
    assert.equal(kube.calls.slice(before).filter((c) => c.verb === 'get' && c.resource === 'secrets').length, 1);
    const diffed = await runIn(['diff', '-f', two, ...flags], { kube, commits: { 'data@master': C1 } });
    assert.equal(diffed.code, 0, diffed.stdout + diffed.stderr);
    assert.ok(diffed.pachdAsked.every((a) => a.token === 'sekret'));
  });
  test('not read at all when pachd is not asked over HTTP', async () => {
    const kube = new FakeKube();
    token(kube);
    await runIn(['apply', '-f', spec('nginx:1'), '--pachyderm-auth-secret', 'pach'], { kube, commits: { 'data@master': C1 } });
    assert.ok(!kube.calls.some((c) => c.resource === 'secrets'));
  });
});
