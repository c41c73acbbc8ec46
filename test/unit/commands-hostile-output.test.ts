// What the cluster (and pachd) hold is written by others: a field manager's name, an event's message, a
// container's termination message, an annotation, a revision record's cause, a server's version. inspect,
// list, history and version show it, never obey it: no ESC, CR, BEL or C1 control reaches stdout raw, and
// a newline in a value cannot start a line of its own.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/cluster/types.ts';
import { ANNOTATIONS } from '../../src/contract.ts';
import { FakeKube } from '../helpers/fake-kube.ts';
import { runIn } from '../helpers/test-factory.ts';

const dir = mkdtempSync(join(tmpdir(), 'pachsvc-hostile-out-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An OSC 52 clipboard write, a screen clear, a carriage return, an 8-bit CSI, and a line of its own. */
const EVIL = '\u001b]52;c;cm0gLXJmIH4K\u0007\u001b[2J\r\u009b31m\nFAKE LINE';

/** Every control character a terminal acts on, but the newlines that end lines. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

function assertInert(text: string, what: string): void {
  assert.ok(!CONTROL.test(text), `${what}: a control character reached stdout raw: ${JSON.stringify(text)}`);
  assert.ok(!/^\s*FAKE LINE/m.test(text), `${what}: a newline in a value started a line: ${JSON.stringify(text)}`);
}

function specFile(name: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ pipeline: { name }, transform: { image: 'nginx' }, service: { internal_port: 8080 }, input: { pfs: { repo: 'data', glob: '/', branch: 'master' } }, ...extra }));
  return file;
}

async function withService(name = 'web'): Promise<FakeKube> {
  const kube = new FakeKube();
  const r = await runIn(['create', '-f', specFile(name), '--no-pin'], { kube });
  assert.equal(r.code, 0, r.stderr);
  return kube;
}

describe('text from the cluster on stdout', () => {
  test('inspect: field managers, events, termination messages, annotations', async () => {
    const kube = await withService();
    // Another manager, named to write to the clipboard, set a label.
    const d = kube.peek('deployments', 'web')!;
    d.metadata.labels!.team = 'a';
    d.metadata.managedFields = [...(d.metadata.managedFields ?? []), { manager: `ops${EVIL}`, operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } }];
    // The service's spec annotation is what `Description:` shows.
    const spec = JSON.parse(d.metadata.annotations![ANNOTATIONS.spec]!);
    d.metadata.annotations![ANNOTATIONS.spec] = JSON.stringify({ ...spec, description: `notebook${EVIL}` });
    d.metadata.annotations![ANNOTATIONS.pins] = JSON.stringify({ data: `c0ffee${EVIL}` });
    const deployment = kube.seed('deployments', d);
    // A pod whose image cannot be pulled, with the kubelet's message; its service is not Running.
    const first = (await kube.list({ api: '/api/v1', resource: 'pods' }, 'default')).items[0]!;
    first.status.containerStatuses = first.status.containerStatuses.map((s: { name: string }) => ({ ...s, ready: false, state: { waiting: { reason: 'ErrImagePull', message: `pull failed${EVIL}` } } }));
    first.status.conditions = [{ type: 'Ready', status: 'False' }];
    kube.seed('pods', first);
    kube.seed('events', event('e1', deployment, { reason: `Scaled${EVIL}`, message: `scaled up${EVIL}` }));
    kube.seed('events', event('e2', first, { type: 'Warning', reason: 'Failed', message: `Error: ${EVIL}` }));

    const r = await runIn(['inspect', 'web'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assertInert(r.stdout, 'inspect');
    // Shown, escaped: the manager, the event, the kubelet's message.
    assert.match(r.stdout, /ops\\u001b\]52;c;cm0gLXJmIH4K\\u0007\\u001b\[2J\\r\\u009b31m\\nFAKE LINE/);
    assert.match(r.stdout, /scaled up\\u001b/);
    assert.match(r.stdout, /pull failed\\u001b/);
  });

  test('inspect: a table stays aligned on what is printed (widths of the escaped text)', async () => {
    const kube = await withService();
    const d = kube.peek('deployments', 'web')!;
    kube.seed('events', event('e1', d, { reason: `R${'\u001b'}`, message: 'one' }));
    kube.seed('events', event('e2', d, { reason: 'Longer', message: 'two' }));
    const r = await runIn(['inspect', 'web'], { kube });
    const rows = r.stdout.split('\n').filter((l) => /\b(one|two)$/.test(l));
    assert.equal(rows.length, 2, r.stdout);
    assert.equal(rows[0]!.indexOf('deployment/web'), rows[1]!.indexOf('deployment/web'));
  });

  test('list: images and inputs as the objects hold them', async () => {
    const kube = await withService();
    const d = kube.peek('deployments', 'web')!;
    d.spec.template.spec.containers = d.spec.template.spec.containers.map((c: { name: string; image: string }) => (c.name === 'service' ? { ...c, image: `nginx${EVIL}` } : c));
    // The inputs column comes from the spec annotation, the commits column from the pins annotation.
    const spec = JSON.parse(d.metadata.annotations![ANNOTATIONS.spec]!);
    d.metadata.annotations![ANNOTATIONS.spec] = JSON.stringify({ ...spec, input: { pfs: { repo: `data${EVIL}`, glob: '/', branch: `master${EVIL}` } } });
    d.metadata.annotations![ANNOTATIONS.pins] = JSON.stringify({ data: `c0ffee${EVIL}` });
    kube.seed('deployments', d);
    for (const args of [['list'], ['list', '-o', 'wide'], ['list', '-A', '-o', 'wide'], ['list', '-o', 'name']]) {
      const r = await runIn(args, { kube });
      assert.equal(r.code, 0, r.stderr);
      assertInert(r.stdout, args.join(' '));
    }
    assert.match((await runIn(['list', '-o', 'wide'], { kube })).stdout, /nginx\\u001b\]52/);
  });

  test("history: a revision record's cause", async () => {
    const kube = await withService();
    const record = (await kube.list({ api: '/api/v1', resource: 'configmaps' }, 'default')).items[0]!;
    record.metadata.annotations!['pachsvc.io/cause'] = `create${EVIL}`;
    kube.seed('configmaps', record);
    const r = await runIn(['history', 'web'], { kube });
    assert.equal(r.code, 0, r.stderr);
    assertInert(r.stdout, 'history');
    assert.match(r.stdout, /create\\u001b\]52/);
  });

  test("version: the Kubernetes server's and pachd's version text", async () => {
    const kube = await withService();
    kube.serverVersion = { major: '1', minor: '35', gitVersion: `v1.35.8${EVIL}` };
    const pachd = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ major: 2, minor: 12, micro: 0, additional: EVIL })));
    await new Promise<void>((resolve) => pachd.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(pachd.address() as AddressInfo).port}`;
      const r = await runIn(['version', '--pachd-address', url], { kube });
      assert.equal(r.code, 0, r.stderr);
      assertInert(r.stdout, 'version');
      assertInert(r.stderr, 'version (stderr)');
      assert.match(r.stdout, /^Kubernetes Server Version: v1\.35\.8\\u001b\]52/m);
      assert.match(r.stdout, /^pachd Version: 2\.12\.0\\u001b\]52/m);
    } finally {
      pachd.close();
    }
  });
});

function event(name: string, about: KubeObject, fields: { type?: string; reason: string; message: string }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: { kind: about.kind, name: about.metadata.name, uid: about.metadata.uid },
    type: fields.type ?? 'Normal',
    reason: fields.reason,
    message: fields.message,
    lastTimestamp: '2026-12-01T10:01:00Z',
    count: 1,
  };
}
