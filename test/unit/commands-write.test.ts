// create, update, apply and delete run in process, against in-memory streams and an in-memory cluster:
// each decision (what may be created, changed, deleted), its output and exit code, and the calls made.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { revisionOf } from '../../src/contract.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { runIn } from '../helpers/test-factory.ts';
import { tempDir } from '../helpers/temp.ts';

const dir = tempDir('cmd');
let n = 0;
function spec(name: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}-${++n}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      pipeline: { name },
      transform: { image: 'python:3.12-slim', cmd: ['python3', '-m', 'http.server', '8080'] },
      service: { internal_port: 8080 },
      input: { pfs: { repo: 'data', glob: '/', branch: '0123456789abcdef0123456789abcdef' } },
      ...extra,
    }),
  );
  return file;
}
const image = (kube: FakeKube, name: string) => kube.peek('deployments', name)?.spec?.template?.spec?.containers?.[0]?.image;
const unmanaged = (kind: 'Deployment' | 'Service', name: string) => ({ apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, metadata: { name, labels: { app: name } }, spec: {} });

describe('create', () => {
  test('creates both objects, Service first, and says so', async () => {
    const r = await runIn(['create', '-f', spec('web')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/web created\n');
    assert.deepEqual(r.kube.writes().filter((c) => c.verb === 'create').map((c) => c.resource), ['services', 'deployments']);
    assert.equal(revisionOf(r.kube.peek('deployments', 'web')), 1);
    assert.equal(revisionOf(r.kube.peek('services', 'web')), 1);
  });

  test('over an existing service: exit 1, nothing written', async () => {
    const kube = new FakeKube();
    await runIn(['create', '-f', spec('web')], { kube });
    const before = kube.writes().length;
    const r = await runIn(['create', '-f', spec('web', { transform: { image: 'other' } })], { kube });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /service "web" already exists in namespace default: use `pachsvc update`/);
    assert.equal(r.stdout, '');
    assert.equal(kube.writes().length, before);
    assert.equal(image(kube, 'web'), 'python:3.12-slim');
  });

  test('a failure half way removes what it created', async () => {
    const kube = new FakeKube();
    kube.deny('create', 'deployments');
    const r = await runIn(['create', '-f', spec('web')], { kube });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Forbidden.*nothing was left behind/);
    assert.equal(kube.peek('services', 'web'), undefined);
  });
});

