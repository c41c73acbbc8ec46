// Every check a spec goes through (syntax, schema, service rules, unsupported Pachyderm fields): the
// message a user reads, and the file:line:col it points at.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { STDIN_FILE } from '../../src/spec/load.ts';
import * as unsupported from '../../src/spec/unsupported.ts';
import { COMMIT_A, at, json, load, problem, problems, spec, valueOf } from './helpers/spec.ts';

type Obj = Record<string, unknown>;
const withService = (service: Obj) => json(spec({ service }));
const withTransform = (transform: Obj) => json(spec({ transform: { image: 'busybox:1.36', ...transform } }));
const withPfs = (pfs: Obj) => json(spec({ input: { pfs: { repo: 'data', glob: '/', ...pfs } } }));

describe('reading the file', () => {
  test('JSON syntax error, at its position', async () => {
    const text = '{\n  "pipeline": {"name": "x"},\n  "service": {"internal_port": }\n}';
    assert.equal(await problem(text), 'spec.json:3:32: invalid JSON: unexpected token RBrace found');
  });

  test('YAML syntax error, at its position', async () => {
    const text = 'pipeline:\n  name: x\nservice:\n  internal_port: [8080\ntransform: {}\n';
    const [line] = await problems(text, 'spec.yaml');
    assert.match(line!, /^spec\.yaml:5:1: invalid YAML: \S/);
  });

  test('a duplicate key in JSON, at the second one', async () => {
    const text = '{"pipeline": {"name": "x"}, "service": {"internal_port": 80, "internal_port": 81}}';
    assert.equal(await problem(text), `spec.json:${at(text, '"internal_port"', 1)}: duplicate field "internal_port"`);
  });

  test('a duplicate key in YAML', async () => {
    const text = 'service:\n  internal_port: 80\n  internal_port: 81\n';
    assert.equal(await problem(text, 'spec.yaml'), 'spec.yaml:3:3: duplicate field "internal_port"');
  });

  test('the same field under both spellings, at the second, naming the first', async () => {
    const text = json(spec({ service: { internalPort: 8080, internal_port: 8081 } }));
    assert.equal(
      await problem(text),
      `spec.json:${at(text, '"internal_port"')}: "internal_port" is already given under another spelling (service.internalPort); keep one`,
    );
    const yaml = 'pipeline:\n  name: x\ntransform:\n  image: i\nservice:\n  internal_port: 80\n  internalPort: "eighty"\n';
    // The first value is the one kept (and checked): the second is only reported.
    assert.equal(
      await problem(yaml, 'spec.yaml'),
      'spec.yaml:7:3: "internalPort" is already given under another spelling (service.internal_port); keep one',
    );
  });

  test('more than one YAML document', async () => {
    const text = 'pipeline:\n  name: a\n---\npipeline:\n  name: b\n';
    assert.equal(await problem(text, 'spec.yaml'), 'spec.yaml:4:1: this file holds more than one spec; pachsvc takes one service per file');
  });

  test('an empty file, a list, YAML aliases and merge keys', async () => {
    assert.equal(await problem('# nothing\n', 'spec.yaml'), 'spec.yaml:1:1: the spec is empty');
    assert.equal(await problem('[]'), 'spec.json:1:1: the list of specs is empty');
    assert.equal(await problem('[[]]'), 'spec.json:1:2: the spec must be an object, not a list');
    assert.equal(
      await problem('x: &a {k: 1}\ny: *a\n', 'spec.yaml'),
      'spec.yaml:2:4: YAML aliases (*name) are not supported in specs',
    );
    assert.equal(
      await problem('x: {k: 1}\ny:\n  <<: {k: 2}\n', 'spec.yaml'),
      'spec.yaml:3:3: YAML merge keys (<<) are not supported in specs',
    );
  });
});

