// Rendering in tests: the fixed options the goldens use, and typed ways into the objects rendered.
import assert from 'node:assert/strict';
import { defaultPachdAddress, renderWithNotes, type KubeObject, type RenderOptions, type RenderWarning } from '../../../src/render/index.ts';
import type { ServiceSpec } from '../../../src/spec/model.ts';

export const OPTIONS: RenderOptions = {
  pachctlImage: 'pachyderm/pachctl:2.11.6',
  pachdAddress: defaultPachdAddress('default'),
  version: '0.0.0-test',
};

type Obj = Record<string, any>;

export interface Rendered {
  objects: KubeObject[];
  /** What pod_spec and pod_patch undid of pachsvc's pod. */
  warnings: RenderWarning[];
  deployment: Obj;
  kubeService: Obj;
  pod: Obj;
  /** A container of the pod (init containers too), by name. */
  container(name: string): Obj;
  /** A container's environment as name → value (or valueFrom). */
  env(container: string): Record<string, unknown>;
}

export function render(service: ServiceSpec, options: Partial<RenderOptions> = {}): Rendered {
  const { objects, warnings } = renderWithNotes(service, { ...OPTIONS, ...options });
  const [deployment, kubeService] = objects as unknown as [Obj, Obj];
  assert.equal(deployment.kind, 'Deployment');
  assert.equal(kubeService.kind, 'Service');
  const pod = deployment.spec.template.spec as Obj;
  const container = (name: string): Obj => {
    const all = [...(pod.initContainers ?? []), ...pod.containers] as Obj[];
    const found = all.find((c) => c.name === name);
    assert.ok(found, `no container ${name}; there are ${all.map((c) => c.name).join(', ')}`);
    return found;
  };
  const env = (name: string) =>
    Object.fromEntries(((container(name).env ?? []) as Obj[]).map((e) => [e.name, 'valueFrom' in e ? { valueFrom: e.valueFrom } : e.value]));
  return { objects, warnings, deployment, kubeService, pod, container, env };
}
