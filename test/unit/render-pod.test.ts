// The service pod beyond the field-by-field mapping (render.test.ts): when the command needs the wrapper,
// Pachyderm's variables (PPS_*, spout-services), warnings when pod_spec or pod_patch undo pachsvc's pod,
// and the API server's limits checked at render time (container names, annotation size).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchError, RenderError, MAX_ANNOTATIONS_BYTES, renderService, renderWithNotes, type RenderWarning } from '../../src/render/index.ts';
import { containerSuffixes, checkoutContainer } from '../../src/render/containers.ts';
import { containerNameProblem, podFindings, type ContainerRole } from '../../src/render/pod-checks.ts';
import { SERVICE_SCRIPT } from '../../src/render/generated/scripts.ts';
import type { Input, ServiceSpec } from '../../src/spec/model.ts';
import { COMMIT_A, json, service, spec } from './helpers/spec.ts';
import { OPTIONS, render } from './helpers/render.ts';

type Obj = Record<string, any>;
const svc = (extra: Obj = {}) => service(json(spec(extra)));
const wrapper = (...cmd: string[]) => ['/bin/sh', '-c', SERVICE_SCRIPT, 'pachsvc-service', ...cmd];
const warningsOf = (model: ServiceSpec): RenderWarning[] => renderWithNotes(model, OPTIONS).warnings;

describe('the command runs as written unless only a shell can do what the spec asks', () => {
  // cmd set on the model after loading: render must work whatever the spec rules allow.
  const cases: [string, Obj & { cmd?: string[] }, string[] | undefined][] = [
    ['an unpinned input', { transform: { image: 'i', cmd: ['serve', '--port=1'] } }, ['serve', '--port=1']],
    ['a command whose first word has "=" or starts with "-"', { transform: { image: 'i', cmd: ['x'] }, cmd: ['A=B', '-x'] }, ['A=B', '-x']],
    ['a followed input, on_new_data live', { transform: { image: 'i', cmd: ['serve'] }, service: { internal_port: 80, on_new_data: 'live' }, input: { pfs: { repo: 'd', glob: '/', follow: true } } }, ['serve']],
    ['stdin', { transform: { image: 'i', cmd: ['sh'], stdin: ['echo hi'] } }, wrapper('sh')],
    ['a followed input, on_new_data restart', { transform: { image: 'i', cmd: ['serve'] }, input: { pfs: { repo: 'd', glob: '/', follow: true } } }, wrapper('serve')],
    ['a command whose first word has "=", under the wrapper', { transform: { image: 'i', cmd: ['x'], stdin: ['x'] }, cmd: ['A=B'] }, wrapper('A=B')],
    ['no cmd (the image\'s entrypoint), even following with restart', { input: { pfs: { repo: 'd', glob: '/', follow: true } } }, undefined],
    ['no inputs', { input: undefined, transform: { image: 'i', cmd: ['serve'] } }, ['serve']],
  ];
  for (const [name, { cmd, ...extra }, command] of cases) {
    test(name, async () => {
      const model = await svc(extra);
      if (cmd) model.cmd = cmd;
      const r = render(model);
      assert.deepEqual(r.container('service').command, command);
      if (command?.[0] !== '/bin/sh') {
        for (const v of ['PACHSVC_INPUTS', 'PACHSVC_STDIN', 'PACHSVC_SUPERVISE', 'PACHSVC_ENV_NAMES']) assert.equal(r.env('service')[v], undefined, v);
      }
    });
  }

  test('unwrapped, an unpinned input has its path but no <input>_COMMIT (its id is in /pfs/.pachsvc/<input>/commit)', async () => {
    const r = render(await svc({ transform: { image: 'i', cmd: ['serve'] } }));
    assert.equal(r.env('service').data, '/pfs/data');
    assert.equal(r.env('service').data_COMMIT, undefined);
    const pinned = render(await svc({ transform: { image: 'i', cmd: ['serve'] } }), { pins: { data: COMMIT_A } });
    assert.equal(pinned.env('service').data_COMMIT, COMMIT_A);
  });

  test('wrapped, the wrapper is told every input (it sets <input> and <input>_COMMIT from the commit files)', async () => {
    const model = await svc({
      transform: { image: 'i', cmd: ['sh'], stdin: ['x'] },
      input: { cross: [{ pfs: { repo: 'a', glob: '/' } }, { pfs: { repo: 'b', glob: '/' } }] },
    });
    model.inputs[1]!.name = '-b';
    assert.equal(render(model, { pins: { a: COMMIT_A } }).env('service').PACHSVC_INPUTS, 'a -b');
  });

  test('wrapped, variables whose names are no shell names get copies the wrapper can read; inputs do not need them', async () => {
    const model = await svc({
      transform: { image: 'i', cmd: ['sh'], stdin: ['x'], env: { 'my-var': 'v', OK: 'w', '1x': 'y' }, secrets: [{ name: 's', env_var: 'db.pass', key: 'k' }] },
      input: { pfs: { repo: 'my-data', glob: '/' } },
    });
    const env = render(model).env('service');
    assert.equal(env.PACHSVC_ENV_NAMES, 'my-var\n1x\ndb.pass');
    assert.equal(env.PACHSVC_ENV_1, '$(my-var)');
    assert.equal(env.PACHSVC_ENV_2, '$(1x)');
    assert.equal(env.PACHSVC_ENV_3, '$(db.pass)');
    assert.equal(env.PACHSVC_ENV_4, undefined);
    // Copies come after what they copy: Kubernetes expands $(name) from variables defined before.
    const names = (render(model).container('service').env as Obj[]).map((e) => e.name);
    assert.ok(names.indexOf('PACHSVC_ENV_3') > names.indexOf('db.pass'));
    const unwrapped = render(await svc({ transform: { image: 'i', cmd: ['serve'], env: { 'my-var': 'v' } } })).env('service');
    assert.equal(unwrapped.PACHSVC_ENV_NAMES, undefined);
  });
});