describe('schema', () => {
  test('an unknown field, with a suggestion in the snake_case a snake_case spec uses', async () => {
    const text = withService({ internal_prot: 8080 });
    // Said once: not also as the missing internal_port it was meant to be.
    assert.equal(await problem(text), `spec.json:${at(text, '"internal_prot"')}: unknown field "internal_prot" in service (did you mean "internal_port"?)`);
  });

  test('an unknown field, with a suggestion in camelCase for a camelCase spec', async () => {
    const text = 'pipeline:\n  name: x\ntransform:\n  image: i\n  imagePullSecret: [reg]\nservice:\n  internalPort: 80\n';
    assert.equal(await problem(text, 'spec.yaml'), 'spec.yaml:5:3: unknown field "imagePullSecret" in transform (did you mean "imagePullSecrets"?)');
  });

  test('an unknown field with nothing like it, at the top level', async () => {
    const text = json(spec({ frobnicate: true }));
    assert.equal(await problem(text), `spec.json:${at(text, '"frobnicate"')}: unknown field "frobnicate"`);
  });

  test('a missing required field, in each spelling', async () => {
    const text = json(spec({ input: { pfs: { glob: '/' } } }));
    assert.equal(await problem(text), `spec.json:${at(text, '"pfs"')}: input.pfs is missing the required field "repo"`);
    const camel = 'pipeline:\n  name: x\ntransform:\n  image: i\n  imagePullSecrets: []\nservice:\n  externalPort: 30001\n';
    assert.equal(await problem(camel, 'spec.yaml'), 'spec.yaml:6:1: service is missing the required field "internalPort"');
  });

  test('a spec without transform or without service', async () => {
    assert.equal(
      await problem(json(spec({ transform: undefined }))),
      'spec.json:1:1: missing the required field "transform": it names the image to run (transform: {image: …})',
    );
    // Without a service, it is a batch pipeline: pachctl's to create.
    assert.equal(
      await problem(json(spec({ service: undefined }))),
      'spec.json:1:1: pipeline "svc" has no service section: pachsvc runs services; create batch pipelines with pachctl',
    );
    assert.equal(
      await problem('pipeline:\n  name: x\ntransform:\n  image: i\n  workingDir: /w\n', 'spec.yaml'),
      'spec.yaml:1:1: pipeline "x" has no service section: pachsvc runs services; create batch pipelines with pachctl',
    );
  });

  test('a value of the wrong type', async () => {
    const text = withService({ internal_port: 'eighty' });
    assert.equal(await problem(text), `spec.json:${at(text, '"eighty"')}: service.internal_port must be a whole number, not "eighty"`);
    const cmd = withTransform({ cmd: 'python app.py' });
    assert.equal(await problem(cmd), `spec.json:${at(cmd, '"python app.py"')}: transform.cmd must be a list, not "python app.py"`);
  });

  test('a value outside an enum lists the allowed ones, and suggests the closest', async () => {
    const text = withService({ internal_port: 8080, type: 'NodPort' });
    assert.equal(
      await problem(text),
      `spec.json:${at(text, '"NodPort"')}: service.type must be one of ClusterIP, NodePort, LoadBalancer, not "NodPort" (did you mean "NodePort"?)`,
    );
    const mode = withService({ internal_port: 8080, on_new_data: 'reload' });
    assert.equal(await problem(mode), `spec.json:${at(mode, '"reload"')}: service.on_new_data must be one of live, restart, not "reload"`);
  });

  test('ports are 1 to 65535', async () => {
    const text = withService({ internal_port: 0, external_port: 65536, type: 'LoadBalancer' });
    assert.deepEqual(await problems(text), [
      `spec.json:${valueOf(text, 'internal_port')}: service.internal_port must be a port number from 1 to 65535, not 0`,
      `spec.json:${valueOf(text, 'external_port')}: service.external_port must be a port number from 1 to 65535, not 65536`,
    ]);
    assert.equal((await load(withService({ internal_port: 1, external_port: 65535, type: 'LoadBalancer' }))).service.port.external, 65535);
  });

  test('parallelism is at least 1', async () => {
    const text = json(spec({ parallelism_spec: { constant: 0 } }));
    assert.equal(await problem(text), `spec.json:${valueOf(text, 'constant')}: parallelism_spec.constant must be at least 1, not 0`);
  });

  test('pattern hints: names, projects, users, paths, quantities, CPU', async () => {
    const text = json({
      pipeline: { name: 'bad name', project: 'p q' },
      transform: { image: 'i', user: 'jovyan', working_dir: 'rel', image_pull_secrets: ['Reg'] },
      service: { internal_port: 80 },
      input: { pfs: { repo: 'my repo', glob: '/' } },
      resource_limits: { cpu: '1.5 cores', memory: 'lots' },
    });
    assert.deepEqual(await problems(text), [
      `spec.json:${at(text, '"bad name"')}: pipeline.name "bad name" is not a valid service name: use letters, digits, "_" and "-", starting with a letter or digit`,
      `spec.json:${at(text, '"p q"')}: pipeline.project "p q" is not a valid Pachyderm project name: use letters, digits, "_" and "-"`,
      `spec.json:${at(text, '"jovyan"')}: transform.user "jovyan" must be a numeric uid or uid:gid (Kubernetes runs containers by number, not by user name)`,
      `spec.json:${at(text, '"rel"')}: transform.working_dir "rel" must be an absolute path`,
      `spec.json:${at(text, '"Reg"')}: transform.image_pull_secrets[0] "Reg" is not a valid Kubernetes name: use lower-case letters, digits, "-" and "."`,
      `spec.json:${at(text, '"my repo"')}: input.pfs.repo "my repo" is not a valid Pachyderm name: use letters, digits, "_" and "-"`,
      `spec.json:${at(text, '"1.5 cores"')}: resource_limits.cpu "1.5 cores" is not an amount of CPU (for example 0.5, 2 or "250m")`,
      `spec.json:${at(text, '"lots"')}: resource_limits.memory "lots" is not a Kubernetes quantity (for example 512Mi, 2Gi or 100M)`,
    ]);
  });
});

