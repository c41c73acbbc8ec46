// The library (`import … from 'pachsvc'`, src/index.ts) in process: it hands out the very functions the
// CLI runs, validateSpec reports what `pachsvc validate` reports without throwing, and rendered objects
// are those `pachsvc render` prints. (Packing, installing and importing the built library, with its
// types, is test/unit/package.test.ts.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as lib from '../../src/index.ts';
import * as render from '../../src/render/index.ts';
import * as diagnostics from '../../src/spec/diagnostics.ts';
import * as load from '../../src/spec/load.ts';
import { runIn } from '../helpers/test-factory.ts';
import { json, spec } from './helpers/spec.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/jupyter.json', import.meta.url));

describe('the library', () => {
  test('re-exports the functions the CLI runs, not copies', () => {
    assert.equal(lib.loadSpec, load.loadSpec);
    assert.equal(lib.loadSpecs, load.loadSpecs);
    assert.equal(lib.renderService, render.renderService);
    assert.equal(lib.renderWithNotes, render.renderWithNotes);
    assert.equal(lib.SpecError, diagnostics.SpecError);
    assert.equal(lib.RenderError, render.RenderError);
    assert.equal(lib.PatchError, render.PatchError);
    assert.equal(lib.formatDiagnostic, diagnostics.formatDiagnostic);
  });

  test('a spec file to objects: what `pachsvc render -o json` prints', async () => {
    const { service, dialect } = await lib.loadSpec(readFileSync(EXAMPLE, 'utf8'), { file: EXAMPLE });
    assert.equal(service.name, 'jupyter');
    assert.equal(dialect, 'pachyderm-1.x');
    const objects = lib.renderService(service, lib.defaultRenderOptions());
    const cli = await runIn(['render', '-f', EXAMPLE, '-o', 'json']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(objects, JSON.parse(cli.stdout).items);
  });

  test('defaultRenderOptions: the CLI flags\' defaults, overridable', () => {
    assert.deepEqual(lib.defaultRenderOptions(), {
      pachctlImage: `pachyderm/pachctl:${lib.DEFAULT_PACHCTL_VERSION}`,
      pachdAddress: 'grpc://pachd.default.svc.cluster.local:30650',
      version: lib.VERSION,
    });
    const options = lib.defaultRenderOptions({ namespace: 'apps', pachdAddress: lib.defaultPachdAddress('pachyderm') });
    assert.equal(options.namespace, 'apps');
    assert.equal(options.pachdAddress, 'grpc://pachd.pachyderm.svc.cluster.local:30650');
  });

  test('validateSpec: the services of a valid text, with its warnings', async () => {
    const result = await lib.validateSpec(readFileSync(EXAMPLE, 'utf8'), { file: 'jupyter.json' });
    assert.equal(result.valid, true);
    assert.deepEqual(result.services, [{ name: 'jupyter', dialect: 'pachyderm-1.x', inputs: 1 }]);
    assert.deepEqual(
      result.diagnostics.map((d) => lib.formatDiagnostic(d)),
      ['jupyter.json:23:17: warning: Pachyderm 1.x ref "master/0" (commit number 0 of master, counting from 0) is master.1 in Pachyderm 2.x; pachsvc uses the 2.x form'],
    );
  });

  test('validateSpec: every problem at its place, never thrown', async () => {
    const broken = await lib.validateSpec('{\n  "pipeline": {"name": "x"},\n  "transform": {"imgae": "busybox"},\n  "service": {"internal_port": 80}\n}', { file: 'bad.json' });
    assert.equal(broken.valid, false);
    assert.deepEqual(broken.services, []);
    assert.ok(broken.diagnostics.some((d) => d.severity === 'error' && d.position.line === 3 && /unknown field "imgae"/.test(d.message)), JSON.stringify(broken.diagnostics));
    const notJson = await lib.validateSpec('{', { file: 'cut.json' });
    assert.equal(notJson.valid, false);
    assert.equal(notJson.diagnostics[0]?.file, 'cut.json');
    // What only rendering finds (a pod_patch that cannot apply) is an error at the operation; what it
    // undoes of pachsvc's pod, a warning there.
    const text = json(spec({ pod_patch: [{ op: 'remove', path: '/initContainers/0' }, { op: 'remove', path: '/nonexistent' }] }), true);
    const patched = await lib.validateSpec(text, { file: 'patch.json' });
    assert.equal(patched.valid, false);
    const errors = patched.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /^pod_patch operation 1 \(remove \/nonexistent\): /);
    // At the operation: the `{` two lines above its path.
    assert.equal(errors[0]!.position.line, text.split('\n').findIndex((l) => l.includes('/nonexistent')) + 1 - 2);
    const warned = await lib.validateSpec(json(spec({ pod_patch: [{ op: 'remove', path: '/initContainers/0' }] })), { file: 'warn.json' });
    assert.equal(warned.valid, true);
    assert.match(warned.diagnostics.map((d) => `${d.severity} ${d.message}`).join('\n'), /^warning pod_patch operation 0 removes the checkout container "checkout-data"/m);
  });

  test('loadSpec throws SpecError with every problem, as the CLI prints them', async () => {
    await assert.rejects(
      () => lib.loadSpec('{"pipeline": {"name": "x"}, "transform": {"image": "i"}}', { file: 'p.json' }),
      (err: unknown) => err instanceof lib.SpecError && /p\.json:1:1: pipeline "x" has no service section/.test(err.message),
    );
  });
});
