// Every value of a spec is hostile until checked: keys that are prototype names, files built to exhaust
// time, memory or the stack, values the API server or the container runtime would refuse, text that would
// drive a terminal. Each gets one positioned error (or loads as ordinary data), and nothing hangs.
// Timing: the pathological inputs are asserted on their result; the tests' timeouts are hang guards only.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { quote } from '../../src/lib/text.ts';
import { checkJsonText, JsonLimitError } from '../../src/spec/json-scan.ts';
import { LIMITS } from '../../src/spec/limits.ts';
import { at, json, load, problem, problems, service, spec, valueOf } from './helpers/spec.ts';

const HANG_GUARD = { timeout: 60_000 };
const base = 'pipeline: {name: x}\ntransform: {image: "busybox:1.36"}\nservice: {internal_port: 8080}\n';

describe('prototype names are ordinary keys', () => {
  test('in env, labels, annotations and node selectors', async () => {
    const keys = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
    const map = Object.fromEntries(keys.map((k) => [k, 'v']));
    const s = await service(json(spec({ transform: { image: 'i', env: map }, metadata: { labels: map, annotations: map }, scheduling_spec: { node_selector: map } })));
    for (const m of [s.env, s.labels, s.annotations, s.nodeSelector]) {
      assert.deepEqual(Object.keys(m), keys);
      assert.equal(Object.getPrototypeOf(m), Object.prototype);
      assert.equal(m.constructor, 'v');
    }
  });

  test('"__proto__" is a key too: an environment variable, never a prototype', async () => {
    const text = '{"pipeline": {"name": "x"}, "transform": {"image": "i", "env": {"__proto__": "p", "A": "a"}}, "service": {"internal_port": 80}}';
    const s = await service(text);
    assert.deepEqual(Object.entries(s.env), [
      ['__proto__', 'p'],
      ['A', 'a'],
    ]);
    assert.equal(Object.getPrototypeOf(s.env), Object.prototype);
    // As a label key it is what Kubernetes refuses, and said so.
    const label = '{"pipeline": {"name": "x"}, "transform": {"image": "i"}, "service": {"internal_port": 80}, "metadata": {"labels": {"__proto__": "v"}}}';
    assert.match(await problem(label), /^spec\.json:1:\d+: "__proto__" is not a valid label key: /);
  });

  test('a field named like a prototype property is an unknown field, not a duplicate or a crash', async () => {
    const text = json(spec({ constructor: 1, toString: 2 }));
    assert.deepEqual(await problems(text), [
      `spec.json:${at(text, '"constructor"')}: unknown field "constructor"`,
      `spec.json:${at(text, '"toString"')}: unknown field "toString"`,
    ]);
    const service = json(spec({ service: { internal_port: 80, constructor: 1 } }));
    assert.equal(await problem(service), `spec.json:${at(service, '"constructor"')}: unknown field "constructor" in service`);
  });

  test('a pod_patch path or from through __proto__, constructor or prototype is refused at its place', async () => {
    for (const path of ['/__proto__/polluted', '/containers/0/constructor/prototype', '/prototype']) {
      const text = json(spec({ pod_patch: [{ op: 'add', path, value: 1 }] }));
      const segment = path.split('/').find((s) => ['__proto__', 'constructor', 'prototype'].includes(s));
      assert.equal(
        await problem(text),
        `spec.json:${at(text, JSON.stringify(path))}: pod_patch operation 0: "path" ${JSON.stringify(path)} goes through "${segment}", which names no pod spec field`,
      );
    }
    const move = json(spec({ pod_patch: [{ op: 'copy', from: '/__proto__', path: '/x' }] }));
    assert.match(await problem(move), new RegExp(`^spec\\.json:${at(move, '"/__proto__"')}: pod_patch operation 0: "from" "/__proto__" goes through`));
    const string = json(spec({ pod_patch: '[{"op": "add", "path": "/__proto__/x", "value": 1}]' }));
    assert.match(await problem(string), new RegExp(`^spec\\.json:${at(string, '"[{')}: pod_patch operation 0: "path"`));
  });

  test('a pod_spec key "__proto__" is refused, in either form', async () => {
    const object = '{"pipeline": {"name": "x"}, "transform": {"image": "i"}, "service": {"internal_port": 80}, "pod_spec": {"nodeSelector": {"__proto__": {"a": 1}}}}';
    assert.equal(await problem(object), `spec.json:${at(object, '"__proto__"')}: pod_spec has a key "__proto__" (at "/nodeSelector/__proto__"): no pod spec field is named so`);
    const string = json(spec({ pod_spec: '{"__proto__": {"hostNetwork": true}}' }));
    assert.equal(await problem(string), `spec.json:${at(string, '"{')}: pod_spec has a key "__proto__" (at "/__proto__"): no pod spec field is named so`);
  });
});