describe('service rules', () => {
  test('a NodePort external_port must be in 30000-32767', async () => {
    for (const service of [{ internal_port: 80, external_port: 8080 }, { internal_port: 80, external_port: 32768, type: 'NodePort' }]) {
      const text = withService(service);
      const port = service.external_port;
      assert.equal(
        await problem(text),
        `spec.json:${at(text, String(port))}: service.external_port ${port} is outside the NodePort range 30000-32767: a NodePort Service opens external_port on every node (use a port in that range, or type LoadBalancer to expose ${port})`,
      );
    }
    for (const port of [30000, 32767]) assert.equal((await load(withService({ internal_port: 80, external_port: port }))).service.port.type, 'NodePort');
    assert.equal((await load(withService({ internal_port: 80, external_port: 8080, type: 'LoadBalancer' }))).service.port.external, 8080);
  });

  test('external_port on a ClusterIP Service', async () => {
    const text = withService({ internal_port: 80, external_port: 30080, type: 'ClusterIP' });
    assert.equal(
      await problem(text),
      `spec.json:${at(text, '30080')}: service.external_port has no effect on a ClusterIP Service, which is reachable only inside the cluster on internal_port: remove it, or set type NodePort or LoadBalancer`,
    );
  });

  test('input names are unique', async () => {
    const text = json(spec({ input: { cross: [{ pfs: { repo: 'a', glob: '/' } }, { pfs: { repo: 'b', name: 'a', glob: '/' } }] } }));
    assert.equal(
      await problem(text),
      `spec.json:${at(text, '"a"', 1)}: two inputs are named "a" (the other is input.cross[0].pfs): each input needs its own name, its directory under /pfs; set "name" on one of them`,
    );
  });

  test('an input is one of pfs, cross or union, and input excludes inputs', async () => {
    const both = json(spec({ input: { pfs: { repo: 'a', glob: '/' }, cross: [{ pfs: { repo: 'b', glob: '/' } }] } }));
    assert.equal(await problem(both), `spec.json:${at(both, '"cross"')}: input has both pfs and cross: an input is exactly one of pfs, cross or union`);
    const empty = json(spec({ input: { cross: [{}] } }));
    assert.equal(await problem(empty), `spec.json:${at(empty, '{}')}: input.cross[0] is empty: give one of pfs, cross or union`);
    const legacy = json(spec({ inputs: [{ repo: { name: 'b' }, glob: '/' }] }));
    assert.equal(await problem(legacy), `spec.json:${at(legacy, '"inputs"')}: give either input (Pachyderm 2.x) or inputs (1.x), not both`);
  });

  test('glob must be "/"', async () => {
    const text = withPfs({ glob: '/*' });
    assert.equal(
      await problem(text),
      `spec.json:${at(text, '"/*"')}: glob "/*" would split "data" into several datums; a service sees its input whole, as one datum: use "/"`,
    );
    const legacy = json(spec({ input: undefined, inputs: [{ repo: { name: 'old' }, glob: '/*/*' }] }));
    assert.match(await problem(legacy), new RegExp(`^spec\\.json:${at(legacy, '"/*/*"')}: glob "/\\*/\\*" would split "old" into several datums`));
  });

  test('secrets: env_var needs key, key needs env_var, not both mount_path and env_var, not neither', async () => {
    const text = withTransform({
      secrets: [
        { name: 's1', env_var: 'A' },
        { name: 's2', key: 'k' },
        { name: 's3', env_var: 'B', key: 'k', mount_path: '/m' },
        { name: 's4' },
      ],
    });
    assert.deepEqual(await problems(text), [
      `spec.json:${at(text, '"A"')}: secret "s1" sets env_var but not key: name the key of the Secret to read`,
      `spec.json:${at(text, '"k"')}: secret "s2" has a key but no env_var to put it in`,
      `spec.json:${at(text, '"/m"')}: secret "s3" sets both mount_path and env_var: give each use its own entry`,
      `spec.json:${at(text, '{"name":"s4"}')}: secret "s4" says neither where to mount it (mount_path) nor which variable to set (env_var and key)`,
    ]);
    const camel = 'pipeline: {name: x}\ntransform:\n  image: i\n  secrets:\n    - {name: s1, envVar: A}\nservice: {internalPort: 80}\n';
    assert.equal(await problem(camel, 'spec.yaml'), 'spec.yaml:5:26: secret "s1" sets envVar but not key: name the key of the Secret to read');
  });

  test('stdin needs a cmd to be fed to', async () => {
    const text = withTransform({ stdin: ['echo hi'] });
    assert.equal(await problem(text), `spec.json:${at(text, '["echo hi"]')}: transform.stdin is fed to cmd, but there is no cmd (for a script, use cmd ["sh"])`);
  });

  test('labels: reserved keys, invalid keys, invalid values; annotation keys', async () => {
    const text = json(
      spec({
        metadata: {
          labels: { 'app.kubernetes.io/name': 'x', 'app.kubernetes.io/managed-by': 'me', 'bad key': 'v', ok: 'not ok!', long: 'x'.repeat(64) },
          annotations: { 'example.com/fine': 'any value at all!', '/nope': 'v' },
        },
      }),
    );
    const reserved = (k: string) => `label "${k}" is set by pachsvc to select the service's pods and cannot be overridden`;
    assert.deepEqual(await problems(text), [
      `spec.json:${at(text, '"app.kubernetes.io/name"')}: ${reserved('app.kubernetes.io/name')}`,
      `spec.json:${at(text, '"app.kubernetes.io/managed-by"')}: ${reserved('app.kubernetes.io/managed-by')}`,
      `spec.json:${at(text, '"bad key"')}: "bad key" is not a valid label key: use an optional DNS prefix and "/", then letters, digits, "-", "_" and ".", starting and ending with a letter or digit`,
      `spec.json:${at(text, '"not ok!"')}: label "ok" has an invalid value "not ok!": use letters, digits, "-", "_" and ".", starting and ending with a letter or digit`,
      `spec.json:${at(text, `"${'x'.repeat(64)}"`)}: label "long" has an invalid value "${'x'.repeat(64)}": it is 64 characters long, and Kubernetes allows 63`,
      `spec.json:${at(text, '"/nope"')}: "/nope" is not a valid annotation key: its prefix (before "/") must be a DNS subdomain: lower-case letters, digits, "-" and ".", at most 253 characters`,
    ]);
  });

  test('pod_spec must be a JSON object', async () => {
    const list = json(spec({ pod_spec: '[1]' }));
    assert.equal(await problem(list), `spec.json:${at(list, '"[1]"')}: pod_spec must be a JSON object (a merge patch of the pod spec)`);
    const number = json(spec({ pod_spec: 5 }));
    assert.equal(await problem(number), `spec.json:${at(number, '5')}: pod_spec must be a string or an object, not 5`);
    const broken = json(spec({ pod_spec: '{"a":' }));
    assert.match(await problem(broken), new RegExp(`^spec\\.json:${at(broken, '"{')}: pod_spec is not valid JSON: \\S`));
  });

  test('pod_patch must parse, be a list, and hold valid operations', async () => {
    const broken = json(spec({ pod_patch: '[{"op": "add",' }));
    assert.match(await problem(broken), new RegExp(`^spec\\.json:${at(broken, '"[{')}: pod_patch is not valid JSON: \\S`));
    const object = json(spec({ pod_patch: '{"op": "add"}' }));
    assert.equal(await problem(object), `spec.json:${at(object, '"{')}: pod_patch must be a JSON array of operations (an RFC 6902 JSON patch)`);
    const ops = [
      { op: 'frob', path: '/a' },
      { op: 'add', path: 'a', value: 1 },
      { op: 'replace', path: '/a' },
      { op: 'move', path: '/a' },
      'remove /a',
      { op: 'remove', path: '/ok' },
    ];
    const text = json(spec({ pod_patch: ops }));
    // Each at its operation, or at the field of it that is wrong.
    assert.deepEqual(await problems(text), [
      `spec.json:${at(text, '"frob"')}: pod_patch operation 0: "op" must be one of add, remove, replace, move, copy, test`,
      `spec.json:${at(text, '"a"')}: pod_patch operation 1: "path" must be a JSON pointer such as /containers/0/env`,
      `spec.json:${at(text, '{"op":"replace"')}: pod_patch operation 2: "replace" needs a "value"`,
      `spec.json:${at(text, '{"op":"move"')}: pod_patch operation 3: "move" needs a "from" JSON pointer`,
      `spec.json:${at(text, '"remove /a"')}: pod_patch operation 4: must be an object like {"op": "add", "path": "/…", "value": …}`,
    ]);
    // In Pachyderm's string form, at the string.
    const string = json(spec({ pod_patch: JSON.stringify(ops.slice(0, 1)) }));
    assert.equal(await problem(string), `spec.json:${at(string, '"[{')}: pod_patch operation 0: "op" must be one of add, remove, replace, move, copy, test`);
  });
});

