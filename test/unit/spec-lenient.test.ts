// Pachyderm's leniency, matched (src/spec/lenient.ts, normalize.ts): what pachctl takes, pachsvc takes.
//   protojson reads "8888" as a number and null as an absent field (src/internal/ppsutil/decoder.go);
//   pachd runs a spout's service section (spout.service), and a transform without an image runs
//   DefaultUserImage, ubuntu:20.04 (src/server/pps/server/api_server.go setPipelineDefaults).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../src/spec/diagnostics.ts';
import { DEFAULT_IMAGE } from '../../src/spec/lenient.ts';
import { serializeSpec } from '../../src/spec/serialize.ts';
import * as unsupported from '../../src/spec/unsupported.ts';
import { at, json, load, problem, problems, service, spec, valueOf } from './helpers/spec.ts';

describe('numbers written as strings', () => {
  test('are numbers wherever the schema wants one', async () => {
    const s = await service(
      json(
        spec({
          service: { internal_port: '8888', external_port: '30888' },
          parallelism_spec: { constant: '2' },
          resource_requests: { cpu: '0.5', gpu: { type: 'nvidia.com/gpu', number: '1' } },
          resource_limits: { cpu: '1e0' },
          tolerations: [{ key: 'k', operator: 'EXISTS', effect: 'NO_EXECUTE', toleration_seconds: '30' }],
        }),
      ),
    );
    assert.deepEqual(s.port, { internal: 8888, external: 30888, type: 'NodePort' });
    assert.equal(s.replicas, 2);
    assert.deepEqual(s.resources, { requests: { cpu: '500m', gpu: { type: 'nvidia.com/gpu', number: 1 } }, limits: { cpu: '1' } });
    assert.equal(s.tolerations[0]!.tolerationSeconds, 30);
  });

  test('in protojson\'s grammar: "1e2" and "80.0" are whole numbers; spaces, hex and "+" are not numbers', async () => {
    assert.equal((await service(json(spec({ service: { internal_port: '1e2' } })))).port.internal, 100);
    assert.equal((await service(json(spec({ service: { internal_port: '80.0' } })))).port.internal, 80);
    for (const written of [' 80', '0x50', '+80', '80 ', '', 'Infinity']) {
      const text = json(spec({ service: { internal_port: written } }));
      assert.equal(await problem(text), `spec.json:${valueOf(text, 'internal_port')}: service.internal_port must be a whole number, not ${JSON.stringify(written)}`);
    }
    // Still checked as the number it is.
    const big = json(spec({ parallelism_spec: { constant: '2147483648' } }));
    assert.equal(await problem(big), `spec.json:${valueOf(big, 'constant')}: parallelism_spec.constant must be at most 2147483647, not 2147483648`);
  });

  test('YAML: a quoted number too', async () => {
    const text = 'pipeline: {name: x}\ntransform: {image: "busybox:1.36"}\nservice: {internalPort: "8080"}\nparallelismSpec: {constant: "1"}\n';
    assert.equal((await service(text, 'spec.yaml')).port.internal, 8080);
  });

  test('fields that are strings keep the text written: env values, labels (1.10 stays "1.10")', async () => {
    const text = 'pipeline: {name: x}\ntransform:\n  image: busybox:1.36\n  env: {V: 1.10, H: 0x1F, T: True, E: 1e3}\nservice: {internal_port: 80}\nmetadata:\n  labels: {v: 1.10}\n';
    const s = await service(text, 'spec.yaml');
    assert.deepEqual(s.env, { V: '1.10', H: '0x1F', T: 'True', E: '1e3' });
    assert.deepEqual(s.labels, { v: '1.10' });
    assert.deepEqual((await service(json(spec({ transform: { image: 'i', env: { V: 1.5 } } })))).env, { V: '1.5' });
  });
});