describe('bounded reading: a pathological file gets one positioned error, quickly', () => {
  test('a YAML map of 40,000 keys', HANG_GUARD, async () => {
    let text = `${base}metadata:\n  annotations:\n`;
    for (let i = 0; i < 40_000; i++) text += `    k${i}: v\n`;
    const [line, ...rest] = await problems(text, 'spec.yaml');
    assert.match(line!, /^spec\.yaml:\d+:5: the file holds more than 50000 keys and values; a spec holds a few hundred$/);
    assert.deepEqual(rest, []);
  });

  test('the same in JSON', HANG_GUARD, async () => {
    const entries = Array.from({ length: 40_000 }, (_, i) => `"k${i}": "v"`).join(', ');
    const text = `{"pipeline": {"name": "x"}, "transform": {"image": "i"}, "service": {"internal_port": 80}, "metadata": {"annotations": {${entries}}}}`;
    assert.match(await problem(text), /^spec\.json:1:\d+: the file holds more than 50000 keys and values/);
  });

  test('one 31 KB key holding 5,000 items', HANG_GUARD, async () => {
    const key = 'k'.repeat(31_000);
    const items = Array.from({ length: 5000 }, (_, i) => `  - ${i}`).join('\n');
    const explain = 'this field name is 31000 characters long; pachsvc reads names of at most 1024';
    assert.match(await problem(`${base}? ${key}\n:\n${items}\n`, 'spec.yaml'), new RegExp(`^spec\\.yaml:4:3: ${explain} \\("k{40}…" \\(31000 characters\\)\\)$`));
    const jsonText = `{"pipeline": {"name": "x"}, "transform": {"image": "i"}, "service": {"internal_port": 80}, "${key}": [${Array.from({ length: 5000 }, (_, i) => i).join(',')}]}`;
    assert.match(await problem(jsonText), new RegExp(`^spec\\.json:1:${jsonText.indexOf(`"${key}"`) + 1}: ${explain}`));
    // YAML's own rule for a plain key: at most 1024 characters before its ":".
    assert.match(await problem(`${base}${key}:\n${items}\n`, 'spec.yaml'), /^spec\.yaml:4:1: invalid YAML: /);
  });

  test('a 1 MB unknown key', HANG_GUARD, async () => {
    const text = `{"pipeline": {"name": "x"}, "transform": {"image": "i"}, "service": {"internal_port": 80}, "${'x'.repeat(1_000_000)}": 1}`;
    const line = await problem(text);
    assert.match(line, /^spec\.json:1:\d+: this field name is 1000000 characters long/);
    assert.ok(line.length < 300);
    // An unknown key as long as a key may be: no did-you-mean over its whole length.
    const long = json(spec({ ['imag'.repeat(250)]: 1 }));
    assert.equal(await problem(long), `spec.json:${at(long, '"imagimag')}: unknown field "${'imag'.repeat(20)}…" (1000 characters)`);
  });

  for (const [name, make, file] of [
    ['JSON lists nested 1,700 deep', (n: number) => `{"pipeline": {"name": "x"}, "transform": {"image": "i"}, "service": {"internal_port": 80}, "pod_spec": {"a": ${'['.repeat(n)}${']'.repeat(n)}}}`, 'spec.json'],
    ['JSON nested 1,000,000 deep', (n: number) => '['.repeat(n * 600), 'spec.json'],
    ['YAML block maps nested 1,700 deep', (n: number) => `${base}pod_spec:\n${Array.from({ length: n }, (_, i) => `${' '.repeat(2 * i + 2)}a:`).join('\n')} 1\n`, 'spec.yaml'],
    ['YAML flow lists nested 1,700 deep', (n: number) => `${base}pod_spec: ${'['.repeat(n)}${']'.repeat(n)}\n`, 'spec.yaml'],
    ['YAML block lists nested 100,000 deep on one line', (n: number) => `${base}pod_spec:\n  ${'- '.repeat(n * 60)}x\n`, 'spec.yaml'],
  ] as const) {
    test(name, HANG_GUARD, async () => {
      const line = await problem(make(1700), file);
      assert.match(line, /^spec\.(json|yaml):\d+:\d+: this value is nested more than 64 levels deep; a spec is never that deep$/);
      assert.notEqual(line.split(':')[1], '1:1');
    });
  }

  test('64 levels is allowed; the 65th is refused, at the 65th', async () => {
    const nested = (levels: number) => `${base}pod_spec: ${'{"a": '.repeat(levels)}1${'}'.repeat(levels)}\n`;
    // The spec is level 1; pod_spec's maps are levels 2 to 64.
    assert.equal((await service(nested(63), 'spec.yaml')).name, 'x');
    const text = nested(64);
    assert.equal(await problem(text, 'spec.yaml'), `spec.yaml:4:${11 + 6 * 63}: this value is nested more than 64 levels deep; a spec is never that deep`);
    const jsonText = `{"pipeline": {"name": "x"}, "transform": {"image": "i"}, "service": {"internal_port": 80}, "pod_spec": ${'{"a": '.repeat(64)}1${'}'.repeat(64)}}`;
    assert.equal(await problem(jsonText), `spec.json:1:${jsonText.indexOf('{"a"') + 1 + 6 * 63}: this value is nested more than 64 levels deep; a spec is never that deep`);
  });

  test('the limit a JSON text goes beyond is a field of the error (depth or values), not its words', () => {
    const limitOf = (text: string) => {
      try {
        checkJsonText(text);
      } catch (err) {
        assert.ok(err instanceof JsonLimitError);
        return err.limit;
      }
      return undefined;
    };
    assert.equal(limitOf('['.repeat(LIMITS.depth + 1)), 'depth');
    assert.equal(limitOf(`[${'1,'.repeat(LIMITS.values)}1]`), 'values');
    assert.equal(limitOf('[[1]]'), undefined);
  });

  test('a pod_spec string with too many values says so (not that it is too deep)', HANG_GUARD, async () => {
    const text = json(spec({ pod_spec: `[${'1,'.repeat(LIMITS.values)}1]` }));
    assert.equal(await problem(text), `spec.json:${valueOf(text, 'pod_spec')}: pod_spec: the file holds more than ${LIMITS.values} keys and values; a spec holds a few hundred`);
  });

  test('a pod_spec string nested 2,000 deep', HANG_GUARD, async () => {
    const text = json(spec({ pod_spec: `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}` }));
    assert.equal(await problem(text), `spec.json:${valueOf(text, 'pod_spec')}: pod_spec: its JSON is nested more than 64 levels deep`);
  });

  test('a 10 MB value: one short line', HANG_GUARD, async () => {
    for (const [text, file] of [
      [`${base}description: ${'x'.repeat(10_000_000)}\n`, 'spec.yaml'],
      [json(spec({ description: 'x'.repeat(10_000_000) })), 'spec.json'],
    ] as const) {
      const line = await problem(text, file);
      assert.match(line, /: this value is 10000000 characters long; pachsvc reads values of at most 262144/);
      assert.ok(line.length < 300, `${line.length} characters`);
    }
  });

  test('hundreds of problems: the first hundred, and a count of the rest', async () => {
    const text = json(spec(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`unknown${i}`, i]))));
    const lines = await problems(text);
    assert.equal(lines.length, 101);
    assert.match(lines[100]!, /: … and 200 more problems \(200 errors\) from here on, not shown$/);
  });

  test('a spec too large to record in its annotation', HANG_GUARD, async () => {
    const stdin = Array.from({ length: 300 }, () => 'x'.repeat(1000));
    const text = json(spec({ transform: { image: 'i', cmd: ['sh'], stdin } }));
    assert.match(await problem(text), /^spec\.json:1:1: this spec is too large to create: its annotations would take \d+ bytes, and Kubernetes keeps at most 262144 per object/);
  });
});

