// Golden manifests: test/golden/<example>.yaml is what `render` prints for examples/<example>.*, with fixed
// options (helpers/render.ts OPTIONS: version 0.0.0-test, pachyderm/pachctl:2.11.6, the default pachd
// address). Compared byte for byte, so any change to a manifest shows up in review as a diff.
//
// To accept a change: UPDATE_GOLDEN=1 npm run test:unit   (then read the diff of test/golden/ before committing)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { formatObjects } from '../../src/cli/output/objects.ts';
import { renderService } from '../../src/render/index.ts';
import { loadSpec } from '../../src/spec/load.ts';
import { OPTIONS } from './helpers/render.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url);
const GOLDEN = new URL('../golden/', import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const examples = readdirSync(EXAMPLES).sort();
const goldenName = (example: string) => example.replace(/\.(json|ya?ml)$/, '.yaml');

for (const example of examples) {
  test(`examples/${example} renders as test/golden/${goldenName(example)}`, async () => {
    const loaded = await loadSpec(readFileSync(new URL(example, EXAMPLES), 'utf8'), { file: `examples/${example}` });
    const rendered = formatObjects(renderService(loaded.service, OPTIONS), 'yaml');
    const golden = new URL(goldenName(example), GOLDEN);
    if (UPDATE) writeFileSync(golden, rendered);
    assert.ok(existsSync(golden), `no test/golden/${goldenName(example)}: run UPDATE_GOLDEN=1 npm run test:unit`);
    assert.equal(rendered, readFileSync(golden, 'utf8'), `examples/${example} renders differently; if that is intended: UPDATE_GOLDEN=1 npm run test:unit`);
  });
}

for (const example of examples) {
  test(`test/golden/${goldenName(example)} reads back (YAML 1.2 and 1.1) as the objects' JSON`, async () => {
    const loaded = await loadSpec(readFileSync(new URL(example, EXAMPLES), 'utf8'), { file: `examples/${example}` });
    const objects = JSON.parse(JSON.stringify(renderService(loaded.service, OPTIONS)));
    const text = readFileSync(new URL(goldenName(example), GOLDEN), 'utf8');
    for (const version of ['1.2', '1.1'] as const) {
      const docs = parseAllDocuments(text, { version });
      assert.ok(Array.isArray(docs), 'the golden file is YAML documents');
      for (const doc of docs) assert.deepEqual(doc.errors, [], `YAML ${version}: ${doc.errors.join('; ')}`);
      assert.deepEqual(docs.map((d) => d.toJS()), objects, `YAML ${version} reads another value from test/golden/${goldenName(example)}`);
    }
  });
}

test('every golden file has its example', () => {
  assert.deepEqual(readdirSync(GOLDEN).sort(), examples.map(goldenName).sort());
});
