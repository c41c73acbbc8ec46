// How the API server's refusals reach the user, in process against the in-memory cluster: its own words
// printed as they are (no "error:" in front, as kubectl prints them), and a create that fails half way
// naming the object that failed before the API server's words (found by the e2e tests on a real API
// server: test/e2e/services.test.ts "a Deployment the API server rejects …" and the RBAC suite).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromStatus, KubectlError } from '../../src/cluster/errors.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { runIn } from '../helpers/test-factory.ts';

const dir = mkdtempSync(join(tmpdir(), 'pachsvc-faults-'));
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
