// Every dialect a spec is written in becomes the same canonical model (src/spec/load.ts), and the service's
// name comes from the spec, --name or the file name.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { STDIN_FILE } from '../../src/spec/load.ts';
import type { Input, ServiceSpec } from '../../src/spec/model.ts';
import { FULL_CAMEL_YAML, FULL_MODEL, FULL_SNAKE, input } from './helpers/full-spec.ts';
import { COMMIT_B, at, json, load, problem, service, spec } from './helpers/spec.ts';

// The example of docs/deployment/serving_data_from_pachyderm.md (Pachyderm 1.3), byte for byte: tabs
// mixed with spaces, and a trailing comma after "stdin".
const SEED = `{
	"service" : {
		"internal_port": 8888,
		"external_port": 30888
	},
	"transform": {
        "image": "pachyderm_jupyter",
        "cmd": [ "sh" ],
        "stdin": [
        	"/opt/conda/bin/jupyter notebook"
		],
	},
 	"parallelism_spec": {
		"strategy": "CONSTANT",
		"constant": 1
	},
    "inputs": [
		{
			"commit": {
            	"repo": {
            		"name": "foo"
            	},
	       		"id": "master/0"
			}
    	}
	]
}
`;

const master1: Input['ref'] = {
  branch: 'master',
  ancestry: { op: '.', count: 1 },
  legacy: {
    written: 'master/0',
    meaning: 'Pachyderm 1.x ref "master/0" (commit number 0 of master, counting from 0) is master.1 in Pachyderm 2.x',
  },
};

/** The model of a spec with nothing but an image, a port and `inputs`: what every optional field defaults to. */
function bare(name: string, inputs: Input[], port: ServiceSpec['port'] = { internal: 8080, type: 'ClusterIP' }): ServiceSpec {
  return {
    name,
    image: 'busybox:1.36',
    cmd: [],
    stdin: [],
    env: {},
    secrets: [],
    imagePullSecrets: [],
    memoryVolume: false,
    replicas: 1,
    inputs,
    port,
    onNewData: 'restart',
    resources: {},
    sidecarResources: {},
    labels: {},
    annotations: {},
    nodeSelector: {},
    tolerations: [],
  };
}

describe('Pachyderm 1.x job form (the seed)', () => {
  test('the seed text is the real thing: tabs, and a trailing comma', () => {
    assert.ok(SEED.includes('\t') && /\],\s*\n\s*\}/.test(SEED));
  });

  test('loads to the canonical model, named after the file, with master/0 as master.1', async () => {
    const loaded = await load(SEED, 'examples/jupyter.json');
    assert.equal(loaded.dialect, 'pachyderm-1.x');
    assert.deepEqual(loaded.service, {
      ...bare('jupyter', [input('foo', 'foo', master1)], { internal: 8888, external: 30888, type: 'NodePort' }),
      image: 'pachyderm_jupyter',
      cmd: ['sh'],
      stdin: ['/opt/conda/bin/jupyter notebook'],
    });
    assert.deepEqual(
      loaded.warnings.map((w) => [w.severity, `${w.position.line}:${w.position.column}`, w.message]),
      [['warning', '23:17', `${master1.legacy!.meaning}; pachsvc uses the 2.x form`]],
    );
    assert.deepEqual(loaded.positionOf('/inputs/0/commit/id'), { line: 23, column: 17 });
  });

  test('the 1.4 pipeline form: inputs[] with name, repo.name, branch and glob', async () => {
    const text = json({
      pipeline: { name: 'p14' },
      transform: { image: 'busybox:1.36' },
      service: { internal_port: 8080 },
      parallelism_spec: { strategy: 'CONSTANT', constant: 1 },
      inputs: [
        { name: 'left', repo: { name: 'trips' }, branch: 'master', glob: '/' },
        { repo: { name: 'weather' }, branch: 'dev', glob: '/' },
      ],
    });
    const loaded = await load(text);
    assert.equal(loaded.dialect, 'pachyderm-1.x');
    assert.deepEqual(loaded.service, bare('p14', [input('left', 'trips'), input('weather', 'weather', { branch: 'dev' })]));
  });
});