describe('validate accepts only what the API server and the container runtime accept', () => {
  test('environment variable names: not empty, no "=", printable ASCII', async () => {
    for (const name of ['', 'A=B', 'A\nB', 'A\u0000', 'É']) {
      const text = json(spec({ transform: { image: 'i', env: { [name]: 'v' } } }));
      assert.match(await problem(text), new RegExp(`^spec\\.json:${at(text, JSON.stringify(name))}: ".*" cannot be an environment variable: an environment variable name `), JSON.stringify(name));
    }
    const ok = await service(json(spec({ transform: { image: 'i', env: { '1ST': 'a', 'my.var-x': 'b', 'WITH SPACE': 'c' } } })));
    assert.deepEqual(Object.keys(ok.env), ['1ST', 'my.var-x', 'WITH SPACE']);
    const secret = json(spec({ transform: { image: 'i', secrets: [{ name: 's', env_var: 'A=B', key: 'k' }] } }));
    assert.match(await problem(secret), new RegExp(`^spec\\.json:${at(secret, '"A=B"')}: "A=B" cannot be an environment variable`));
  });

  test('numbers in range: replicas, user and group ids, CPU', async () => {
    const replicas = json(spec({ parallelism_spec: { constant: 2147483648 } }));
    assert.equal(await problem(replicas), `spec.json:${valueOf(replicas, 'constant')}: parallelism_spec.constant must be at most 2147483647, not 2147483648`);
    for (const user of ['2147483648', '1000:99999999999', '99999999999999999999999']) {
      const text = json(spec({ transform: { image: 'i', user } }));
      assert.equal(await problem(text), `spec.json:${at(text, JSON.stringify(user))}: transform.user ${JSON.stringify(user)} is out of range: Kubernetes takes user and group ids from 0 to 2147483647`);
    }
    assert.deepEqual((await service(json(spec({ transform: { image: 'i', user: '2147483647:0' } })))).user, { uid: 2147483647, gid: 0 });
    const huge = '{"pipeline": {"name": "x"}, "transform": {"image": "i"}, "service": {"internal_port": 80}, "resource_limits": {"cpu": 1e400}}';
    assert.equal(await problem(huge), `spec.json:${at(huge, '1e400')}: resource_limits.cpu must be a number or a string, not Infinity`);
    const many = json(spec({ resource_limits: { cpu: 2e6 } }));
    assert.equal(await problem(many), `spec.json:${valueOf(many, 'cpu')}: resource_limits.cpu must be at most 1000000, not 2000000`);
    const manyText = json(spec({ resource_requests: { cpu: '9999999999' } }));
    assert.equal(await problem(manyText), `spec.json:${valueOf(manyText, 'cpu')}: resource_requests.cpu must be at most 1000000 cores, not "9999999999"`);
    const zero = json(spec({ resource_requests: { cpu: '0m' } }));
    assert.equal(await problem(zero), `spec.json:${valueOf(zero, 'cpu')}: resource_requests.cpu must be more than 0, not "0m"`);
    assert.deepEqual((await service(json(spec({ resource_limits: { cpu: 1e6 } })))).resources, { limits: { cpu: '1000000' } });
    const port = json(spec({ service: { internal_port: 80.5 } }));
    assert.equal(await problem(port), `spec.json:${valueOf(port, 'internal_port')}: service.internal_port must be a whole number, not 80.5`);
  });

  test('images: whitespace, invisible characters, upper case and what is no reference are refused', async () => {
    const cases: [string, string][] = [
      [' busybox', 'it contains whitespace (U+0020), which no registry name has'],
      ['busybox\n', 'it contains whitespace (U+000A), which no registry name has'],
      ['\ufeffbusybox', 'it contains an invisible character (U+FEFF), which no registry name has'],
      ['busy\u200bbox', 'it contains an invisible character (U+200B), which no registry name has'],
      ['busybox\u001b[0m', 'it contains an invisible character (U+001B), which no registry name has'],
      ['Jupyter/Notebook', 'repository names are lower case'],
      ['busybox:', 'it is not an image reference ([registry/]name[:tag][@digest], e.g. python:3.12 or ghcr.io/org/app@sha256:…)'],
      ['-busybox', 'it is not an image reference ([registry/]name[:tag][@digest], e.g. python:3.12 or ghcr.io/org/app@sha256:…)'],
    ];
    for (const [image, why] of cases) {
      const text = json(spec({ transform: { image } }));
      assert.equal(await problem(text), `spec.json:${valueOf(text, 'image')}: transform.image ${quote(image)} cannot be pulled: ${why}`, JSON.stringify(image));
    }
    for (const image of ['busybox', 'pachyderm_jupyter', 'python:3.12-slim', 'ghcr.io/org/app:v1.2', 'localhost:5000/a/b', `r.io/x@sha256:${'a'.repeat(64)}`, '[::1]:5000/img:tag', 'My-Registry.example.com/app']) {
      assert.equal((await service(json(spec({ transform: { image } })))).image, image);
    }
  });

  test('Secrets: names are DNS subdomains; keys are file names; mounts have paths of their own, away from /pfs', async () => {
    for (const name of ['a..b', '.a', 'a.-b']) {
      const text = json(spec({ transform: { image: 'i', image_pull_secrets: [name] } }));
      assert.equal(await problem(text), `spec.json:${at(text, JSON.stringify(name))}: transform.image_pull_secrets[0] ${JSON.stringify(name)} is not a valid Kubernetes name: use lower-case letters, digits, "-" and "."`);
    }
    for (const key of ['../x', 'a/b', '..hidden', '.']) {
      const text = json(spec({ transform: { image: 'i', secrets: [{ name: 's', env_var: 'X', key }] } }));
      assert.match(await problem(text), new RegExp(`^spec\\.json:${at(text, JSON.stringify(key))}: `), key);
    }
    const mounts = json(
      spec({
        transform: {
          image: 'i',
          secrets: [
            { name: 'a', mount_path: '/etc/a' },
            { name: 'b', mount_path: '/etc//a/' },
            { name: 'c', mount_path: '/pfs' },
            { name: 'd', mount_path: '/pfs/data/x' },
            { name: 'e', mount_path: '/' },
          ],
        },
      }),
    );
    assert.deepEqual(await problems(mounts), [
      `spec.json:${at(mounts, '"/etc//a/"')}: secret "b" is mounted at "/etc//a/", where transform.secrets[0] is mounted already: two volumes cannot share a path`,
      `spec.json:${at(mounts, '"/pfs"')}: secret "c" cannot be mounted at "/pfs": /pfs holds the inputs (mount it elsewhere, e.g. /etc/secrets/c)`,
      `spec.json:${at(mounts, '"/pfs/data/x"')}: secret "d" cannot be mounted at "/pfs/data/x": /pfs holds the inputs (mount it elsewhere, e.g. /etc/secrets/d)`,
      `spec.json:${at(mounts, '"/"}')}: secret "e" cannot be mounted at "/": it would hide the whole image`,
    ]);
  });

  test('labels and node selectors in Kubernetes syntax', async () => {
    const text = json(
      spec({
        metadata: { labels: { 'example.com/team': 'data', 'a/b/c': 'v', [`${'p'.repeat(254)}/x`]: 'v', ['n'.repeat(64)]: 'v' } },
        scheduling_spec: { node_selector: { 'kubernetes.io/os': 'linux', 'bad key': 'v', zone: 'has space' } },
      }),
    );
    const lines = await problems(text);
    assert.deepEqual(
      lines.map((l) => l.split(': ').slice(0, 2).join(': ')),
      [
        `spec.json:${at(text, '"a/b/c"')}: "a/b/c" is not a valid label key`,
        `spec.json:${at(text, '"ppp')}: "${'p'.repeat(80)}…" (256 characters) is not a valid label key`,
        `spec.json:${at(text, '"nnn')}: "${'n'.repeat(64)}" is not a valid label key`,
        `spec.json:${at(text, '"bad key"')}: "bad key" is not a valid node label key`,
        `spec.json:${at(text, '"has space"')}: node selector "zone" has an invalid value "has space"`,
      ],
    );
  });

  test('input names: not starting with "-", and with a letter or digit for the container name', async () => {
    const dash = json(spec({ input: { pfs: { name: '-rf', repo: 'data', glob: '/' } } }));
    assert.equal(await problem(dash), `spec.json:${at(dash, '"-rf"')}: input name "-rf" cannot start with "-": it is passed to env(1) as <name>_COMMIT=…, which would read it as an option`);
    for (const name of ['_', '__', '_-_', `${'_'.repeat(50)}a`]) {
      const text = json(spec({ input: { pfs: { name, repo: 'data', glob: '/' } } }));
      assert.equal(
        await problem(text),
        `spec.json:${at(text, JSON.stringify(name))}: input name ${JSON.stringify(name)} needs a letter or digit (in its first 50 characters): its checkout container is named after it, and a container name cannot be empty or end in "-"`,
      );
    }
    assert.equal((await service(json(spec({ input: { pfs: { name: '_a', repo: 'data', glob: '/' } } })))).inputs[0]!.name, '_a');
    // A repo named "-x" is Pachyderm's to allow (the checkout ends pachctl's options with --); as the
    // input's name, it is refused.
    assert.equal((await service(json(spec({ input: { pfs: { name: 'd', repo: '-x', glob: '/' } } })))).inputs[0]!.repo, '-x');
    const legacy = json(spec({ input: undefined, inputs: [{ commit: { repo: { name: '-x' }, id: 'master' } }] }));
    assert.match(await problem(legacy), new RegExp(`^spec\\.json:${at(legacy, '"-x"')}: input name "-x" cannot start with "-"`));
  });

  test('tolerations as the API server checks them', async () => {
    const text = json(
      spec({
        tolerations: [
          { operator: 'EQUAL', value: 'v' },
          { key: 'k', operator: 'EXISTS', value: 'v' },
          { key: 'bad key', operator: 'EQUAL', value: 'not ok!' },
          { key: 'k', operator: 'EXISTS', effect: 'NO_SCHEDULE', toleration_seconds: 5 },
        ],
      }),
    );
    const lines = await problems(text);
    assert.equal(lines.length, 5, lines.join('\n'));
    assert.match(lines[0]!, /a toleration without a key matches every taint, so its operator must be "EXISTS"/);
    assert.match(lines[1]!, /a toleration with operator Exists matches any value, so it cannot give one \("v"\)/);
    assert.match(lines[2]!, /toleration key "bad key" is not valid/);
    assert.match(lines[3]!, /toleration value "not ok!" is not valid/);
    assert.match(lines[4]!, /tolerations\[3\]\.toleration_seconds applies to NoExecute taints only/);
    assert.equal((await service(json(spec({ tolerations: [{ operator: 'EXISTS' }] })))).tolerations.length, 1);
  });

  test('the command names a program: cmd[0] is not empty', async () => {
    const text = json(spec({ transform: { image: 'i', cmd: ['', 'x'] } }));
    assert.equal(await problem(text), `spec.json:${at(text, '"",')}: transform.cmd[0] is empty: it names the program to run`);
  });

  test('commit reference counts in range', async () => {
    const text = json(spec({ input: { pfs: { repo: 'data', branch: 'master^99999999999', glob: '/' } } }));
    assert.equal(await problem(text), `spec.json:${at(text, '"master^99999999999"')}: input.pfs.branch "master^99999999999" is not a commit reference: "99999999999" is too large a count`);
  });
});