describe("Pachyderm's variables", () => {
  test('PPS_PIPELINE_NAME and PPS_PROJECT_NAME (default "default"), as Pachyderm sets them for user code', async () => {
    const env = render(await svc()).env('service');
    assert.equal(env.PPS_PIPELINE_NAME, 'svc');
    assert.equal(env.PPS_PROJECT_NAME, 'default');
    const inProject = render(await svc({ pipeline: { name: 'svc', project: { name: 'team-a' } } })).env('service');
    assert.equal(inProject.PPS_PROJECT_NAME, 'team-a');
  });

  test('one variable per name: pachsvc\'s win over the spec\'s, as the later one would in Kubernetes', async () => {
    const model = await svc({ transform: { image: 'i', env: { PPS_PIPELINE_NAME: 'mine', data: 'mine', KEEP: 'k' } } });
    const env = render(model).container('service').env as Obj[];
    const names = env.map((e) => e.name);
    assert.deepEqual(names, [...new Set(names)]);
    assert.equal(env.find((e) => e.name === 'PPS_PIPELINE_NAME')!.value, 'svc');
    assert.equal(env.find((e) => e.name === 'data')!.value, '/pfs/data');
    assert.equal(env.find((e) => e.name === 'KEEP')!.value, 'k');
  });

  test('a spout-service gets PACHD_ADDRESS, and PACH_TOKEN from the auth Secret when there is one', async () => {
    const model = { ...(await svc({ input: undefined })), spout: true };
    const plain = render(model).env('service');
    assert.equal(plain.PACHD_ADDRESS, OPTIONS.pachdAddress);
    assert.equal(plain.PACH_TOKEN, undefined);
    const withToken = render(model, { authSecret: { name: 'pach-auth', key: 'auth-token' } }).env('service');
    assert.deepEqual(withToken.PACH_TOKEN, { valueFrom: { secretKeyRef: { name: 'pach-auth', key: 'auth-token' } } });
    // Services that are not spouts get neither: they read pachd's data through /pfs.
    const other = render(await svc(), { authSecret: { name: 'pach-auth', key: 'auth-token' } }).env('service');
    assert.equal(other.PACHD_ADDRESS, undefined);
    assert.equal(other.PACH_TOKEN, undefined);
  });
});

describe('container names are always DNS labels', () => {
  const input = (name: string): Input => ({ name, repo: 'r', ref: { branch: 'master' }, follow: true }) as Input;

  test('whatever the input names: leading, trailing or only "-", "_", capitals, 70 characters, 150 alike', () => {
    const names = ['---', '-', '_', '-x', 'x-', 'a_', 'A'.repeat(70), 'a'.repeat(70), `${'a'.repeat(53)}-b`, 'input'];
    for (let i = 0; i < 150; i++) names.push(`${'b'.repeat(60)}${'_'.repeat(i % 3)}`.slice(0, 60 + (i % 3)) + (i >= 3 ? '_'.repeat(i) : ''));
    const inputs = [...new Set(names)].map(input);
    const suffixes = containerSuffixes(inputs);
    const containers = [...suffixes.values()].flatMap((s) => [`checkout-${s}`, `follow-${s}`]);
    for (const name of containers) assert.equal(containerNameProblem(name), undefined, name);
    assert.equal(new Set(suffixes.values()).size, inputs.length, 'suffixes are distinct');
    assert.equal(suffixes.get('---'), 'input');
    assert.equal(suffixes.get('-'), 'input-2');
    assert.equal(suffixes.get('_'), 'input-3');
    assert.equal(suffixes.get('input'), 'input-4');
    assert.equal(suffixes.get('-x'), '-x');
  });

  test('a checkout container name is its input\'s suffix after checkout-', async () => {
    const model = await svc();
    assert.equal(checkoutContainer(model.inputs[0]!, 'data', model, OPTIONS).name, 'checkout-data');
  });
});