describe('null is the same as absent', () => {
  test('in every field of the spec', async () => {
    const withNulls = json(
      spec({
        description: null,
        transform: { image: 'busybox:1.36', cmd: null, env: null, secrets: null },
        service: { internal_port: 8080, external_port: null, type: null },
        parallelism_spec: null,
        pod_spec: null,
        metadata: { labels: null },
      }),
    );
    const s = await service(withNulls);
    assert.deepEqual(s, await service(json(spec({ metadata: {} }))));
    assert.equal(s.port.type, 'ClusterIP');
  });

  test('YAML: a field with nothing after it', async () => {
    const text = 'pipeline:\n  name: x\ntransform:\n  image: busybox:1.36\n  cmd:\nservice:\n  internal_port: 80\n  type:\ninput:\n';
    const s = await service(text, 'spec.yaml');
    assert.deepEqual([s.cmd, s.port.type, s.inputs], [[], 'ClusterIP', []]);
  });

  test('a spec whose service is null has no service: a batch pipeline', async () => {
    assert.equal(await problem(json(spec({ service: null }))), 'spec.json:1:1: pipeline "svc" has no service section: pachsvc runs services; create batch pipelines with pachctl');
  });

  test("but in the user's own maps, null is a value: an env variable needs one", async () => {
    const text = json(spec({ transform: { image: 'i', env: { A: null } } }));
    assert.equal(await problem(text), `spec.json:${valueOf(text, 'A')}: transform.env["A"] must be a string or a number or true or false, not null`);
  });
});

describe('spout.service', () => {
  const spout = (extra: Record<string, unknown> = {}) =>
    json({ pipeline: { name: 'feed' }, transform: { image: 'feeder:1', cmd: ['python3', 'feed.py'] }, spout: { service: { internal_port: 8888, external_port: 30088 } }, ...extra });
  const warning = 'spout.service runs as a service that can reach pachd (PACHD_ADDRESS); unlike Pachyderm, pachsvc makes no output repo and no output commits for the spout: its code must write to a repo that exists';

  test('is the service section, with spout set, and one warning of what differs from Pachyderm', async () => {
    const text = spout();
    const loaded = await load(text);
    assert.equal(loaded.service.spout, true);
    assert.deepEqual(loaded.service.port, { internal: 8888, external: 30088, type: 'NodePort' });
    assert.deepEqual(loaded.service.inputs, []);
    assert.deepEqual(loaded.warnings.map(formatDiagnostic), [`spec.json:${at(text, '"spout"')}: warning: ${warning}`]);
    // Its fields are found where they are written.
    assert.deepEqual(loaded.positionOf('/service/internal_port'), { line: 1, column: Number(valueOf(text, 'internal_port').split(':')[1]) });
  });

  test('checked as a service, named as written', async () => {
    const text = spout({ spout: { service: { internal_port: 8888, external_port: 8080 } } });
    assert.deepEqual(await problems(text), [
      `spec.json:${at(text, '"spout"')}: warning: ${warning}`,
      `spec.json:${valueOf(text, 'external_port')}: spout.service.external_port 8080 is outside the NodePort range 30000-32767: a NodePort Service opens external_port on every node (use a port in that range, or type LoadBalancer to expose 8080)`,
    ]);
  });

  test('reads no inputs; and is not given beside a service', async () => {
    const withInput = spout({ input: { pfs: { repo: 'data', glob: '/' } } });
    assert.match((await problems(withInput))[1]!, new RegExp(`^spec\\.json:${at(withInput, '"input"')}: input: a spout reads no inputs`));
    const both = spout({ service: { internal_port: 80 } });
    assert.deepEqual(await problems(both), [`spec.json:${at(both, '"service":{"internal_port":8888')}: give either service or spout.service, not both (Pachyderm refuses both too)`]);
  });

  test('the 1.x spout fields say why', async () => {
    for (const [field, why] of Object.entries(unsupported.UNSUPPORTED_SPOUT)) {
      const text = spout({ spout: { service: { internal_port: 8888 }, [field]: true } });
      assert.ok((await problems(text)).includes(`spec.json:${at(text, `"${field}"`)}: spout.${field}: ${why}`), field);
    }
  });

  test('is recorded as a spout, and loads back the same', async () => {
    const model = await service(spout());
    const recorded = serializeSpec(model);
    assert.deepEqual(recorded.spout, { service: { internal_port: 8888, external_port: 30088, type: 'NodePort' } });
    assert.equal(recorded.service, undefined);
    assert.deepEqual(await service(JSON.stringify(recorded), 'annotation.json'), model);
  });
});

