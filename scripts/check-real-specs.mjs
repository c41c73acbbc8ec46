// Runs the built CLI's `validate` and `render -o json` over a folder of real Pachyderm spec files and
// checks them against test/fixtures/pachyderm-specs/manifest.json (what each file holds, gathered from
// public Pachyderm repositories of many versions):
//   - a file with services renders a Deployment and a Service per service, each Deployment with one
//     checkout init container per input;
//   - a file of batch pipelines alone exits 1 with a positioned "no service section" message, never a
//     parse error.
// The files themselves are not in this repository (see the folder's SOURCES.md); point the script at them:
//   node scripts/check-real-specs.mjs [DIR]        (default: $PACHSVC_REAL_SPECS, then ../shared/fixtures/pachyderm-specs)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'test/fixtures/pachyderm-specs/manifest.json'), 'utf8'));
const dir = resolve(process.argv[2] ?? process.env.PACHSVC_REAL_SPECS ?? join(root, '../shared/fixtures/pachyderm-specs'));
if (!existsSync(dir)) {
  console.error(`no spec folder at ${dir}: pass the folder holding the files manifest.json lists`);
  process.exit(2);
}
const cli = (args) => spawnSync(process.execPath, [join(root, 'bin/pachsvc'), ...args, '--no-color'], { encoding: 'utf8', cwd: root });
const results = { ok: 0, expectedFailure: 0, wrong: 0, missing: 0 };
for (const entry of manifest) {
  const file = join(dir, entry.file);
  if (!existsSync(file)) {
    results.missing++;
    continue;
  }
  const bytes = readFileSync(file);
  if (createHash('sha256').update(bytes).digest('hex') !== entry.sha256) {
    console.log(`CHANGED  ${entry.file}: its sha256 differs from the manifest's`);
    results.wrong++;
    continue;
  }
  const validate = cli(['validate', '-f', file]);
  const render = cli(['render', '-o', 'json', '-f', file]);
  const services = entry.services.length;
  let verdict;
  if (services > 0) {
    if (render.status === 0) {
      const items = JSON.parse(render.stdout).items;
      const deployments = items.filter((o) => o.kind === 'Deployment');
      const kubeServices = items.filter((o) => o.kind === 'Service');
      const checkouts = deployments.every((d) => (d.spec.template.spec.initContainers ?? []).every((c) => c.name.startsWith('checkout-')));
      verdict = deployments.length === services && kubeServices.length === services && checkouts && validate.status === 0 ? 'OK' : 'WRONG';
      if (verdict === 'WRONG') console.log(`WRONG    ${entry.file}: ${deployments.length} Deployments, ${kubeServices.length} Services for ${services} services (validate exit ${validate.status})`);
    } else {
      // Files Pachyderm itself refuses (doc templates, broken JSON, s3_out on a service) must fail at a place.
      const positioned = /:\d+:\d+: /.test(render.stderr) && render.status === 1 && validate.status === 1;
      verdict = entry.strict_parse === 'fails' || /template|placeholder|rejects|refuse|not valid|invalid/i.test(entry.notes ?? '') ? (positioned ? 'EXPECTED' : 'WRONG') : 'WRONG';
      console.log(`${verdict === 'EXPECTED' ? 'REFUSED ' : 'WRONG   '} ${entry.file}: ${render.stderr.split('\n')[0]}`);
    }
  } else {
    const positioned = /^\S+:\d+:\d+: /m.test(render.stderr);
    const aboutService = /(no|without a) service section/.test(render.stderr);
    const parseError = /invalid JSON|invalid YAML/.test(render.stderr);
    verdict = render.status === 1 && validate.status === 1 && positioned && (aboutService || (entry.strict_parse === 'fails' && parseError)) ? (aboutService ? 'OK' : 'EXPECTED') : 'WRONG';
    if (verdict !== 'OK') console.log(`${verdict === 'EXPECTED' ? 'REFUSED ' : 'WRONG   '} ${entry.file}: ${render.stderr.split('\n')[0]}`);
  }
  if (verdict === 'OK') results.ok++;
  else if (verdict === 'EXPECTED') results.expectedFailure++;
  else results.wrong++;
}
console.log(`\n${manifest.length} files: ${results.ok} as expected, ${results.expectedFailure} refused as Pachyderm refuses them (broken or template files), ${results.wrong} wrong, ${results.missing} missing`);
process.exit(results.wrong > 0 || results.missing === manifest.length ? 1 : 0);