describe('messages quote every user value', () => {
  test('escape sequences and line breaks never reach the terminal raw', async () => {
    const esc = '\u001b[2J\u001b]52;c;AAAA\u0007';
    const text = json(spec({ [`x${esc}\nfake.json:1:1: all good`]: 1, service: { internal_port: 80, type: esc } }));
    const lines = await problems(text);
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.doesNotMatch(line, /[\u0000-\u001f\u007f]/);
    }
    assert.match(lines[0]!, /service\.type must be one of ClusterIP, NodePort, LoadBalancer, not "\\u001b\[2J/);
    assert.match(lines[1]!, /unknown field "x\\u001b\[2J\\u001b\]52;c;AAAA\\u0007\\nfake\.json:1:1: all good"/);
  });

  test('a bidi override or a line separator in a key path is escaped', async () => {
    const text = json(spec({ metadata: { labels: { 'a\u202eb': 'v' } } }));
    assert.match(await problem(text), /"a\\u202eb" is not a valid label key/);
  });
});

describe('%YAML 1.1 documents', () => {
  test('timestamps, sexagesimals and yes/no stay the text written', async () => {
    const text = `%YAML 1.1\n---\n${base}description: 2001-12-14 21:59:43.10 -5\ntransform:\n  image: busybox:1.36\n  env: {WHEN: 2001-12-14, T: 1:30, Y: yes, O: 0777}\n`.replace('transform: {image: "busybox:1.36"}\n', '');
    const s = await service(text, 'spec.yaml');
    assert.equal(s.description, '2001-12-14 21:59:43.10 -5');
    assert.deepEqual(s.env, { WHEN: '2001-12-14', T: '1:30', Y: 'yes', O: '0777' });
  });

  test('!!omap, !!set, !!binary and local tags: an error at the tagged value', async () => {
    for (const [value, tag] of [
      ['!!omap [{internal_port: 80}]', '!!omap'],
      ['!!set {a, b}', '!!set'],
      ['!!binary aGVsbG8=', '!!binary'],
      ['!local {internal_port: 80}', '!local'],
    ]) {
      const text = `%YAML 1.1\n---\npipeline: {name: x}\ntransform: {image: "busybox:1.36"}\nservice: ${value}\n`;
      assert.equal(await problem(text, 'spec.yaml'), `spec.yaml:5:${10 + tag!.length + 1}: the YAML tag "${tag}" is not supported in specs: write plain maps, lists and scalars`);
    }
  });

  test('a dotted key is shown as written', async () => {
    const text = `${base}foo.bar: 1\nservice.type: x\n`;
    assert.deepEqual(await problems(text, 'spec.yaml'), ['spec.yaml:4:1: unknown field "foo.bar"', 'spec.yaml:5:1: unknown field "service.type"']);
  });
});


test('load() of an ordinary spec still gives no warnings', async () => {
  assert.deepEqual((await load(json(spec()))).warnings, []);
});