describe("Pachyderm's default image", () => {
  test('a transform without an image (or with an empty one) runs ubuntu:20.04, with a warning', async () => {
    assert.equal(DEFAULT_IMAGE, 'ubuntu:20.04');
    const text = json(spec({ transform: { cmd: ['sleep', 'infinity'] } }));
    const loaded = await load(text);
    assert.equal(loaded.service.image, 'ubuntu:20.04');
    assert.deepEqual(loaded.warnings.map(formatDiagnostic), [
      `spec.json:${at(text, '"transform"')}: warning: transform names no image: pachsvc runs Pachyderm's default image "ubuntu:20.04", as Pachyderm 2.x does (1.x ran ubuntu:16.04); name the image your service needs`,
    ]);
    const empty = json(spec({ transform: { image: '' } }));
    const loadedEmpty = await load(empty);
    assert.equal(loadedEmpty.service.image, 'ubuntu:20.04');
    assert.equal(loadedEmpty.warnings[0]!.position.column, Number(at(empty, '""').split(':')[1]));
  });
});

describe('Pachyderm 1.5-1.8 GPU counts', () => {
  test('gpu: N is N nvidia.com/gpu, with a warning', async () => {
    const text = json(spec({ resource_limits: { gpu: 2 } }));
    const loaded = await load(text);
    assert.deepEqual(loaded.service.resources, { limits: { gpu: { type: 'nvidia.com/gpu', number: 2 } } });
    assert.deepEqual(loaded.warnings.map(formatDiagnostic), [
      `spec.json:${valueOf(text, 'gpu')}: warning: resource_limits.gpu "2" is Pachyderm 1.5-1.8's number of GPUs: pachsvc asks for that many "nvidia.com/gpu" (write {type, number} to name another resource)`,
    ]);
  });
});

describe('retired Pachyderm 1.x fields say why', () => {
  const retired = [
    ['resource_spec', 'resource_spec (Pachyderm 1.5-1.6) was renamed resource_requests in 1.7'],
    ['incremental', 'incremental (Pachyderm 1.5-1.7)'],
    ['batch', 'batch (Pachyderm 1.6-1.9)'],
    ['scale_down_threshold', 'scale_down_threshold (Pachyderm 1.5-1.9)'],
    ['gc_policy', 'gc_policy (Pachyderm 1.3-1.4)'],
    ['parent_job', 'parent_job (Pachyderm 1.3-1.6 jobs)'],
    ['pipeline_version', 'pipeline_version (Pachyderm 1.4-1.6 jobs)'],
    ['output_repo', 'output_repo (Pachyderm 1.4-1.6 jobs)'],
  ];
  for (const [field, start] of retired) {
    test(field!, async () => {
      const text = json(spec({ [field!]: {} }));
      const line = await problem(text);
      assert.ok(line.startsWith(`spec.json:${at(text, `"${field}"`)}: ${field}: ${start}`), line);
    });
  }

  test('transform.overwrite and atom.from_commit, in camelCase too', async () => {
    const text = json(spec({ transform: { image: 'i', overwrite: true }, input: { atom: { repo: 'data', glob: '/', fromCommit: 'x' } } }));
    assert.deepEqual(
      (await problems(text)).map((l) => l.split(': ').slice(0, 2).join(': ')),
      [`spec.json:${at(text, '"overwrite"')}: transform.overwrite`, `spec.json:${at(text, '"fromCommit"')}: input.atom.fromCommit`],
    );
  });
});