describe('update', () => {
  test('of a missing service: exit 1, names the way to create it, nothing written', async () => {
    const file = spec('ghost');
    const r = await runIn(['update', '-f', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`service "ghost" not found in namespace default: create it with \`pachsvc create -f ${file}\``));
    assert.deepEqual(r.kube.writes(), []);
  });

  test('changes both objects, each conditioned on the version it read, at the next revision', async () => {
    const kube = new FakeKube();
    await runIn(['create', '-f', spec('web')], { kube });
    const rv = kube.peek('deployments', 'web')?.metadata.resourceVersion;
    const r = await runIn(['update', '-f', spec('web', { transform: { image: 'python:3.13-slim', cmd: ['python3'] } })], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/web configured\n');
    const applies = kube.writes().filter((c) => c.verb === 'apply' && c.resource !== 'configmaps');
    assert.deepEqual(applies.map((c) => c.resource), ['services', 'deployments']);
    assert.equal(applies[1]?.resourceVersion, rv);
    assert.equal(image(kube, 'web'), 'python:3.13-slim');
    assert.equal(revisionOf(kube.peek('deployments', 'web')), 2);
    assert.equal(revisionOf(kube.peek('services', 'web')), 2);
  });
});

describe('apply', () => {
  test('creates what does not exist', async () => {
    const r = await runIn(['apply', '-f', spec('web')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/web created\n');
  });

  test('updates what changed', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('web')], { kube });
    const r = await runIn(['apply', '-f', spec('web', { service: { internal_port: 9090 } })], { kube });
    assert.equal(r.stdout, 'service/web configured\n');
    assert.equal(kube.peek('services', 'web')?.spec?.ports?.[0]?.port, 9090);
  });

  test('writes nothing when nothing changed, and keeps the revision', async () => {
    const kube = new FakeKube();
    const file = spec('web');
    await runIn(['apply', '-f', file], { kube });
    const before = kube.writes().length;
    const r = await runIn(['apply', '-f', file], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/web unchanged\n');
    assert.equal(kube.writes().length, before);
    assert.equal(revisionOf(kube.peek('deployments', 'web')), 1);
  });

  test('repairs a half service (a Deployment without its Service)', async () => {
    const kube = new FakeKube();
    const file = spec('web');
    await runIn(['apply', '-f', file], { kube });
    await kube.delete({ api: '/api/v1', resource: 'services' }, 'default', 'web');
    const r = await runIn(['apply', '-f', file], { kube });
    assert.equal(r.stdout, 'service/web configured\n');
    assert.equal(revisionOf(kube.peek('services', 'web')), revisionOf(kube.peek('deployments', 'web')));
  });

  test('restores a Service port someone else changed', async () => {
    const kube = new FakeKube();
    const file = spec('web');
    await runIn(['apply', '-f', file], { kube });
    await kube.patch({ api: '/api/v1', resource: 'services' }, 'default', 'web', [{ op: 'replace', path: '/spec/ports/0/port', value: 9999 }]);
    const r = await runIn(['apply', '-f', file], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service/web configured\n');
    assert.deepEqual(kube.peek('services', 'web')?.spec?.ports?.map((p: { port: number }) => p.port), [8080]);
  });

  test('of a service another writer changes meanwhile: starts again, and ends whole', async () => {
    const kube = new FakeKube();
    await runIn(['apply', '-f', spec('web')], { kube });
    const mine = spec('web', { transform: { image: 'mine:1' } });
    const theirs = spec('web', { transform: { image: 'theirs:1' }, service: { internal_port: 7070 } });
    let interleaved = false;
    kube.beforeWrite = async (call) => {
      // Between this apply's two real writes, another apply runs whole.
      if (!interleaved && call.verb === 'apply' && !call.dryRun && call.resource === 'deployments') {
        interleaved = true;
        kube.beforeWrite = undefined;
        const other = await runIn(['apply', '-f', theirs], { kube });
        assert.equal(other.code, 0, other.stderr);
      }
    };
    const r = await runIn(['apply', '-f', mine], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(interleaved);
    const d = kube.peek('deployments', 'web')!;
    const s = kube.peek('services', 'web')!;
    // Whole: both objects from the same write (same revision, same spec).
    assert.equal(revisionOf(d), revisionOf(s));
    assert.ok(revisionOf(d) >= 3, 'the other write and this one each made a revision');
    assert.equal(image(kube, 'web'), 'mine:1');
    assert.equal(s.spec?.ports?.[0]?.port, 8080);
  });

  test('applies a folder: one line per service in order, one failure does not stop the others', async () => {
    const folder = tempDir('folder');
    for (const name of ['alpha', 'beta', 'gamma']) writeFileSync(join(folder, `${name}.json`), JSON.stringify({ pipeline: { name }, transform: { image: 'nginx' }, service: { internal_port: 80 } }));
    const kube = new FakeKube();
    kube.seed('services', unmanaged('Service', 'beta') as never);
    const r = await runIn(['apply', '-f', folder], { kube });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'service/alpha created\nservice/gamma created\n');
    assert.match(r.stderr, /service "beta" in namespace default is not managed by pachsvc/);
    assert.match(r.stderr, /1 of 3 services failed/);
  });

  test('two specs naming one service: an error before anything is written', async () => {
    const r = await runIn(['apply', '-f', spec('twin'), '-f', spec('twin')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /service "twin" is also defined at/);
    assert.deepEqual(r.kube.writes(), []);
  });
});

describe('objects pachsvc does not manage are never touched', () => {
  for (const verb of ['create', 'update', 'apply']) {
    for (const kind of ['Deployment', 'Service'] as const) {
      test(`${verb} over an unmanaged ${kind}`, async () => {
        const kube = new FakeKube();
        kube.seed(kind === 'Deployment' ? 'deployments' : 'services', unmanaged(kind, 'web') as never);
        const r = await runIn([verb, '-f', spec('web')], { kube });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /is not managed by pachsvc \(it has no app\.kubernetes\.io\/managed-by=pachsvc label\)/);
        assert.deepEqual(kube.writes(), []);
      });
    }
  }
  test('delete of an unmanaged service', async () => {
    const kube = new FakeKube();
    kube.seed('deployments', unmanaged('Deployment', 'web') as never);
    const r = await runIn(['delete', 'web'], { kube });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to delete it/);
    assert.deepEqual(kube.writes(), []);
  });
});

describe('dry runs never write', () => {
  for (const verb of ['create', 'update', 'apply']) {
    test(`${verb} --dry-run=server`, async () => {
      const kube = new FakeKube();
      if (verb === 'update') await runIn(['create', '-f', spec('web')], { kube });
      const before = kube.writes().length;
      const r = await runIn([verb, '-f', spec('web', { transform: { image: 'changed' } }), '--dry-run=server'], { kube });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, / \(server dry run\)\n$/);
      assert.equal(kube.writes().length, before);
      assert.notEqual(image(kube, 'web'), 'changed');
    });
    test(`${verb} --dry-run (client) prints objects and calls nothing`, async () => {
      const r = await runIn([verb, '-f', spec('web'), '--dry-run']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^apiVersion: apps\/v1\nkind: Deployment/);
      assert.deepEqual(r.kube.calls, []);
    });
  }
  test('an unknown --dry-run value is a usage error', async () => {
    const r = await runIn(['apply', '-f', spec('web'), '--dry-run=maybe']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid value "maybe" for --dry-run/);
    assert.deepEqual(r.kube.calls, []);
  });
  test('delete --dry-run=server and --dry-run delete nothing', async () => {
    const kube = new FakeKube();
    await runIn(['create', '-f', spec('web')], { kube });
    for (const flag of ['--dry-run=server', '--dry-run']) {
      const r = await runIn(['delete', 'web', flag], { kube });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /service "web" deleted \((server )?dry run\)/);
    }
    assert.ok(kube.peek('deployments', 'web'));
    assert.ok(kube.peek('services', 'web'));
  });
});

