// The test helpers themselves: the stub API server takes a dry run where the API server does (the query's
// dryRun=All; a body's dryRun only in a DELETE's DeleteOptions), and the files the helpers write (kubeconfigs,
// TLS material, the stub's kubeconfig) are removed, by the stub's close() or when the process exits.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startStubApiServer } from '../helpers/stub-apiserver.ts';

const ROOT = join(import.meta.dirname, '../..');

async function send(url: string, method: string, path: string, body: unknown, query = ''): Promise<number> {
  const res = await fetch(`${url}${path}${query}`, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

describe('stub API server', () => {
  test('a dryRun field in a POST or PATCH body is part of the object, not a dry run (the API server ignores it)', async () => {
    const stub = await startStubApiServer();
    try {
      const path = '/api/v1/namespaces/default/configmaps';
      assert.equal(await send(stub.url, 'POST', path, { kind: 'ConfigMap', metadata: { name: 'a' }, dryRun: ['All'] }), 201);
      assert.equal(await send(stub.url, 'PATCH', `${path}/a`, { kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' }, dryRun: ['All'] }), 200);
      assert.deepEqual(stub.writes().map((r) => r.method), ['POST', 'PATCH']);
      // The query's dryRun=All is one, whatever the method.
      assert.equal(await send(stub.url, 'POST', path, { kind: 'ConfigMap', metadata: { name: 'b' } }, '?dryRun=All'), 201);
      // DeleteOptions in a DELETE's body carry dryRun.
      assert.equal(await send(stub.url, 'DELETE', `${path}/a`, { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] }), 200);
      assert.deepEqual(stub.writes().map((r) => r.method), ['POST', 'PATCH']);
      assert.equal(await send(stub.url, 'GET', `${path}/a`, undefined), 200);
      assert.equal(await send(stub.url, 'GET', `${path}/b`, undefined), 404);
    } finally {
      await stub.close();
    }
  });

  test("close() removes the stub's kubeconfig", async () => {
    const stub = await startStubApiServer();
    assert.ok(existsSync(stub.kubeconfig));
    await stub.close();
    assert.ok(!existsSync(stub.kubeconfig));
    assert.ok(!existsSync(dirname(stub.kubeconfig)));
  });
});

describe('temporary files', () => {
  test('kubeconfigs and TLS material are written each in a fresh folder, all removed when the process exits', () => {
    const code = [
      `import { writeKubeconfig, makeTlsMaterial, hasOpenssl } from ${JSON.stringify(join(ROOT, 'test/helpers/stub-network.ts'))};`,
      `const a = writeKubeconfig('a: 1');`,
      `const b = writeKubeconfig('b: 2');`,
      `const tls = hasOpenssl() ? [makeTlsMaterial().dir] : [];`,
      `console.log(JSON.stringify([a, b, ...tls]));`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const paths = JSON.parse(r.stdout) as string[];
    assert.ok(paths.length >= 2);
    assert.notEqual(dirname(paths[0]!), dirname(paths[1]!), 'two kubeconfigs share a folder');
    for (const p of paths) assert.ok(!existsSync(p), `${p} is left behind`);
    // The process's one folder is gone too.
    assert.ok(!existsSync(dirname(dirname(paths[0]!))), `${dirname(dirname(paths[0]!))} is left behind`);
  });
});
