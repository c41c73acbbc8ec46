// edit: the spec a service was created from, in the user's editor (as kubectl edit and pachctl edit
// pipeline). On save it is checked and written like `update`; a spec that does not load is reopened with
// its errors at the top; saving it unchanged, or empty, cancels; the name cannot change.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSpec, recordedInputs, type RecordedInput } from '../../contract.ts';
import { SpecError } from '../../spec/diagnostics.ts';
import type { ServiceSpec } from '../../spec/model.ts';
import { formatRef } from '../../spec/ref.ts';
import { defineCommand } from '../command.ts';
import { CLUSTER_FLAGS, durationFlag, serviceArg, type ClusterFlags } from '../flags/cluster.ts';
import { EXIT } from '../output/errors.ts';
import { warn, writeLine } from '../output/iostreams.ts';
import { report } from '../output/report.ts';
import { toYaml } from '../output/yaml.ts';
import { pinInputs, tokenReader } from '../pinning.ts';
import { loadOne, recordedRenderOptions } from '../recorded.ts';
import { renderLoaded } from '../specs.ts';
import { waitFor } from './apply.ts';
import { historyMaxFlag, WRITE_FLAGS, type WriteFlags } from '../flags/write.ts';

type Args = ClusterFlags & { name: string; pin: boolean } & WriteFlags;

const SCHEMA_URL = 'https://pachsvc.io/schemas/v1/service.schema.json';

export const EDIT = defineCommand<Args>({
  name: 'edit',
  args: '<name>',
  completes: 'service',
  summary: 'Edit the spec of a service in your editor ($PACHSVC_EDITOR, $EDITOR, vi); saving applies it like update',
  positionals: { name: { type: 'string', describe: 'The service' } },
  flags: {
    ...CLUSTER_FLAGS,
    pin: { type: 'boolean', default: true, describe: 'Pin inputs whose reference you changed to their current commit (unchanged inputs keep theirs)' },
    ...WRITE_FLAGS,
  },
  examples: [
    ['$0 edit jupyter', 'Change the spec in $EDITOR; saving applies it'],
    ['PACHSVC_EDITOR="code --wait" $0 edit jupyter', 'With another editor'],
  ],
  async run(args, f) {
    const name = serviceArg(args.name, 'edit');
    const timeoutMs = durationFlag('timeout', args.timeout, 'edit');
    const historyMax = historyMaxFlag(args['history-max'], 'edit');
    const kube = await f.kube(args, 'edit');
    const k8s = await import('../../cluster/index.ts');
    const live = await k8s.readLive(kube, kube.namespace, name);
    k8s.decideWrite('edit', live, name, kube.namespace);
    const spec = decodeSpec(live.deployment?.metadata.annotations);
    if (!spec) throw new k8s.ClusterError('Invalid', `service "${name}" records no spec to edit (its Deployment has no pachsvc.io/spec annotation): apply a spec file instead`);
    const recorded = recordedInputs(live.deployment?.metadata.annotations);
    const opened = k8s.currentRevision(live);
    // The checkout image, pachd address and token Secret the service already has.
    const options = recordedRenderOptions(live.deployment, 'edit');
    const token = tokenReader(kube, options);

    const dir = mkdtempSync(join(tmpdir(), 'pachsvc-edit-'));
    const file = join(dir, `${name}.yaml`);
    const original = toYaml({ $schema: SCHEMA_URL, ...spec });
    let body = original;
    let problems: string[] = [];
    let lastBroken: string | undefined;
    try {
      for (;;) {
        const header = headerFor(name, problems);
        writeFileSync(file, header + body, { mode: 0o600 });
        await f.editFile(file);
        const saved = stripHeader(readFileSync(file, 'utf8'));
        if (saved.trim() === '' || saved === original) {
          writeLine(f.io.stderr, 'Edit cancelled, no changes made.');
          return EXIT.ok;
        }
        if (saved === lastBroken) {
          writeLine(f.io.stderr, `Edit cancelled, no valid changes were saved. A copy of your changes is in ${keepCopy(name, saved)}`);
          return EXIT.failure;
        }
        const lines = header.split('\n').length - 1;
        let objects;
        try {
          const loaded = await loadOne(saved, 'spec', name, f.io, 'edit');
          // Inputs left as they were keep the commits they serve; changed ones are pinned anew.
          const kept = keptPins(loaded.service, recorded);
          const changed = { ...loaded.service, inputs: loaded.service.inputs.filter((i) => !(i.name in kept)) };
          const fresh = await pinInputs(changed, { pin: args.pin, pachdAddress: options.pachdAddress, ...(token ? { token } : {}) }, f);
          objects = renderLoaded({ ...loaded, file }, { ...options, namespace: kube.namespace, pins: { ...kept, ...fresh } }, f.io).objects;
        } catch (err) {
          if (!(err instanceof SpecError)) throw err;
          problems = err.diagnostics.filter((d) => d.severity === 'error').map((d) => `line ${d.position.line + lines}:${d.position.column}: ${d.message}`);
          lastBroken = saved;
          body = saved;
          continue;
        }
        let result;
        try {
          // Written only over the revision that was opened: what someone else wrote meanwhile is not overwritten.
          result = await k8s.writeService(kube, { verb: 'edit', namespace: kube.namespace, name, objects, dryRun: false, historyMax, expectRevision: opened });
        } catch (err) {
          report(err, f.io);
          writeLine(f.io.stderr, `Nothing was changed. A copy of your changes is in ${keepCopy(name, saved)}`);
          return EXIT.failure;
        }
        for (const w of result.warnings) warn(f.io, w);
        writeLine(f.io.stdout, `service/${name} ${result.outcome === 'unchanged' ? 'unchanged' : 'edited'}`);
        if (args.wait && result.outcome !== 'unchanged' && !(await waitFor(kube, name, timeoutMs, f, true))) return EXIT.failure;
        return EXIT.ok;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

/** Keeps the user's text where only they can read it (a fresh folder, never a guessable path), and says where. */
function keepCopy(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pachsvc-edit-kept-')), `${name}.yaml`);
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  return path;
}

function headerFor(name: string, problems: string[]): string {
  const lines = [
    `# Edit the spec of service "${name}". Saving applies it, as \`pachsvc update\` would.`,
    '# Lines at the top that begin with "#" are ignored. An empty file, or one saved unchanged, cancels the edit.',
    ...(problems.length > 0 ? ['#', '# The spec was not applied:', ...problems.map((p) => `#   ${p.replace(/\n/g, ' ')}`)] : []),
    '#',
  ];
  return `${lines.join('\n')}\n`;
}

/** The file without the comment lines at its top (ours, from this or an earlier round). */
function stripHeader(text: string): string {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('#')) i++;
  return lines.slice(i).join('\n');
}

/** The pins of inputs that are the same (name, repo, reference) as when they were pinned. */
function keptPins(service: ServiceSpec, recorded: RecordedInput[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of service.inputs) {
    const was = recorded.find((r) => r.name === i.name);
    if (was?.commit && was.repo === i.repo && was.ref === formatRef(i.ref) && was.follow === i.follow) out[i.name] = was.commit;
  }
  return out;
}
