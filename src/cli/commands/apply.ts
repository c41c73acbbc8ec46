// create, update and apply: the same story, with a different rule for what may already exist (decided
// in cluster/rules.ts). For every spec -f names:
//   read → pin its inputs → render → write both objects (all or nothing, never mixed with another
//   writer's) → print a result line → --wait
// Several services are written concurrently, a bounded number at a time; a failure of one does not stop
// the others, and the command exits 1 if any failed.
import type { KubeObject } from '../../render/index.ts';
import type { Kube } from '../../cluster/kube.ts';
import type { WriteVerb } from '../../cluster/rules.ts';
import type { Outcome, WriteResult } from '../../cluster/write.ts';
import { defineCommand, type Command, type FlagTable } from '../command.ts';
import type { Factory } from '../factory.ts';
import { CLUSTER_FLAGS, checkClusterFlags, durationFlag, type ClusterFlags } from '../flags/cluster.ts';
import { DRY_RUN_FLAG, dryRunFlag, historyMaxFlag, WRITE_FLAGS, type DryRun, type WriteFlags } from '../flags/write.ts';
import { RENDER_FLAGS, renderOptionsFromFlags, SPEC_FLAGS, type RenderFlags, type SpecFlags } from '../flags/spec.ts';
import { EXIT, UsageError } from '../output/errors.ts';
import { warn, writeLine } from '../output/iostreams.ts';
import { formatObjects } from '../output/objects.ts';
import { startProgress } from '../output/progress.ts';
import { report } from '../output/report.ts';
import { pinInputs, tokenReader } from '../pinning.ts';
import { loadSources, readSources, renderAll, type Loaded } from '../specs.ts';

type DeployVerb = Extract<WriteVerb, 'create' | 'update' | 'apply'>;

export type DeployArgs = SpecFlags &
  WriteFlags &
  RenderFlags &
  ClusterFlags & {
    'dry-run': string;
    output?: 'name' | 'json' | 'yaml';
    pin: boolean;
    'take-ownership': boolean;
  };

export const DEPLOY_FLAGS = {
  ...SPEC_FLAGS,
  ...RENDER_FLAGS,
  ...CLUSTER_FLAGS,
  ...DRY_RUN_FLAG,
  output: { alias: 'o', choices: ['name', 'json', 'yaml'], describe: 'Print the objects (json, yaml) or their names instead of the result lines', requiresArg: true },
  pin: { type: 'boolean', default: true, describe: 'Pin branch inputs to their current commit (--no-pin: each pod resolves the branch when it starts)' },
  ...WRITE_FLAGS,
  'take-ownership': { type: 'boolean', default: false, describe: 'Also remove what others added to the objects (kubectl set env, kubectl label, …): they become exactly what the spec renders' },
} satisfies FlagTable;


/** How many services are written at once (`apply -f DIR`). */
const CONCURRENCY = 8;

const SUMMARY: Record<DeployVerb, string> = {
  create: 'Create services on the cluster (fails if one exists)',
  update: 'Change existing services (their pods roll onto the new spec)',
  apply: 'Create or update services, idempotently (for scripts and GitOps; -f DIR for a folder)',
};

const EXAMPLES: Record<DeployVerb, [string, string][]> = {
  create: [
    ['$0 create -f examples/jupyter.json', "Create the seed's Jupyter service"],
    ['$0 create -f spec.yaml -n analytics --wait', 'Create it in a namespace and wait until it is ready'],
    ['$0 create -f spec.json --dry-run -o yaml', 'Print the objects instead (touches nothing)'],
    ['cat spec.json | $0 create -f - --name notebook', 'Read the spec from stdin'],
  ],
  update: [
    ['$0 update -f examples/jupyter.json', 'Apply the changed spec (re-pins branch inputs to their newest commit)'],
    ['$0 update -f spec.yaml --dry-run=server', 'See whether it would change, without changing it'],
  ],
  apply: [
    ['$0 apply -f examples/file-server.yaml', 'Create it if missing, else update it'],
    ['$0 apply -f services/ -R', 'Keep a folder of specs deployed, subfolders included'],
  ],
};

function deployCommand(verb: DeployVerb): Command<DeployArgs> {
  return defineCommand<DeployArgs>({
    name: verb,
    summary: SUMMARY[verb],
    flags: DEPLOY_FLAGS,
    examples: EXAMPLES[verb],
    run: (args, f) => deploy(verb, args, f),
  });
}

export const CREATE = deployCommand('create');
export const UPDATE = deployCommand('update');
export const APPLY = deployCommand('apply');