describe('Pachyderm 2.x pipeline form', () => {
  test('snake_case JSON: every field a service uses', async () => {
    const loaded = await load(json(FULL_SNAKE, true), 'full.json');
    assert.equal(loaded.dialect, 'pachyderm-2.x');
    assert.deepEqual(loaded.service, FULL_MODEL);
    assert.deepEqual(loaded.warnings, []);
  });

  test('camelCase YAML gives the same model', async () => {
    const loaded = await load(FULL_CAMEL_YAML, 'full.yaml');
    assert.equal(loaded.dialect, 'pachyderm-2.x-camel');
    assert.deepEqual(loaded.service, FULL_MODEL);
  });

  test('YAML is recognized by its content when the file name does not say (stdin)', async () => {
    assert.deepEqual(await service(FULL_CAMEL_YAML, STDIN_FILE), FULL_MODEL);
    assert.deepEqual(await service(json(FULL_SNAKE), STDIN_FILE), FULL_MODEL);
  });

  test('both spellings mixed in one spec', async () => {
    const text = json({
      pipeline: { name: 'mixed' },
      transform: { image: 'busybox:1.36', imagePullSecrets: ['reg'], working_dir: '/w' },
      service: { internalPort: 8080, external_port: 30001 },
      resourceRequests: { cpu: 1 },
      input: { pfs: { repo: 'data', glob: '/' } },
    });
    const loaded = await load(text);
    assert.equal(loaded.dialect, 'pachyderm-2.x-camel');
    assert.deepEqual(loaded.service, {
      ...bare('mixed', [input('data', 'data')], { internal: 8080, external: 30001, type: 'NodePort' }),
      imagePullSecrets: ['reg'],
      workingDir: '/w',
      resources: { requests: { cpu: '1' } },
    });
  });

  test('atom (Pachyderm 1.5-1.8) is pfs', async () => {
    const atom = await service(json(spec({ input: { atom: { repo: 'data', glob: '/' } } })));
    assert.deepEqual(atom, await service(json(spec())));
    assert.deepEqual(atom.inputs, [input('data', 'data')]);
  });

  test('cross and union, nested, become one flat list of inputs, in order', async () => {
    const text = json(
      spec({
        input: {
          union: [
            { pfs: { repo: 'a', glob: '/' } },
            { cross: [{ pfs: { repo: 'b', branch: 'dev', glob: '/' } }, { atom: { name: 'c2', repo: 'c', glob: '/' } }] },
          ],
        },
      }),
    );
    assert.deepEqual((await service(text)).inputs, [input('a', 'a'), input('b', 'b', { branch: 'dev' }), input('c2', 'c')]);
  });

  test('a spec without input has no inputs', async () => {
    assert.deepEqual((await service(json(spec({ input: undefined })))).inputs, []);
  });

  test('"$schema" is allowed and ignored', async () => {
    const text = json({ $schema: '../schemas/service.schema.json', ...spec() });
    assert.deepEqual(await service(text), await service(json(spec())));
  });

  test('pipeline.project as a string or as {name}; an input may name its own', async () => {
    const withProject = (project: unknown) =>
      json(
        spec({
          pipeline: { name: 'svc', project },
          input: { cross: [{ pfs: { repo: 'a', glob: '/' } }, { pfs: { repo: 'b', project: { name: 'theirs' }, glob: '/' } }, { pfs: { repo: 'c', project: 'mine2', glob: '/' } }] },
        }),
      );
    const asString = await service(withProject('mine'));
    assert.deepEqual(await service(withProject({ name: 'mine' })), asString);
    assert.equal(asString.project, 'mine');
    assert.deepEqual(
      asString.inputs.map((i) => [i.name, i.project]),
      [
        ['a', 'mine'],
        ['b', 'theirs'],
        ['c', 'mine2'],
      ],
    );
    const none = await service(json(spec()));
    assert.equal(none.project, undefined);
    assert.equal(none.inputs[0]!.project, undefined);
  });

  test('pfs.commit alone is that commit; with branch it is branch=commit', async () => {
    const ref = async (pfs: object) => (await service(json(spec({ input: { pfs: { repo: 'data', glob: '/', ...pfs } } })))).inputs[0]!.ref;
    assert.deepEqual(await ref({ commit: COMMIT_B }), { commit: COMMIT_B });
    assert.deepEqual(await ref({ commit: COMMIT_B.toUpperCase() }), { commit: COMMIT_B });
    assert.deepEqual(await ref({ branch: 'dev', commit: COMMIT_B }), { branch: 'dev', commit: COMMIT_B });
    assert.deepEqual(await ref({ branch: `dev=${COMMIT_B}` }), { branch: 'dev', commit: COMMIT_B });
    assert.deepEqual(await ref({}), { branch: 'master' });
  });

  test('--follow makes inputs follow their branch, unless the spec says follow: false', async () => {
    const text = json(spec({ input: { cross: [{ pfs: { repo: 'a', glob: '/' } }, { pfs: { repo: 'b', glob: '/', follow: false } }] } }));
    assert.deepEqual((await service(text, 'spec.json', { follow: true })).inputs.map((i) => i.follow), [true, false]);
    assert.deepEqual((await service(text)).inputs.map((i) => i.follow), [false, false]);
  });
});

