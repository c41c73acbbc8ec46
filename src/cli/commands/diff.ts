// diff: what `apply` would change, as the API server computes it (a server-side dry run of the same
// write), shown as a unified diff of the live and the would-be objects without the fields nobody wrote
// (managedFields, status, resourceVersion, …). Exit codes as kubectl diff: 0 no change, 1 changes, 2 an
// error. PACHSVC_EXTERNAL_DIFF runs another program on two folders, as KUBECTL_EXTERNAL_DIFF does.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../render/index.ts';
import { ANNOTATIONS, decodePins } from '../../contract.ts';
import { unifiedDiff } from '../../lib/diff.ts';
import { defineCommand } from '../command.ts';
import type { Factory } from '../factory.ts';
import { CLUSTER_FLAGS, checkClusterFlags, type ClusterFlags } from '../flags/cluster.ts';
import { RENDER_FLAGS, renderOptionsFromFlags, SPEC_FLAGS, type RenderFlags, type SpecFlags } from '../flags/spec.ts';
import { UsageError } from '../output/errors.ts';
import { warn, writeLine } from '../output/iostreams.ts';
import { resourceName } from '../output/objects.ts';
import { report } from '../output/report.ts';
import { toYaml } from '../output/yaml.ts';
import { pinInputs, tokenReader } from '../pinning.ts';
import { loadSources, readSources, renderAll, type Loaded } from '../specs.ts';

type Args = SpecFlags & RenderFlags & ClusterFlags & { pin: boolean };

/** kubectl diff's exit codes. */
export const DIFF_EXIT = { same: 0, different: 1, error: 2 } as const;

export const DIFF = defineCommand<Args>({
  name: 'diff',
  summary: 'Show what apply would change: a unified diff computed by the API server (exit 0 none, 1 changes, 2 error)',
  flags: {
    ...SPEC_FLAGS,
    ...RENDER_FLAGS,
    ...CLUSTER_FLAGS,
    pin: { type: 'boolean', default: true, describe: 'Pin branch inputs to their current commit, as apply would (--no-pin: leave them unpinned)' },
  },
  examples: [
    ['$0 diff -f examples/jupyter.json', 'What applying it would change'],
    ['$0 diff -f services/ -R && echo "in sync"', 'Check a folder of specs against the cluster'],
    ['PACHSVC_EXTERNAL_DIFF="meld" $0 diff -f spec.yaml', 'With another diff program'],
  ],
  async run(args, f) {
    try {
      return await diff(args, f);
    } catch (err) {
      const code = report(err, f.io);
      return code === 2 ? code : DIFF_EXIT.error;
    }
  },
});

