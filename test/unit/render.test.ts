// From the canonical model to Kubernetes objects (src/render): what each field of a spec becomes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchError, defaultPachdAddress } from '../../src/render/index.ts';
import { ANNOTATIONS } from '../../src/contract.ts';
import { CHECKOUT_SCRIPT, FOLLOW_SCRIPT, SERVICE_SCRIPT } from '../../src/render/generated/scripts.ts';
import { cpuQuantity } from '../../src/spec/build.ts';
import { serializeSpec } from '../../src/spec/serialize.ts';
import { toYaml } from '../../src/cli/output/yaml.ts';
import { FULL_SNAKE } from './helpers/full-spec.ts';
import { COMMIT_A, COMMIT_B, json, service, spec } from './helpers/spec.ts';
import { render } from './helpers/render.ts';

type Obj = Record<string, unknown>;
const svc = (extra: Obj = {}) => service(json(spec(extra)));
const ports = (extra: Obj) => svc({ service: { internal_port: 8080, ...extra } });

test('the same input renders to the same bytes', async () => {
  const text = json(spec({ metadata: { labels: { b: '2', a: '1' } }, transform: { image: 'i', cmd: ['sh'], stdin: ['x'], env: { Z: '1', A: '2' } } }));
  const first = render(await service(text)).objects;
  const second = render(await service(text)).objects;
  assert.equal(first.map(toYaml).join('---\n'), second.map(toYaml).join('---\n'));
  assert.equal(JSON.stringify(first), JSON.stringify(second));
});