describe('commit references', () => {
  test('every way a reference can be wrong, at the field', async () => {
    const cases: [Obj, string, string][] = [
      [{ branch: 'master^~' }, '"master^~"', 'input.pfs.branch "master^~" is not a commit reference: cannot mix "^" and "~" in "^~"'],
      [{ branch: 'ma ster' }, '"ma ster"', 'input.pfs.branch "ma ster" is not a commit reference: a commit reference cannot contain spaces'],
      [{ branch: 'feature/x' }, '"feature/x"', 'input.pfs.branch "feature/x" is not a commit reference: "/" may only appear in the 1.x form branch/N'],
      [{ branch: 'master.0' }, '"master.0"', 'input.pfs.branch "master.0" is not a commit reference: ".0" names no commit: counting starts at .1 (the first commit)'],
      [{ commit: 'xyz' }, '"xyz"', 'input.pfs.commit "xyz" is not a commit id (32 hexadecimal characters); to name a branch, use branch'],
      [{ branch: 'dev', commit: 'abc' }, '"abc"', 'input.pfs.commit "dev=abc" is not a commit reference: "abc" is not a commit id (32 hexadecimal characters)'],
      [{ branch: 'master^', commit: COMMIT_A }, '"master^"', 'with commit, branch must be a plain branch name, not "master^"'],
      [{ branch: 'master~1', follow: true }, 'true', 'follow keeps "data" on the newest commit of its branch, so its reference must be the branch alone, not "master~1"'],
      [{ commit: COMMIT_A, follow: true }, 'true', `follow keeps "data" on the newest commit of its branch, but "${COMMIT_A}" names no branch`],
    ];
    for (const [pfs, needle, message] of cases) {
      const text = withPfs(pfs);
      assert.equal(await problem(text), `spec.json:${at(text, needle)}: ${message}`);
    }
  });

  test('a 1.x branch/N reference loads, with a warning that says what it became', async () => {
    const text = withPfs({ branch: 'master/3' });
    const loaded = await load(text);
    assert.deepEqual(loaded.service.inputs[0]!.ref.ancestry, { op: '.', count: 4 });
    assert.deepEqual(
      loaded.warnings.map((w) => `${w.position.line}:${w.position.column}: ${w.message}`),
      [`${at(text, '"master/3"')}: Pachyderm 1.x ref "master/3" (commit number 3 of master, counting from 0) is master.4 in Pachyderm 2.x; pachsvc uses the 2.x form`],
    );
  });
});

