// Files of several specs (src/spec/load.ts loadSpecs), in every form pachctl reads them: JSON objects one
// after another (Pachyderm 1.x), `---`-separated JSON or YAML documents, a JSON or YAML list of specs.
// Each spec keeps its index and where it starts; every problem points into the right document; batch
// pipelines (no service section) are left to pachctl, with one line each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../src/spec/diagnostics.ts';
import { STDIN_FILE } from '../../src/spec/load.ts';
import { at, fileProblems, json, loadAll, problem, service, spec } from './helpers/spec.ts';

const named = (name: string, extra: Record<string, unknown> = {}) => spec({ pipeline: { name }, ...extra });
const yamlSpec = (name: string) => `pipeline:\n  name: ${name}\ntransform:\n  image: busybox:1.36\nservice:\n  internal_port: 8080\n`;
const summary = async (text: string, file: string) =>
  (await loadAll(text, file)).specs.map((s) => [s.document, `${s.at.line}:${s.at.column}`, s.service.name]);

describe('the forms of a file of specs', () => {
  test('JSON objects one after another (Pachyderm 1.x), with comments between them', async () => {
    const text = `${json(named('a'), true)}\n// the second\n${json(named('b'))}\n\n${json(named('c'))}`;
    assert.deepEqual(await summary(text, 'specs.json'), [
      [0, '1:1', 'a'],
      [1, at(text, '{"pipeline":{"name":"b"'), 'b'],
      [2, at(text, '{"pipeline":{"name":"c"'), 'c'],
    ]);
  });

  test('JSON documents separated by ---', async () => {
    const text = `${json(named('a'))}\n---\n${json(named('b'))}\n---\n`;
    assert.deepEqual(await summary(text, 'specs.json'), [
      [0, '1:1', 'a'],
      [1, '3:1', 'b'],
    ]);
  });

  test('YAML documents separated by ---, empty ones skipped', async () => {
    const text = `---\n${yamlSpec('a')}---\n# nothing here\n---\n${yamlSpec('b')}...\n`;
    assert.deepEqual(await summary(text, 'specs.yaml'), [
      [0, '2:1', 'a'],
      [1, '11:1', 'b'],
    ]);
  });

  test('a JSON list of specs, and a YAML one; the items count one by one', async () => {
    const list = `[\n  ${json(named('a'))},\n  ${json(named('b'))}\n]`;
    assert.deepEqual(await summary(list, 'specs.json'), [
      [0, '2:3', 'a'],
      [1, '3:3', 'b'],
    ]);
    const yaml = `- ${yamlSpec('a').trimEnd().replace(/\n/g, '\n  ')}\n- ${yamlSpec('b').trimEnd().replace(/\n/g, '\n  ')}\n---\n${yamlSpec('c')}`;
    assert.deepEqual(await summary(yaml, 'specs.yaml'), [
      [0, '1:3', 'a'],
      [1, '7:3', 'b'],
      [2, '14:1', 'c'],
    ]);
  });

  test('stdin: JSON by its first character, YAML otherwise', async () => {
    assert.equal((await loadAll(`${json(named('a'))}\n${json(named('b'))}`, STDIN_FILE)).specs.length, 2);
    assert.equal((await loadAll(`${yamlSpec('a')}---\n${yamlSpec('b')}`, STDIN_FILE)).specs.length, 2);
  });

  test('each spec is loaded on its own: warnings and positions are its own', async () => {
    const text = `${json(named('a'))}\n${json(named('b', { input: { pfs: { repo: 'data', branch: 'master/0', glob: '/' } } }))}`;
    const { specs } = await loadAll(text, 'specs.json');
    assert.deepEqual(specs[0]!.warnings, []);
    assert.deepEqual(specs[1]!.warnings.map(formatDiagnostic), [
      `specs.json:${at(text, '"master/0"')}: warning: Pachyderm 1.x ref "master/0" (commit number 0 of master, counting from 0) is master.1 in Pachyderm 2.x; pachsvc uses the 2.x form`,
    ]);
    assert.deepEqual(specs[1]!.positionOf('/input/pfs/branch'), { line: 2, column: Number(at(text, '"master/0"').split(':')[1]) });
  });
});

describe('batch pipelines in a file: pachctl creates them', () => {
  const train = json({ pipeline: { name: 'train' }, transform: { image: 'trainer:1' }, input: { pfs: { repo: 'data', glob: '/*' } } });

  test('beside services, one warning each, at the spec; the services load', async () => {
    const text = `${json(named('a'))}\n${train}\n${json(named('b'))}`;
    const loaded = await loadAll(text, 'specs.json');
    assert.deepEqual(
      loaded.specs.map((s) => [s.document, s.service.name]),
      [
        [0, 'a'],
        [2, 'b'],
      ],
    );
    assert.deepEqual(loaded.pipelines.map(formatDiagnostic), [
      'specs.json:2:1: warning: pipeline "train" has no service section: pachsvc runs services; create batch pipelines with pachctl',
    ]);
  });

  test('alone, an error (so is a spout without a service)', async () => {
    const spout = json({ pipeline: { name: 'feed' }, transform: { image: 'feeder:1' }, spout: {} });
    assert.deepEqual(await fileProblems(`${train}\n${spout}`, 'specs.json'), [
      'specs.json:1:1: pipeline "train" has no service section: pachsvc runs services; create batch pipelines with pachctl',
      'specs.json:2:1: pipeline "feed" is a spout without a service section: pachsvc runs services; create spouts with pachctl',
    ]);
  });

  test('a batch pipeline is not checked: what only pipelines have (join, glob "/*", datum_tries) is pachctl\'s business', async () => {
    const pipeline = json({ pipeline: { name: 'j' }, transform: { image: 'x' }, datum_tries: 3, input: { join: [] } });
    assert.deepEqual((await loadAll(`${pipeline}\n${json(named('a'))}`, 'specs.json')).pipelines.length, 1);
  });
});