describe('labels and annotations', () => {
  test('user labels are on every object and the pods; the selector is pachsvc\'s own', async () => {
    const r = render(await svc({ metadata: { labels: { team: 'data', tier: 'web' } } }));
    const labels = { team: 'data', tier: 'web', 'app.kubernetes.io/name': 'svc', 'app.kubernetes.io/managed-by': 'pachsvc' };
    const selector = { 'app.kubernetes.io/name': 'svc', 'app.kubernetes.io/managed-by': 'pachsvc' };
    assert.deepEqual(r.deployment.metadata.labels, labels);
    assert.deepEqual(r.deployment.spec.template.metadata.labels, labels);
    assert.deepEqual(r.kubeService.metadata.labels, labels);
    assert.deepEqual(r.deployment.spec.selector, { matchLabels: selector });
    assert.deepEqual(r.kubeService.spec.selector, selector);
  });

  test('a user label cannot replace the selector labels, even one the rules did not stop', async () => {
    const model = await svc();
    model.labels = { 'app.kubernetes.io/name': 'evil', 'app.kubernetes.io/managed-by': 'someone' };
    const r = render(model);
    for (const labels of [r.deployment.metadata.labels, r.deployment.spec.template.metadata.labels, r.kubeService.metadata.labels]) {
      assert.deepEqual(labels, { 'app.kubernetes.io/name': 'svc', 'app.kubernetes.io/managed-by': 'pachsvc' });
    }
  });

  test('annotations go on the Deployment, its pods and the Service; the spec and version only on the Deployment', async () => {
    const annotations = { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' };
    const r = render(await svc({ metadata: { annotations } }));
    assert.deepEqual(r.kubeService.metadata.annotations, annotations);
    assert.deepEqual(r.deployment.spec.template.metadata.annotations, annotations);
    assert.deepEqual(Object.keys(r.deployment.metadata.annotations), [...Object.keys(annotations), ANNOTATIONS.spec, ANNOTATIONS.version]);
    assert.equal(r.deployment.metadata.annotations[ANNOTATIONS.version], '0.0.0-test');
    const plain = render(await svc());
    assert.equal(plain.kubeService.metadata.annotations, undefined);
    assert.equal(plain.deployment.spec.template.metadata.annotations, undefined);
  });

  test('namespace only when asked', async () => {
    const model = await svc();
    assert.equal(render(model).deployment.metadata.namespace, undefined);
    const r = render(model, { namespace: 'apps' });
    assert.equal(r.deployment.metadata.namespace, 'apps');
    assert.equal(r.kubeService.metadata.namespace, 'apps');
  });
});

describe('the Service', () => {
  const portOf = async (service: Obj) => {
    const r = render(await ports(service));
    assert.equal(r.kubeService.spec.ports.length, 1);
    return { type: r.kubeService.spec.type, ...r.kubeService.spec.ports[0] };
  };
  const base = { name: 'user-port', protocol: 'TCP', targetPort: 'user-port' };

  test('NodePort: port = internal_port, nodePort = external_port', async () => {
    assert.deepEqual(await portOf({ external_port: 30080 }), { type: 'NodePort', ...base, port: 8080, nodePort: 30080 });
  });

  test('NodePort without external_port: Kubernetes picks the nodePort', async () => {
    assert.deepEqual(await portOf({ type: 'NodePort' }), { type: 'NodePort', ...base, port: 8080 });
  });

  test('ClusterIP (the default without external_port): port = internal_port, no nodePort', async () => {
    assert.deepEqual(await portOf({}), { type: 'ClusterIP', ...base, port: 8080 });
  });

  test('LoadBalancer: port = external_port, else internal_port; no nodePort', async () => {
    assert.deepEqual(await portOf({ external_port: 443, type: 'LoadBalancer' }), { type: 'LoadBalancer', ...base, port: 443 });
    assert.deepEqual(await portOf({ type: 'LoadBalancer' }), { type: 'LoadBalancer', ...base, port: 8080 });
  });

  test('the container port it targets is the internal port, an integer', async () => {
    const r = render(await ports({ external_port: 30080 }));
    assert.deepEqual(r.container('service').ports, [{ name: 'user-port', containerPort: 8080, protocol: 'TCP' }]);
    assert.deepEqual(r.container('service').readinessProbe.tcpSocket, { port: 'user-port' });
  });
});

describe('checkout, follow and service containers', () => {
  // Values a shell would act on, if they ever became script text.
  const NASTY = '$(touch /tmp/pwned) `id` "; rm -rf / #\' \\';

  test('one checkout init container per input, running the constant script; inputs are data, in env', async () => {
    const model = await svc({
      transform: { image: 'i', cmd: ['sh', '-c', NASTY], stdin: [NASTY, 'echo $HOME'], env: { EVIL: NASTY } },
      input: { cross: [{ pfs: { repo: 'trips', glob: '/' } }, { pfs: { name: 'Weather_Data', repo: 'weather', project: 'p-1', branch: 'dev~2', glob: '/' } }] },
    });
    const r = render(model);
    assert.deepEqual(r.pod.initContainers.map((c: Obj) => c.name), ['checkout-trips', 'checkout-weather-data']);
    for (const c of r.pod.initContainers as Obj[]) {
      assert.equal(c.image, 'pachyderm/pachctl:2.11.6');
      assert.deepEqual(c.command, ['/bin/sh', '-c', CHECKOUT_SCRIPT, 'pachsvc-checkout']);
      assert.equal(c.args, undefined);
      assert.deepEqual(c.volumeMounts, [{ name: 'pfs', mountPath: '/pfs' }]);
    }
    assert.deepEqual(r.env('checkout-trips'), {
      PACHD_ADDRESS: 'grpc://pachd.default.svc.cluster.local:30650',
      PACH_CONFIG: '/tmp/pachctl/config.json',
      PACHSVC_INPUT: 'trips',
      PACHSVC_REPO: 'trips',
      PACHSVC_REF: 'master',
    });
    assert.deepEqual(r.env('checkout-weather-data'), {
      PACHD_ADDRESS: 'grpc://pachd.default.svc.cluster.local:30650',
      PACH_CONFIG: '/tmp/pachctl/config.json',
      PACHSVC_INPUT: 'Weather_Data',
      PACHSVC_REPO: 'weather',
      PACHSVC_PROJECT: 'p-1',
      PACHSVC_REF: 'dev~2',
    });

    const main = r.container('service');
    assert.deepEqual(main.command, ['/bin/sh', '-c', SERVICE_SCRIPT, 'pachsvc-service', 'sh', '-c', NASTY]);
    assert.deepEqual(r.env('service'), {
      EVIL: NASTY,
      PPS_PIPELINE_NAME: 'svc',
      PPS_PROJECT_NAME: 'default',
      trips: '/pfs/trips',
      Weather_Data: '/pfs/Weather_Data',
      PACHSVC_INPUTS: 'trips Weather_Data',
      PACHSVC_STDIN: `${NASTY}\necho $HOME`,
    });
    // No user value inside any script text.
    for (const script of [CHECKOUT_SCRIPT, FOLLOW_SCRIPT, SERVICE_SCRIPT]) {
      for (const value of ['touch /tmp/pwned', 'echo $HOME', 'weather', 'trips', 'dev~2']) assert.ok(!script.includes(value), value);
    }
  });

  test('PACHD_ADDRESS: grpc://pachd.<namespace>.svc.cluster.local:30650 by default, else as given', async () => {
    const model = await svc();
    assert.equal(defaultPachdAddress('pachyderm'), 'grpc://pachd.pachyderm.svc.cluster.local:30650');
    assert.equal(render(model, { pachdAddress: defaultPachdAddress('pachyderm') }).env('checkout-data').PACHD_ADDRESS, 'grpc://pachd.pachyderm.svc.cluster.local:30650');
    assert.equal(render(model, { pachdAddress: 'grpcs://pachd.example.com:443' }).env('checkout-data').PACHD_ADDRESS, 'grpcs://pachd.example.com:443');
  });

  test('an auth Secret is referenced, never copied: PACHSVC_TOKEN from a secretKeyRef', async () => {
    const model = await svc({ input: { pfs: { repo: 'data', glob: '/', follow: true } } });
    const r = render(model, { authSecret: { name: 'pach-auth', key: 'auth-token' } });
    for (const name of ['checkout-data', 'follow-data']) {
      assert.deepEqual(r.env(name).PACHSVC_TOKEN, { valueFrom: { secretKeyRef: { name: 'pach-auth', key: 'auth-token' } } });
    }
    assert.equal(r.env('service').PACHSVC_TOKEN, undefined);
    assert.equal(render(model).env('checkout-data').PACHSVC_TOKEN, undefined);
  });

  test('pins: the pinned id is checked out, exported as <input>_COMMIT and recorded in an annotation', async () => {
    const model = await svc({
      transform: { image: 'i', cmd: ['serve'] },
      input: { cross: [{ pfs: { repo: 'a', glob: '/' } }, { pfs: { repo: 'b', glob: '/' } }, { pfs: { repo: 'c', commit: COMMIT_B, glob: '/' } }] },
    });
    const r = render(model, { pins: { a: COMMIT_A } });
    assert.equal(r.env('checkout-a').PACHSVC_REF, COMMIT_A);
    assert.equal(r.env('checkout-b').PACHSVC_REF, 'master');
    assert.equal(r.env('checkout-c').PACHSVC_REF, COMMIT_B);
    const env = r.env('service');
    assert.equal(env.a_COMMIT, COMMIT_A);
    assert.equal(env.b_COMMIT, undefined);
    assert.equal(env.c_COMMIT, COMMIT_B);
    // b is resolved in the pod: its id is in /pfs/.pachsvc/b/commit, and cmd still runs as written.
    assert.deepEqual(r.container('service').command, ['serve']);
    assert.equal(env.PACHSVC_INPUTS, undefined);
    const pins = JSON.stringify({ a: COMMIT_A, c: COMMIT_B });
    assert.equal(r.deployment.metadata.annotations[ANNOTATIONS.pins], pins);
    assert.equal(r.deployment.spec.template.metadata.annotations[ANNOTATIONS.pins], pins);

    // With every input fixed, every <input>_COMMIT is set.
    const all = render(model, { pins: { a: COMMIT_A, b: COMMIT_A } });
    assert.equal(all.env('service').b_COMMIT, COMMIT_A);
    assert.deepEqual(all.container('service').command, ['serve']);
    assert.equal(all.env('service').PACHSVC_INPUTS, undefined);
  });

  test('follow inputs get a follow-<input> sidecar, and only they; pins do not apply to them', async () => {
    const model = await svc({
      transform: { image: 'i', cmd: ['serve'] },
      input: { cross: [{ pfs: { repo: 'live', branch: 'staging', glob: '/', follow: true } }, { pfs: { repo: 'still', glob: '/' } }] },
    });
    const r = render(model, { pins: { live: COMMIT_A, still: COMMIT_B } });
    assert.deepEqual(r.pod.containers.map((c: Obj) => c.name), ['service', 'follow-live']);
    const follow = r.container('follow-live');
    assert.deepEqual(follow.command, ['/bin/sh', '-c', FOLLOW_SCRIPT, 'pachsvc-follow']);
    assert.equal(follow.image, 'pachyderm/pachctl:2.11.6');
    assert.equal(r.env('follow-live').PACHSVC_BRANCH, 'staging');
    assert.equal(r.env('checkout-live').PACHSVC_REF, 'staging');
    assert.equal(r.env('checkout-still').PACHSVC_REF, COMMIT_B);
    assert.equal(r.deployment.metadata.annotations[ANNOTATIONS.pins], JSON.stringify({ still: COMMIT_B }));
    // on_new_data restart (the default): the wrapper restarts the command on new data, and sets every
    // input's <input>_COMMIT from its commit file.
    assert.equal(r.env('service').PACHSVC_SUPERVISE, '1');
    assert.equal(r.env('service').PACHSVC_INPUTS, 'live still');
  });

  test('on_new_data live: no supervision', async () => {
    const model = await svc({
      transform: { image: 'i', cmd: ['serve'] },
      service: { internal_port: 8080, on_new_data: 'live' },
      input: { pfs: { repo: 'd', glob: '/', follow: true } },
    });
    assert.equal(render(model).env('service').PACHSVC_SUPERVISE, undefined);
  });

  test('stdin: the command runs under the wrapper with PACHSVC_STDIN; without cmd the image entrypoint runs', async () => {
    const withStdin = render(await svc({ transform: { image: 'i', cmd: ['sh'], stdin: ['echo a', 'echo b'] } }), { pins: { data: COMMIT_A } });
    assert.deepEqual(withStdin.container('service').command, ['/bin/sh', '-c', SERVICE_SCRIPT, 'pachsvc-service', 'sh']);
    assert.equal(withStdin.env('service').PACHSVC_STDIN, 'echo a\necho b');
    const noCmd = render(await svc());
    assert.equal(noCmd.container('service').command, undefined);
    assert.equal(noCmd.env('service').PACHSVC_INPUTS, undefined);
  });
});

describe('resources, security and scheduling', () => {
  test('CPU cores become quantities', () => {
    assert.equal(cpuQuantity(0.5), '500m');
    assert.equal(cpuQuantity(2), '2');
    assert.equal(cpuQuantity(1.5), '1500m');
    assert.equal(cpuQuantity('250m'), '250m');
    assert.equal(cpuQuantity('0.25'), '250m');
    // Never rounded down to nothing.
    assert.equal(cpuQuantity(0.0001), '1m');
  });

  test('cpu, memory, disk (ephemeral-storage) and gpu, as strings; a GPU request is also a limit', async () => {
    const r = render(
      await svc({
        resource_requests: { cpu: 0.5, memory: '1Gi', disk: '10Gi', gpu: { type: 'nvidia.com/gpu', number: 2 } },
        resource_limits: { cpu: 2, memory: '2Gi' },
      }),
    );
    assert.deepEqual(r.container('service').resources, {
      requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '10Gi', 'nvidia.com/gpu': '2' },
      limits: { cpu: '2', memory: '2Gi', 'nvidia.com/gpu': '2' },
    });
    assert.equal(r.container('checkout-data').resources, undefined);
  });

  test('sidecar resources go to the checkout and follow containers', async () => {
    const r = render(await svc({ sidecar_resource_limits: { cpu: 0.1, memory: '64Mi' }, input: { pfs: { repo: 'data', glob: '/', follow: true } } }));
    for (const name of ['checkout-data', 'follow-data']) assert.deepEqual(r.container(name).resources, { limits: { cpu: '100m', memory: '64Mi' } });
    assert.equal(r.container('service').resources, undefined);
  });

  test('user uid:gid, working_dir', async () => {
    const r = render(await svc({ transform: { image: 'i', user: '1000:100', working_dir: '/srv' } }));
    assert.deepEqual(r.container('service').securityContext, { runAsUser: 1000, runAsGroup: 100 });
    assert.equal(r.container('service').workingDir, '/srv');
    assert.deepEqual(render(await svc({ transform: { image: 'i', user: '0' } })).container('service').securityContext, { runAsUser: 0 });
  });

  test('secrets as environment variables and as volumes; image pull secrets', async () => {
    const r = render(
      await svc({
        transform: {
          image: 'i',
          secrets: [
            { name: 'db', env_var: 'DB_PASSWORD', key: 'password' },
            { name: 'tls', mount_path: '/etc/tls' },
          ],
          image_pull_secrets: ['regcred', 'other'],
        },
      }),
    );
    assert.deepEqual(r.env('service').DB_PASSWORD, { valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } });
    assert.deepEqual(r.container('service').volumeMounts, [
      { name: 'pfs', mountPath: '/pfs' },
      { name: 'secret-1', mountPath: '/etc/tls', readOnly: true },
    ]);
    assert.deepEqual(r.pod.volumes, [
      { name: 'pfs', emptyDir: {} },
      { name: 'secret-1', secret: { secretName: 'tls' } },
    ]);
    assert.deepEqual(r.pod.imagePullSecrets, [{ name: 'regcred' }, { name: 'other' }]);
  });

  test('tolerations in Kubernetes spelling', async () => {
    const r = render(
      await svc({
        tolerations: [
          { key: 'gpu', operator: 'EXISTS', effect: 'NO_SCHEDULE' },
          { key: 'zone', operator: 'EQUAL', value: 'a', effect: 'NO_EXECUTE', toleration_seconds: 30 },
          { operator: 'Exists', effect: 'NO_EXECUTE' },
          { key: 'any', operator: 'EMPTY', effect: 'ALL_EFFECTS' },
        ],
      }),
    );
    assert.deepEqual(r.pod.tolerations, [
      { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'zone', operator: 'Equal', value: 'a', effect: 'NoExecute', tolerationSeconds: 30 },
      { operator: 'Exists', effect: 'NoExecute' },
      { key: 'any' },
    ]);
  });

  test('node selector, priority class, memory volume, replicas', async () => {
    const r = render(
      await svc({
        scheduling_spec: { node_selector: { 'kubernetes.io/os': 'linux', disk: 'ssd' }, priority_class_name: 'critical' },
        transform: { image: 'i', memory_volume: true },
        parallelism_spec: { constant: 3 },
      }),
    );
    assert.deepEqual(r.pod.nodeSelector, { 'kubernetes.io/os': 'linux', disk: 'ssd' });
    assert.equal(r.pod.priorityClassName, 'critical');
    assert.deepEqual(r.pod.volumes, [{ name: 'pfs', emptyDir: { medium: 'Memory' } }]);
    assert.equal(r.deployment.spec.replicas, 3);
    const plain = render(await svc());
    for (const field of ['nodeSelector', 'priorityClassName', 'tolerations', 'imagePullSecrets']) assert.equal(plain.pod[field], undefined, field);
  });
});