describe('unsupported Pachyderm fields: one error each, saying why', () => {
  // Where each table's fields go, and the path a message shows for them.
  const places: [string, Record<string, string>, (field: string) => Obj, string][] = [
    ['top level', unsupported.UNSUPPORTED_TOP, (f) => spec({ [f]: {} }), ''],
    ['transform', unsupported.UNSUPPORTED_TRANSFORM, (f) => spec({ transform: { image: 'i', [f]: {} } }), 'transform.'],
    ['input', unsupported.UNSUPPORTED_INPUT, (f) => spec({ input: { pfs: { repo: 'd', glob: '/' }, [f]: {} } }), 'input.'],
    ['pfs', unsupported.UNSUPPORTED_PFS, (f) => spec({ input: { pfs: { repo: 'd', glob: '/', [f]: {} } } }), 'input.pfs.'],
    ['atom', unsupported.UNSUPPORTED_PFS, (f) => spec({ input: { atom: { repo: 'd', glob: '/', [f]: {} } } }), 'input.atom.'],
    ['1.x inputs[]', unsupported.UNSUPPORTED_LEGACY_INPUT, (f) => spec({ input: undefined, inputs: [{ repo: { name: 'd' }, glob: '/', [f]: {} }] }), 'inputs[0].'],
    ['parallelism_spec', unsupported.UNSUPPORTED_PARALLELISM, (f) => spec({ parallelism_spec: { constant: 1, [f]: 1 } }), 'parallelism_spec.'],
    ['service', unsupported.UNSUPPORTED_SERVICE, (f) => spec({ service: { internal_port: 80, [f]: {} } }), 'service.'],
  ];
  for (const [place, table, build, prefix] of places) {
    test(`${place}: ${Object.keys(table).join(', ')}`, async () => {
      for (const [field, why] of Object.entries(table)) {
        const text = json(build(field));
        assert.equal(await problem(text), `spec.json:${at(text, `"${field}"`)}: ${prefix}${field}: ${why}`);
      }
    });
  }

  test('the reasons say why, in the user\'s spelling', async () => {
    const text = json(spec({ s3Out: true, datumTries: 3, input: { cross: [{ pfs: { repo: 'a', glob: '/' } }, { cron: { name: 'tick', spec: '@every 1m' } }] } }));
    assert.deepEqual(await problems(text), [
      `spec.json:${at(text, '"cron"')}: input.cross[1].cron: a cron input makes commits on a schedule for pipelines to process; a service has nothing to trigger (serve the cron repo as a pfs input instead)`,
      `spec.json:${at(text, '"s3Out"')}: s3Out: a service writes no output commit, so there is nothing to expose over S3 (Pachyderm refuses s3_out on services too)`,
      `spec.json:${at(text, '"datumTries"')}: datumTries: a service sees each input whole, as one datum that never finishes: there are no datums to retry (Kubernetes restarts a service whose process exits)`,
    ]);
    const join = json(spec({ input: { join: [{ pfs: { repo: 'a', glob: '/(*)', join_on: '$1' } }] } }));
    assert.deepEqual(await problems(join), [
      `spec.json:${at(join, '"join"')}: input.join: join splits inputs into datums by matching paths; a service checks each input out whole at /pfs/<name> (use cross)`,
    ]);
  });
});