describe('the service name', () => {
  const noName = json(spec({ pipeline: undefined }));

  test('pipeline.name, in Kubernetes form: lower case, "_" as "-"', async () => {
    assert.equal((await service(json(spec({ pipeline: { name: 'My_Service' } })))).name, 'my-service');
  });

  test('a top-level name, when there is no pipeline', async () => {
    assert.equal((await service(json({ name: 'Top_Name', ...spec({ pipeline: undefined }) }))).name, 'top-name');
  });

  test('--name, when the spec names none', async () => {
    assert.equal((await service(noName, 'spec.json', { name: 'From_Flag' })).name, 'from-flag');
  });

  test('the file base name, without its extensions, when nothing else names it', async () => {
    assert.equal((await service(noName, 'simple-service.pipeline.json')).name, 'simple-service');
    assert.equal((await service(noName, 'dir.v2/sub/Big_Data.yaml')).name, 'big-data');
  });

  test('stdin without a name is an error that says to pass --name', async () => {
    assert.equal(
      await problem(noName, STDIN_FILE),
      '<stdin>:1:1: the spec names no service (no pipeline.name) and stdin has no file name to take one from: pass --name',
    );
    assert.equal((await service(noName, STDIN_FILE, { name: 'piped' })).name, 'piped');
  });

  test('--name is ignored, with a warning at the spec\'s name, when the spec has one', async () => {
    const text = json(spec({ pipeline: { name: 'Named_In_Spec' } }));
    const loaded = await load(text, 'spec.json', { name: 'other' });
    assert.equal(loaded.service.name, 'named-in-spec');
    assert.deepEqual(loaded.warnings, [
      {
        severity: 'warning',
        file: 'spec.json',
        position: { line: 1, column: Number(at(text, '"Named_In_Spec"').split(':')[1]) },
        message: '--name "other" is ignored: the spec names the service "Named_In_Spec"',
      },
    ]);
    // The same name in another spelling is no conflict.
    assert.deepEqual((await load(text, 'spec.json', { name: 'named-in-spec' })).warnings, []);
  });

  test('a name Kubernetes cannot take is an error where the name comes from', async () => {
    const text = json(spec({ pipeline: { name: 'ends_' } }));
    assert.equal(
      await problem(text),
      `spec.json:${at(text, '"ends_"')}: pipeline.name "ends_" cannot name a service: Kubernetes names are lower-case letters, digits and "-", starting and ending with a letter or digit`,
    );
    assert.equal(
      await problem(noName, 'spec.json', { name: 'has space' }),
      'spec.json:1:1: --name "has space" cannot name a service: Kubernetes names are lower-case letters, digits and "-", starting and ending with a letter or digit',
    );
    assert.equal(
      await problem(noName, '_hidden.json'),
      '_hidden.json:1:1: the file name gives the service name "_hidden", but Kubernetes names are lower-case letters, digits and "-", starting and ending with a letter or digit',
    );
  });
});