describe('pod_spec and pod_patch', () => {
  test('pod_spec is merged into the pod spec, then pod_patch applied to the result', async () => {
    const r = render(
      await svc({
        scheduling_spec: { node_selector: { a: '1', b: '2' } },
        pod_spec: JSON.stringify({ dnsPolicy: 'Default', nodeSelector: { b: null, c: '3' }, hostNetwork: true }),
        pod_patch: JSON.stringify([
          { op: 'replace', path: '/dnsPolicy', value: 'None' },
          { op: 'add', path: '/containers/0/env/-', value: { name: 'ADDED', value: 'yes' } },
          { op: 'remove', path: '/hostNetwork' },
        ]),
      }),
    );
    assert.deepEqual(r.pod.nodeSelector, { a: '1', c: '3' });
    assert.equal(r.pod.dnsPolicy, 'None');
    assert.equal(r.pod.hostNetwork, undefined);
    assert.equal(r.env('service').ADDED, 'yes');
    // Nothing of pachsvc's pod was undone.
    assert.deepEqual(r.warnings, []);
  });

  test('a pod_patch that cannot apply throws a PatchError naming the operation', async () => {
    const model = await svc({ pod_patch: [{ op: 'remove', path: '/nothing/here' }] });
    assert.throws(() => render(model), (err: unknown) => {
      assert.ok(err instanceof PatchError);
      assert.equal(err.field, 'pod_patch');
      assert.equal(err.message, 'pod_patch operation 0 (remove /nothing/here): no value at /nothing');
      return true;
    });
    const test = await svc({ pod_patch: [{ op: 'test', path: '/containers/0/name', value: 'other' }] });
    assert.throws(() => render(test), /pod_patch operation 0 \(test \/containers\/0\/name\): test failed/);
  });

  test('a patch that replaces the whole pod spec with something else is refused', async () => {
    const model = await svc({ pod_patch: [{ op: 'replace', path: '', value: 42 }] });
    assert.throws(() => render(model), (err: unknown) => err instanceof PatchError && /no longer an object/.test(err.message));
  });
});

describe('the spec annotation', () => {
  test('loads back to the model it was rendered from', async () => {
    // Every field, plus what FULL_SNAKE leaves out: a followed input, on_new_data, sidecar requests.
    const model = await service(
      json({
        ...FULL_SNAKE,
        input: { cross: [...FULL_SNAKE.input.cross, { pfs: { repo: 'c', branch: 'live', glob: '/', follow: true } }] },
        service: { ...FULL_SNAKE.service, on_new_data: 'live' },
        sidecar_resource_requests: { cpu: '100m' },
      }),
    );
    assert.equal(model.inputs.length, 3);
    const annotation = render(model).deployment.metadata.annotations[ANNOTATIONS.spec];
    assert.equal(annotation, JSON.stringify(serializeSpec(model)));
    assert.deepEqual(await service(annotation, 'annotation.json'), model);
  });
});