test('every problem is reported at once, sorted by position', async () => {
  const text = [
    '{',
    '  "pipeline": {"name": "x"},',
    '  "zzz": 1,',
    '  "transform": {"image": "i", "stdin": ["a"]},',
    '  "service": {"internal_port": 0, "external_port": 30001, "type": "ClusterIP"},',
    '  "input": {"pfs": {"repo": "a", "glob": "/*", "lazy": true}},',
    '  "s3_out": true',
    '}',
  ].join('\n');
  const lines = await problems(text, STDIN_FILE);
  assert.deepEqual(
    lines.map((l) => l.split(': ')[0]),
    ['<stdin>:3:3', '<stdin>:4:40', '<stdin>:5:32', '<stdin>:5:52', '<stdin>:6:42', '<stdin>:6:48', '<stdin>:7:3'],
  );
  assert.match(lines[0]!, /unknown field "zzz"/);
  assert.match(lines[1]!, /transform\.stdin is fed to cmd/);
  assert.match(lines[2]!, /internal_port must be a port number/);
  assert.match(lines[3]!, /no effect on a ClusterIP Service/);
  assert.match(lines[4]!, /glob "\/\*"/);
  assert.match(lines[5]!, /input\.pfs\.lazy: lazy inputs/);
  assert.match(lines[6]!, /s3_out: a service writes no output commit/);
});
