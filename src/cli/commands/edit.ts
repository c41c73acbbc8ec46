// edit: the spec a service was created from, in the user's editor (as kubectl edit and pachctl edit
// pipeline). On save it is checked and written like `update`; a spec that does not load is reopened with
// its errors at the top; saving it unchanged, or empty, cancels; the name cannot change.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSpec, pachdAccessOf, recordedInputs, type RecordedInput } from '../../contract.ts';
import { SpecError, formatDiagnostic } from '../../spec/diagnostics.ts';
import type { ServiceSpec } from '../../spec/model.ts';
import { formatRef } from '../../spec/ref.ts';
import { defineCommand } from '../command.ts';
import type { Factory } from '../factory.ts';
import { CLUSTER_FLAGS, durationFlag, serviceArg, type ClusterFlags } from '../flags/cluster.ts';
import { RENDER_FLAGS, renderOptionsFromFlags, type RenderFlags } from '../flags/spec.ts';
import { EXIT } from '../output/errors.ts';
import { warn, writeLine } from '../output/iostreams.ts';
import { toYaml } from '../output/yaml.ts';
import { pinInputs } from '../pinning.ts';
import { loadSources, renderLoaded, type Loaded } from '../specs.ts';
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
          const kept = join(tmpdir(), `pachsvc-edit-${name}-${process.pid}.yaml`);
          writeFileSync(kept, saved, { mode: 0o600 });
          writeLine(f.io.stderr, `Edit cancelled, no valid changes were saved. A copy of your changes is in ${kept}`);
          return EXIT.failure;
        }
        const checked = await check(saved, name, header.split('\n').length - 1, f);
        if (checked.problems) {
          problems = checked.problems;
          lastBroken = saved;
          body = saved;
          continue;
        }
        // Inputs left as they were keep the commits they serve; changed ones are pinned anew.
        const service = checked.service!;
        const loadedSpec = checked.loaded!;
        const kept = keptPins(service, recorded);
        const changed = { ...service, inputs: service.inputs.filter((i) => !(i.name in kept)) };
        const access = pachdAccessOf(live.deployment);
        const options = renderOptionsFromFlags(
          {
            'pachctl-version': RENDER_FLAGS['pachctl-version'].default,
            'pachyderm-namespace': RENDER_FLAGS['pachyderm-namespace'].default,
            ...(access.pachctlImage ? { 'pachctl-image': access.pachctlImage } : {}),
            ...(access.pachdAddress ? { 'pachd-address': access.pachdAddress } : {}),
            ...(access.authSecret ? { 'pachyderm-auth-secret': `${access.authSecret.name}:${access.authSecret.key}` } : {}),
          } satisfies RenderFlags,
          'edit',
        );
        const fresh = await pinInputs(changed, { pin: args.pin, pachdAddress: options.pachdAddress }, f);
        const { objects } = renderLoaded({ ...loadedSpec, file }, { ...options, namespace: kube.namespace, pins: { ...kept, ...fresh } }, f.io);
        const result = await k8s.writeService(kube, { verb: 'edit', namespace: kube.namespace, name, objects, dryRun: false, historyMax });
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

async function check(text: string, name: string, headerLines: number, f: Factory): Promise<{ problems?: string[]; service?: ServiceSpec; loaded?: Loaded }> {
  const at = (line: number) => line + headerLines;
  try {
    const [loaded] = (await loadSources([{ file: 'spec', text }], { filename: '-' }, f.io, { quiet: true, command: 'edit' })).services;
    if (!loaded) return { problems: ['the file holds no service spec'] };
    if (loaded.service.name !== name) {
      const p = loaded.positionOf('/pipeline/name');
      return { problems: [`line ${at(p.line)}: the name cannot change (it is "${name}"); to make another service, create it from a spec file`] };
    }
    return { service: loaded.service, loaded };
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    return { problems: err.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic({ ...d, file: 'line', position: { ...d.position, line: at(d.position.line) } }).replace(/^line:/, 'line ')) };
  }
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