describe('problems point into the right document', () => {
  test('a JSON syntax error in the fifth document', async () => {
    const good = [1, 2, 3, 4].map((i) => json(named(`s${i}`))).join('\n');
    const text = `${good}\n{"pipeline": {"name": "x"},\n  "service": }`;
    assert.deepEqual(await fileProblems(text, 'specs.json'), ['specs.json:6:14: invalid JSON: unexpected token RBrace found']);
  });

  test('a YAML syntax error in the fifth document', async () => {
    const text = `${[1, 2, 3, 4].map((i) => yamlSpec(`s${i}`)).join('---\n')}---\npipeline:\n  name: [x\ntransform: {}\n`;
    const [line] = await fileProblems(text, 'specs.yaml');
    // The fifth document is lines 29-31; the parser notices the unclosed list on its last line.
    assert.match(line!, /^specs\.yaml:(29|3[01]):\d+: invalid YAML: /);
  });

  test('every problem of every spec, each at its own place, in file order', async () => {
    const text = [json(named('a', { zzz: 1 })), json(named('b')), json(named('c', { service: { internal_port: 0 } }))].join('\n');
    assert.deepEqual(await fileProblems(text, 'specs.json'), [
      `specs.json:1:${at(text, '"zzz"').split(':')[1]}: unknown field "zzz"`,
      `specs.json:3:${text.split('\n')[2]!.indexOf('0}') + 1}: service.internal_port must be a port number from 1 to 65535, not 0`,
    ]);
  });

  test('a spec that is not an object, at its place', async () => {
    assert.deepEqual(await fileProblems(`${json(named('a'))}\n42`, 'specs.json'), ['specs.json:2:1: the spec must be an object, not 42']);
    assert.deepEqual(await fileProblems(`- ${yamlSpec('a').trimEnd().replace(/\n/g, '\n  ')}\n- just text\n`, 'specs.yaml'), [
      'specs.yaml:7:3: the spec must be an object, not "just text"',
    ]);
  });

  test('text after the last JSON value, at its place', async () => {
    assert.deepEqual(await fileProblems(`${json(named('a'))}\n}`, 'specs.json'), ['specs.json:2:1: invalid JSON: unexpected token RBrace found']);
  });
});

describe('names in a file of several specs', () => {
  test('each spec names itself: neither --name nor the file name can name two', async () => {
    const unnamed = json(spec({ pipeline: undefined }));
    assert.deepEqual(await fileProblems(`${json(named('a'))}\n${unnamed}`, 'specs.json'), [
      "specs.json:2:1: this spec names no service (no pipeline.name): in a file of 2 specs, each must name itself (--name and the file name name a file's only spec)",
    ]);
  });

  test('--name applies to a file of one spec only; with several it is ignored, said once', async () => {
    assert.equal((await service(json(spec({ pipeline: undefined })), 'one.json', { name: 'flag' })).name, 'flag');
    const loaded = await loadAll(`${json(named('a'))}\n${json(named('b'))}`, 'specs.json', { name: 'flag' });
    assert.deepEqual(
      loaded.specs.map((s) => s.service.name),
      ['a', 'b'],
    );
    assert.deepEqual(loaded.specs.flatMap((s) => s.warnings).map(formatDiagnostic), [
      `specs.json:1:1: warning: --name "flag" is ignored: the file holds 2 specs, and --name names a file's only spec`,
    ]);
  });

  test('two services of one name, at the second', async () => {
    const text = `${json(named('web'))}\n${json(named('Web'))}`;
    assert.deepEqual(await fileProblems(text, 'specs.json'), [
      `specs.json:2:${at(text, '"Web"').split(':')[1]}: the service name "web" is taken by the spec at line 1 (spec 1 of the file): each service needs its own name`,
    ]);
  });
});

describe('loadSpec, for commands that take one spec', () => {
  test('a file of several specs is refused at the second', async () => {
    assert.equal(await problem(`${json(named('a'))}\n\n${json(named('b'))}`), 'spec.json:3:1: this file holds more than one spec; pachsvc takes one service per file');
    assert.equal(await problem(`[${json(named('a'))}, ${json(named('b'))}]`), `spec.json:1:${3 + json(named('a')).length + 1}: this file holds more than one spec; pachsvc takes one service per file`);
  });

  test('a list of one spec is that spec', async () => {
    assert.equal((await service(`[${json(named('only'))}]`)).name, 'only');
  });
});