async function diff(args: Args, f: Factory): Promise<number> {
  const options = renderOptionsFromFlags(args, 'diff');
  checkClusterFlags(args, 'diff');
  const external = f.env.PACHSVC_EXTERNAL_DIFF?.trim();
  if (external === '') throw new UsageError('PACHSVC_EXTERNAL_DIFF is set but empty', 'diff');
  const { services } = await loadSources(await readSources(args, f.io, 'diff'), args, f.io, { command: 'diff' });
  const kube = await f.kube(args, 'diff');
  const k8s = await import('../../cluster/index.ts');
  const pairs: { live?: KubeObject; merged?: KubeObject }[] = [];
  // Pinned and rendered as apply would (the token read once, only for pachd's HTTP API), every spec first.
  const token = tokenReader(kube, options);
  const pin = (loaded: Loaded) => pinInputs(loaded.service, { pin: args.pin, pachdAddress: options.pachdAddress, ...(token ? { token } : {}) }, f);
  const rendered = (await renderAll(services, async (loaded) => ({ ...options, namespace: kube.namespace, pins: await pin(loaded) }), f.io)).objects;
  for (const [i, loaded] of services.entries()) {
    const objects = rendered[i]!;
    const result = await k8s.writeService(kube, { verb: 'apply', namespace: kube.namespace, name: loaded.service.name, objects, dryRun: true });
    const live = [result.before.service, result.before.deployment];
    const merged = result.outcome === 'unchanged' ? live : [result.objects.find((o) => o.kind === 'Service'), result.objects.find((o) => o.kind === 'Deployment')];
    for (const i of [0, 1]) {
      if (live[i] || merged[i]) pairs.push({ ...(live[i] ? { live: clean(live[i]!) } : {}), ...(merged[i] ? { merged: clean(merged[i]!) } : {}) });
    }
    // A new pin is new data: said in words, beside the diff.
    const before = decodePins(result.before.deployment?.metadata.annotations);
    const after = decodePins(merged[1]?.metadata.annotations);
    for (const input of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (before[input] !== after[input]) writeLine(f.io.stderr, `service/${loaded.service.name}: data ${input}: ${k8s.short(before[input])} → ${k8s.short(after[input])}`);
    }
    for (const x of result.foreign) warn(f.io, `${x.object} has fields set by others, which apply leaves as they are: ${x.fields.map((y) => `${y.path} (${y.managers.join(', ')})`).join(', ')} (apply --take-ownership removes them)`);
  }
  if (external) return runExternal(external, pairs, f);
  let changed = false;
  for (const p of pairs) {
    const obj = p.merged ?? p.live!;
    const id = `${resourceName(obj.kind, obj.apiVersion)}/${obj.metadata.name}`;
    const text = unifiedDiff(p.live ? toYaml(p.live) : '', p.merged ? toYaml(p.merged) : '', { from: `live/${id}`, to: `merged/${id}` });
    if (text) {
      changed = true;
      f.io.stdout.write(text);
    }
  }
  return changed ? DIFF_EXIT.different : DIFF_EXIT.same;
}

/** The object without what nobody wrote: server bookkeeping, status, and pachsvc's revision counter. */
export function clean(o: KubeObject): KubeObject {
  const { managedFields, resourceVersion, uid, generation, creationTimestamp, selfLink, ...metadata } = o.metadata as KubeObject['metadata'] & Record<string, unknown>;
  void [managedFields, resourceVersion, uid, generation, creationTimestamp, selfLink];
  const annotations = { ...(metadata.annotations ?? {}) };
  delete annotations[ANNOTATIONS.revision];
  const out: KubeObject = { apiVersion: o.apiVersion, kind: o.kind, metadata: { ...metadata, ...(Object.keys(annotations).length ? { annotations } : {}) } as KubeObject['metadata'] };
  if (!Object.keys(annotations).length) delete out.metadata.annotations;
  if (o.spec !== undefined) out.spec = o.spec;
  return out;
}

/** kubectl's layout: two folders, LIVE-… and MERGED-…, one file per object, then `$PACHSVC_EXTERNAL_DIFF LIVE MERGED`. */
async function runExternal(command: string, pairs: { live?: KubeObject; merged?: KubeObject }[], f: Factory): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'pachsvc-diff-'));
  const live = join(root, 'LIVE');
  const merged = join(root, 'MERGED');
  mkdirSync(live);
  mkdirSync(merged);
  for (const p of pairs) {
    const obj = p.merged ?? p.live!;
    const file = `${obj.apiVersion.replace('/', '.')}.${obj.kind}.${obj.metadata.namespace ?? ''}.${obj.metadata.name}`;
    if (p.live) writeFileSync(join(live, file), toYaml(p.live));
    if (p.merged) writeFileSync(join(merged, file), toYaml(p.merged));
  }
  const [program, ...rest] = command.split(/\s+/);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(program!, [...rest, live, merged], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d) => f.io.stdout.write(d));
      child.stderr.on('data', (d) => f.io.stderr.write(d));
      child.on('error', (err) => reject(new Error(`cannot run PACHSVC_EXTERNAL_DIFF ${JSON.stringify(program)}: ${err.message}`)));
      child.on('close', (c) => resolve(c ?? DIFF_EXIT.error));
    });
    return code === 0 ? DIFF_EXIT.same : code === 1 ? DIFF_EXIT.different : DIFF_EXIT.error;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
