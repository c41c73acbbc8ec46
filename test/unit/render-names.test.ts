// Input names are Pachyderm names (capitals, "_"); container names are DNS labels. Two inputs whose names
// only differ there must still get distinct containers, or the API server rejects the pod.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { renderService } from '../../src/render/index.ts';
import { loadSpec } from '../../src/spec/load.ts';

describe('container names of inputs', () => {
  it('stay distinct when names differ only by "_" or case', async () => {
    const spec = {
      pipeline: { name: 'names' },
      transform: { image: 'x' },
      service: { internal_port: 80 },
      input: { cross: [{ pfs: { repo: 'a_b' } }, { pfs: { repo: 'a-b' } }, { pfs: { repo: 'A_B', follow: true } }] },
    };
    const { service } = await loadSpec(JSON.stringify(spec), { file: 'names.json' });
    const [deployment] = renderService(service, { pachctlImage: 'pachyderm/pachctl:2.11.6', pachdAddress: 'grpc://pachd:30650', version: 't' });
    const pod = (deployment!.spec as any).template.spec;
    assert.deepEqual(pod.initContainers.map((c: { name: string }) => c.name), ['checkout-a-b', 'checkout-a-b-2', 'checkout-a-b-3']);
    assert.deepEqual(pod.containers.map((c: { name: string }) => c.name), ['service', 'follow-a-b-3']);
    assert.ok(pod.containers.every((c: { name: string }) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(c.name)));
  });
});