async function deploy(verb: DeployVerb, args: DeployArgs, f: Factory): Promise<number> {
  const dryRun = dryRunFlag(args['dry-run'], verb);
  const timeoutMs = durationFlag('timeout', args.timeout, verb);
  const historyMax = historyMaxFlag(args['history-max'], verb);
  const renderOptions = renderOptionsFromFlags(args, verb);
  checkClusterFlags(args, verb);
  // The cluster is reached (kubeconfig read, TLS handshake begun) while the specs are read and checked;
  // a spec's error is still said first, and then nothing is written.
  const connecting = dryRun === 'client' ? undefined : f.kube(args, verb);
  connecting?.catch(() => undefined);
  const { services } = await loadSources(await readSources(args, f.io, verb), args, f.io, { command: verb });

  const limit = limiter(CONCURRENCY);
  if (dryRun === 'client') {
    const pin = (loaded: Loaded) => pinInputs(loaded.service, { pin: args.pin, pachdAddress: renderOptions.pachdAddress }, f);
    const namespace = args.namespace !== undefined ? { namespace: args.namespace } : {};
    const { objects } = await renderAll(services, (loaded) => limit(async () => ({ ...renderOptions, ...namespace, pins: await pin(loaded) })), f.io);
    f.io.stdout.write(formatObjects(objects.flat(), args.output ?? 'yaml'));
    return EXIT.ok;
  }

  const kube = await connecting!;
  const token = tokenReader(kube, renderOptions);
  const { writeService } = await import('../../cluster/index.ts');
  const suffix = dryRun === 'server' ? ' (server dry run)' : '';

  // Every service is pinned and rendered before any is written: a spec error in one writes nothing.
  const pin = (loaded: Loaded) => pinInputs(loaded.service, { pin: args.pin, pachdAddress: renderOptions.pachdAddress, ...(token ? { token } : {}) }, f);
  const rendered = (await renderAll(services, (loaded) => limit(async () => ({ ...renderOptions, namespace: kube.namespace, pins: await pin(loaded) })), f.io)).objects;

  // Written concurrently; said in the order given, each line as soon as those before it are said.
  const writeOne = async (loaded: Loaded, objects: KubeObject[]): Promise<{ outcome: Outcome; objects: KubeObject[]; warnings: string[] }> => {
    const result = await writeService(kube, { verb, namespace: kube.namespace, name: loaded.service.name, objects, dryRun: dryRun === 'server', hint: loaded.file, historyMax, takeOwnership: args['take-ownership'] });
    return { outcome: result.outcome, objects: result.objects, warnings: [...result.warnings, ...foreignNotes(result.foreign)] };
  };
  const pending = services.map((loaded, i) => limit(() => writeOne(loaded, rendered[i]!)).then((r) => ({ ok: r }), (error: unknown) => ({ error })));
  const written: (KubeObject[] | undefined)[] = [];
  for (const [i, p] of pending.entries()) {
    const r = await p;
    const name = services[i]!.service.name;
    if ('error' in r) {
      report(r.error, f.io);
      written.push(undefined);
      continue;
    }
    if (!args.output) writeLine(f.io.stdout, `service/${name} ${r.ok.outcome}${suffix}`);
    else if (args.output === 'name') writeLine(f.io.stdout, `service/${name}`);
    for (const w of r.ok.warnings) warn(f.io, w);
    written.push(r.ok.objects);
  }
  const failed = written.filter((w) => w === undefined).length;
  if (args.output === 'json' || args.output === 'yaml') f.io.stdout.write(formatObjects(written.flatMap((w) => w ?? []), args.output));

  if (args.wait && dryRun === 'none') {
    for (const [i, w] of written.entries()) if (w && !(await waitFor(kube, services[i]!.service.name, timeoutMs, f, !args.output))) return EXIT.failure;
  }
  if (failed > 0 && services.length > 1) warn(f.io, `${failed} of ${services.length} services failed`);
  return failed > 0 ? EXIT.failure : EXIT.ok;
}

/** What others set on the objects: left as it is (said once), or removed with --take-ownership. */
export function foreignNotes(foreign: WriteResult['foreign']): string[] {
  return foreign.map((x) => {
    const fields = x.fields.map((f) => `${f.path} (${f.managers.join(', ')})`).join(', ');
    return x.removed
      ? `${x.object}: removed fields set by others: ${fields}`
      : `${x.object} has fields set by others, left as they are: ${fields} (--take-ownership removes them)`;
  });
}

/** Runs at most n of the given tasks at once. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    if (running >= n) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}

export async function waitFor(kube: Kube, name: string, timeoutMs: number, f: Factory, say: boolean): Promise<boolean> {
  const { waitReady, DeletedWhileWaiting } = await import('../../cluster/index.ts');
  const progress = await startProgress(f.io, `waiting for service "${name}"`);
  try {
    await waitReady(kube, kube.namespace, name, { timeoutMs, onProgress: progress.update });
  } catch (err) {
    progress.stop();
    report(err, f.io);
    if (!(err instanceof DeletedWhileWaiting)) {
      writeLine(f.io.stderr, `The service stays as it is: \`pachsvc inspect ${name}\` shows why, \`pachsvc delete ${name}\` removes it.`);
    }
    return false;
  }
  progress.stop();
  if (say) writeLine(f.io.stderr, `service "${name}" is ready`);
  return true;
}