describe('warnings when pod_spec or pod_patch undo pachsvc\'s pod', () => {
  const follow = { pfs: { repo: 'data', glob: '/', follow: true } };

  test('none for a plain spec, nor for patches that leave pachsvc\'s parts alone', async () => {
    assert.deepEqual(warningsOf(await svc()), []);
    const benign = await svc({
      input: follow,
      pod_spec: { dnsPolicy: 'Default', hostNetwork: true, volumes: [{ name: 'pfs', emptyDir: { medium: 'Memory' } }] },
      pod_patch: [
        { op: 'add', path: '/containers/-', value: { name: 'sidecar', image: 'busybox' } },
        { op: 'add', path: '/containers/0/env/-', value: { name: 'EXTRA', value: '1' } },
        { op: 'replace', path: '/containers/0/image', value: 'other:1' },
        { op: 'add', path: '/containers/0/volumeMounts/0/readOnly', value: true },
        { op: 'add', path: '/initContainers/0/resources', value: { limits: { cpu: '1' } } },
      ],
    });
    assert.deepEqual(warningsOf(benign), []);
  });

  test('renderService gives the same objects, without the warnings', async () => {
    const model = await svc({ pod_patch: [{ op: 'remove', path: '/initContainers/0' }] });
    assert.deepEqual(renderService(model, OPTIONS), renderWithNotes(model, OPTIONS).objects);
  });

  test('pod_patch removing a checkout container, at the operation that did it', async () => {
    const model = await svc({ pod_patch: [{ op: 'add', path: '/hostNetwork', value: true }, { op: 'remove', path: '/initContainers/0' }] });
    assert.deepEqual(warningsOf(model), [
      {
        field: 'pod_patch',
        pointer: '/pod_patch/1',
        message: 'pod_patch operation 1 removes the checkout container "checkout-data" (input "data"): input "data" is not checked out, and /pfs/data will not exist',
      },
    ]);
  });

  test('pod_spec replacing the containers list: the service container loses pachsvc\'s settings and the follow sidecar is gone', async () => {
    const model = await svc({ input: follow, transform: { image: 'i', cmd: ['serve'] }, pod_spec: { containers: [{ name: 'service', image: 'mine' }] } });
    const messages = warningsOf(model).map((w) => `${w.field} ${w.pointer} ${w.message}`);
    assert.equal(messages.length, 3, messages.join('\n'));
    assert.match(messages[0]!, /^pod_spec \/pod_spec pod_spec replaces the service container "service": it no longer has its command, the environment variables "PPS_PIPELINE_NAME", "PPS_PROJECT_NAME", "data", "PACHSVC_INPUTS" and 1 more, the port "user-port" the Service sends traffic to and its readiness probe \(a merge patch replaces a list whole/);
    assert.match(messages[1]!, /^pod_spec \/pod_spec pod_spec no longer mounts the "pfs" volume at \/pfs in the service container "service"$/);
    assert.match(messages[2]!, /^pod_spec \/pod_spec pod_spec removes the follow container "follow-data" \(input "data"\): input "data" stays on the commit checked out when the pod started/);
  });

  test('removing the service container', async () => {
    const [w] = warningsOf(await svc({ pod_patch: [{ op: 'remove', path: '/containers/0' }] }));
    assert.match(w!.message, /^pod_patch operation 0 removes the service container "service": nothing runs transform.image/);
  });

  test('the pfs volume swapped for a hostPath, or removed', async () => {
    const hostPath = await svc({ pod_spec: { volumes: [{ name: 'pfs', hostPath: { path: '/var/data' } }] } });
    assert.deepEqual(
      warningsOf(hostPath).map((w) => w.message),
      ['pod_spec makes the "pfs" volume a "hostPath" ("/var/data") instead of pachsvc\'s emptyDir: checkouts write into it and serve what is already there, and it outlives the pod on the node, shared with every pod that mounts the same path'],
    );
    const replaced = await svc({ pod_patch: [{ op: 'replace', path: '/volumes/0', value: { name: 'pfs', persistentVolumeClaim: { claimName: 'c' } } }] });
    assert.match(warningsOf(replaced)[0]!.message, /^pod_patch operation 0 makes the "pfs" volume a "persistentVolumeClaim" instead of/);
    const removed = await svc({ pod_patch: [{ op: 'remove', path: '/volumes/0' }] });
    assert.match(warningsOf(removed)[0]!.message, /^pod_patch operation 0 removes the "pfs" volume that holds \/pfs/);
  });

  test('each finding says what it is about (its kind); the merge patch note goes with the kinds a whole list undoes', async () => {
    const baseline = render(await svc({ input: follow })).pod;
    const roles = new Map<string, ContainerRole>([
      ['service', { role: 'service' }],
      ['checkout-data', { role: 'checkout', input: 'data' }],
      ['follow-data', { role: 'follow', input: 'data' }],
    ]);
    const kinds = (pod: Obj) => podFindings(pod, baseline, roles).map((f) => f.kind);
    const pod = (change: (p: Obj) => void) => {
      const p = structuredClone(baseline);
      change(p);
      return p;
    };
    assert.deepEqual(kinds(baseline), []);
    assert.deepEqual(kinds(pod((p) => p.containers.splice(1, 1))), ['removed']);
    assert.deepEqual(kinds(pod((p) => p.initContainers.push(p.containers.splice(1, 1)[0]))), ['moved']);
    assert.deepEqual(kinds(pod((p) => delete p.containers[0].readinessProbe)), ['replaced']);
    assert.deepEqual(kinds(pod((p) => (p.initContainers[0].command = ['true']))), ['command']);
    assert.deepEqual(kinds(pod((p) => (p.volumes = []))), ['volume-removed']);
    assert.deepEqual(kinds(pod((p) => (p.volumes = [{ name: 'pfs', hostPath: { path: '/x' } }]))), ['volume-source']);
    assert.deepEqual(kinds(pod((p) => (p.containers[0].name = 'Bad_Name'))).sort(), ['bad-name', 'removed']);
    // The note follows the kind, whatever the words: a moved container gets none, a removed volume one.
    const note = /a merge patch replaces a list whole/;
    const moved = await svc({ input: follow, pod_spec: { initContainers: [...baseline.initContainers, baseline.containers[1]], containers: [baseline.containers[0]] } });
    assert.ok(warningsOf(moved).some((w) => /moves the follow container/.test(w.message) && !note.test(w.message)));
    const noVolume = await svc({ pod_spec: { volumes: [{ name: 'other', emptyDir: {} }] } });
    assert.match(warningsOf(noVolume)[0]!.message, note);
  });

  test('the pfs mount moved, narrowed, made read-only for a checkout, or replaced by another volume', async () => {
    const cases: [Obj[], RegExp][] = [
      [[{ op: 'replace', path: '/containers/0/volumeMounts/0/mountPath', value: '/data' }], /mounts the "pfs" volume at "\/data" instead of \/pfs in the service container/],
      [[{ op: 'add', path: '/initContainers/0/volumeMounts/0/subPath', value: 'x' }], /mounts only "x" of the "pfs" volume at \/pfs in the checkout container "checkout-data"/],
      [[{ op: 'add', path: '/initContainers/0/volumeMounts/0/readOnly', value: true }], /mounts \/pfs read-only, so the checkout script cannot write the data in the checkout container/],
      [[{ op: 'replace', path: '/containers/0/volumeMounts/0/name', value: 'mine' }], /mounts the volume "mine" at \/pfs instead of pachsvc's "pfs" volume in the service container/],
      [[{ op: 'remove', path: '/initContainers/0/volumeMounts' }], /no longer mounts the "pfs" volume at \/pfs in the checkout container/],
    ];
    for (const [ops, pattern] of cases) {
      const warnings = warningsOf(await svc({ pod_patch: ops }));
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.match(warnings[0]!.message, pattern);
    }
  });

  test('a checkout command replaced', async () => {
    const [w] = warningsOf(await svc({ pod_patch: [{ op: 'replace', path: '/initContainers/0/command', value: ['true'] }] }));
    assert.match(w!.message, /^pod_patch operation 0 changes the command of the checkout container "checkout-data" \(input "data"\): pachsvc's checkout script no longer runs/);
  });

  test('something undone and then restored is no warning; each warning is blamed on the step that left it', async () => {
    const plain = render(await svc()).pod;
    const restored = await svc({
      pod_patch: [
        { op: 'remove', path: '/initContainers/0' },
        { op: 'add', path: '/initContainers/0', value: plain.initContainers[0] },
      ],
    });
    assert.deepEqual(warningsOf(restored), []);
    const both = await svc({
      input: follow,
      pod_spec: { volumes: [{ name: 'pfs', hostPath: { path: '/d' } }] },
      pod_patch: [{ op: 'add', path: '/x', value: 1 }, { op: 'remove', path: '/containers/1' }],
    });
    assert.deepEqual(
      warningsOf(both).map((w) => [w.field, w.pointer]),
      [
        ['pod_patch', '/pod_patch/1'],
        ['pod_spec', '/pod_spec'],
      ],
    );
  });
});

describe('limits the API server enforces, found at render time', () => {
  const refused = (field: 'pod_spec' | 'pod_patch', pointer: string, pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof PatchError, String(err));
    assert.equal(err.field, field);
    assert.equal(err.pointer, pointer);
    assert.match(err.message, pattern);
    return true;
  };

  test('container names a patch adds must be DNS labels of at most 63 characters, and distinct', async () => {
    const cases: [unknown, RegExp][] = [
      ['Bad_Name', /^pod_patch operation 0 names a container "Bad_Name", which is not a DNS label/],
      ['ends-', /names a container "ends-", which is not a DNS label/],
      ['a'.repeat(64), /is 64 characters long, and Kubernetes allows 63/],
      ['service', /gives two containers the name "service"/],
      [42, /leaves containers\[1\] without a name/],
    ];
    for (const [name, pattern] of cases) {
      const model = await svc({ pod_patch: [{ op: 'add', path: '/containers/-', value: { name, image: 'x' } }] });
      assert.throws(() => renderService(model, OPTIONS), refused('pod_patch', '/pod_patch/0', pattern));
    }
    const viaSpec = await svc({ pod_spec: { initContainers: [{ name: 'x-', image: 'i' }] } });
    assert.throws(() => renderService(viaSpec, OPTIONS), refused('pod_spec', '/pod_spec', /^pod_spec names a container "x-"/));
  });

  test('an object\'s annotations over 256 KiB: blamed on the largest part of the spec', async () => {
    // Set on the model: the spec rules refuse values this long already; render checks the sum.
    const model = await svc({ transform: { image: 'i', cmd: ['sh'], stdin: ['x'] } });
    model.stdin = ['x'.repeat(300 * 1024)];
    assert.throws(
      () => renderService(model, OPTIONS),
      (err: unknown) => {
        assert.ok(err instanceof RenderError && !(err instanceof PatchError));
        assert.equal(err.pointer, '/transform/stdin');
        assert.match(err.message, /^the annotations of the Deployment would take 300\.\d KiB, and Kubernetes allows 256\.0 KiB in all: pachsvc\.io\/spec records the whole spec \(300\.\d KiB\), and its largest part is transform\.stdin \(300\.\d KiB\)/);
        return true;
      },
    );
    const annotated = await svc();
    annotated.annotations = { big: 'é'.repeat(70 * 1024) };
    assert.throws(() => renderService(annotated, OPTIONS), (err: unknown) => err instanceof RenderError && err.pointer === '/metadata/annotations');
    // Below the limit, nothing is said.
    const fits = await svc({ transform: { image: 'i', cmd: ['sh'], stdin: ['x'] } });
    fits.stdin = ['x'.repeat(200 * 1024)];
    assert.equal(renderService(fits, OPTIONS).length, 2);
    assert.equal(MAX_ANNOTATIONS_BYTES, 262144);
  });
});

describe('prototype pollution through a spec', () => {
  test('a pod_patch through __proto__ fails and changes nothing', async () => {
    const model = await svc();
    model.podPatch = [{ op: 'add', path: '/__proto__/namespace', value: 'kube-system' }];
    assert.throws(() => renderService(model, OPTIONS), (err: unknown) => err instanceof PatchError && err.pointer === '/pod_patch/0');
    model.podPatch = undefined;
    model.podSpec = JSON.parse('{"__proto__": {"namespace": "kube-system"}}');
    assert.throws(() => renderService(model, OPTIONS), (err: unknown) => err instanceof PatchError && err.field === 'pod_spec');
    assert.equal(({} as Obj).namespace, undefined);
    const objects = renderService(await svc(), OPTIONS) as Obj[];
    assert.equal(objects[0]!.metadata.namespace, undefined);
  });
});