describe('output', () => {
  test('-o name', async () => {
    const r = await runIn(['apply', '-f', spec('web'), '-o', 'name']);
    assert.equal(r.stdout, 'service/web\n');
  });
  test('-o json: a List of the objects written', async () => {
    const r = await runIn(['apply', '-f', spec('web'), '-o', 'json']);
    const list = JSON.parse(r.stdout);
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((o: { kind: string }) => o.kind), ['Service', 'Deployment']);
  });
  test('-o yaml', async () => {
    const r = await runIn(['apply', '-f', spec('web'), '-o', 'yaml']);
    assert.match(r.stdout, /^apiVersion: v1\nkind: Service\n[\s\S]*---\napiVersion: apps\/v1\nkind: Deployment/);
  });
});

describe('delete', () => {
  test('deletes both objects', async () => {
    const kube = new FakeKube();
    await runIn(['create', '-f', spec('web')], { kube });
    const r = await runIn(['delete', 'service/web'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service "web" deleted\n');
    assert.equal(kube.peek('deployments', 'web'), undefined);
    assert.equal(kube.peek('services', 'web'), undefined);
  });
  test('half permitted (RBAC refuses the Service): nothing deleted', async () => {
    const kube = new FakeKube();
    await runIn(['create', '-f', spec('web')], { kube });
    kube.deny('delete', 'services');
    const r = await runIn(['delete', 'web'], { kube });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Forbidden/);
    assert.ok(kube.peek('deployments', 'web'));
    assert.ok(kube.peek('services', 'web'));
  });
  test('a missing service: exit 1, or 0 with --ignore-not-found', async () => {
    assert.equal((await runIn(['delete', 'ghost'])).code, 1);
    const quiet = await runIn(['delete', 'ghost', '--ignore-not-found']);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, '');
  });
  test('--all: the names from two light tables (Deployments and Services), never the pods', async () => {
    const kube = new FakeKube();
    await runIn(['create', '-f', spec('web')], { kube });
    await runIn(['create', '-f', spec('api')], { kube });
    // A Service left alone by a delete that stopped half way is a service to delete too.
    kube.seed('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'half', labels: { 'app.kubernetes.io/managed-by': 'pachsvc', 'app.kubernetes.io/name': 'half' } } });
    kube.calls.length = 0;
    const r = await runIn(['delete', '--all'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'service "api" deleted\nservice "half" deleted\nservice "web" deleted\n');
    const reads = kube.calls.filter((c) => c.verb === 'table' || (c.verb === 'list' && c.resource !== 'configmaps'));
    assert.deepEqual(reads.map((c) => `${c.verb} ${c.resource}`).sort(), ['table deployments', 'table services']);
    assert.equal(kube.peek('services', 'half'), undefined);
  });
  test('of a service someone else deleted first says not found', async () => {
    const kube = new FakeKube();
    await runIn(['create', '-f', spec('web')], { kube });
    // Our deletes (made together, in one tick) wait while the other delete runs whole, then go on.
    let other: Promise<number> | undefined;
    let otherStarted = false;
    kube.beforeWrite = async (call) => {
      if (call.verb !== 'delete' || call.dryRun || otherStarted) return;
      other ??= new Promise((resolve) =>
        setImmediate(() => {
          otherStarted = true;
          resolve(runIn(['delete', 'web'], { kube }).then((r) => r.code));
        }),
      );
      assert.equal(await other, 0);
    };
    const r = await runIn(['delete', 'web'], { kube });
    assert.equal(await other, 0);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /NotFound/);
  });
});

describe('validate of a file that also holds batch pipelines', () => {
  test('warns once about each pipeline, in text and in -o json', async () => {
    const file = join(dir, 'mixed.json');
    writeFileSync(
      file,
      `${JSON.stringify({ pipeline: { name: 'train' }, transform: { image: 'tf' }, input: { pfs: { repo: 'data', glob: '/*' } } })}\n${JSON.stringify({ pipeline: { name: 'board' }, transform: { image: 'tb' }, service: { internal_port: 6006 } })}\n`,
    );
    const text = await runIn(['validate', '-f', file]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, /mixed\.json:1:1: warning: pipeline "train" has no service section/);
    assert.match(text.stdout, /valid: service "board"/);
    const json = JSON.parse((await runIn(['validate', '-f', file, '-o', 'json'])).stdout);
    assert.equal(json.diagnostics.length, 1);
    assert.match(json.diagnostics[0].message, /pipeline "train"/);
  });
});

describe('review fixes: nothing written before every check passed', () => {
  test('--take-ownership removes nothing when the write itself is refused', async () => {
    const kube = new FakeKube();
    const file = spec('web');
    await runIn(['apply', '-f', file], { kube });
    const d = kube.peek('deployments', 'web')!;
    kube.seed('deployments', { ...d, metadata: { ...d.metadata, labels: { ...d.metadata.labels, team: 'a' }, managedFields: [...(d.metadata.managedFields ?? []), { manager: 'kubectl-label', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } }] } } as never);
    kube.deny('apply', 'deployments');
    const r = await runIn(['apply', '-f', spec('web', { transform: { image: 'changed' } }), '--take-ownership'], { kube });
    assert.equal(r.code, 1);
    assert.equal(kube.peek('deployments', 'web')?.metadata.labels?.team, 'a');
  });
  test('a folder with a spec only rendering finds broken: nothing is written, every such error said', async () => {
    const folder = tempDir('render-err');
    const good = { pipeline: { name: 'a' }, transform: { image: 'nginx' }, service: { internal_port: 80 } };
    writeFileSync(join(folder, 'a.json'), JSON.stringify(good));
    writeFileSync(join(folder, 'b.json'), JSON.stringify({ ...good, pipeline: { name: 'b' }, pod_patch: JSON.stringify([{ op: 'remove', path: '/containers/7' }]) }));
    writeFileSync(join(folder, 'c.json'), JSON.stringify({ ...good, pipeline: { name: 'c' }, pod_patch: JSON.stringify([{ op: 'remove', path: '/volumes/9' }]) }));
    const r = await runIn(['apply', '-f', folder]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.kube.writes(), []);
    assert.match(r.stderr, /b\.json:\d+:\d+: /);
    assert.match(r.stderr, /c\.json:\d+:\d+: /);
    const v = await runIn(['validate', '-f', folder, '-o', 'json']);
    assert.equal(v.code, 1);
    assert.equal(JSON.parse(v.stdout).diagnostics.filter((d: { severity: string }) => d.severity === 'error').length, 2);
  });
});
