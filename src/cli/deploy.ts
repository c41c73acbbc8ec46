// create, update and apply: the same story with a different rule for what may already exist.
//   read the spec → pin its inputs → render → write to the cluster (all or nothing) → print → --wait
import type { KubeObject } from '../render/index.ts';
import { durationFlag, withCluster } from './cluster-args.ts';
import { CLUSTER_OPTIONS, RENDER_OPTIONS, SPEC_OPTIONS, type ClusterArgs, type OptionTable, type RenderArgs, type SpecArgs } from './options.ts';
import { formatObjects } from './output/objects.ts';
import { pinInputs } from './pinning.ts';
import { loadFromArgs, renderLoaded, renderOptionsFromArgs } from './spec-input.ts';
import { startProgress } from './spinner.ts';
import { writeLine, type Terminal } from './terminal.ts';

export type DeployMode = 'create' | 'update' | 'apply';

export type DeployArgs = SpecArgs &
  RenderArgs &
  ClusterArgs & {
    'dry-run': 'none' | 'client' | 'server';
    output?: 'name' | 'json' | 'yaml';
    wait: boolean;
    timeout: string;
    pin: boolean;
  };

export const DEPLOY_OPTIONS = {
  ...SPEC_OPTIONS,
  ...RENDER_OPTIONS,
  ...CLUSTER_OPTIONS,
  'dry-run': {
    choices: ['none', 'client', 'server'],
    default: 'none',
    describe: 'client: print the objects, touch nothing; server: the API server checks everything and stores nothing',
  },
  output: { alias: 'o', choices: ['name', 'json', 'yaml'], describe: 'Print the objects (json, yaml) or their names instead of the result line' },
  wait: { type: 'boolean', default: false, describe: 'Wait until every replica is ready with its data checked out' },
  timeout: { type: 'string', default: '5m', describe: 'How long --wait waits (e.g. 90s, 10m)', requiresArg: true },
  pin: { type: 'boolean', default: true, describe: 'Pin branch inputs to their current commit (--no-pin: each pod resolves the branch when it starts)' },
} satisfies OptionTable;

export async function runDeploy(mode: DeployMode, args: DeployArgs, term: Terminal): Promise<void> {
  const timeoutMs = durationFlag('timeout', args.timeout, mode);
  const renderArgs = renderOptionsFromArgs(args, mode);
  const loaded = await loadFromArgs(args, term);
  const name = loaded.service.name;

  if (args['dry-run'] === 'client') {
    const pins = await pinInputs(loaded.service, { pin: args.pin, pachdAddress: renderArgs.pachdAddress }, term);
    const objects = renderLoaded(loaded, { ...renderArgs, pins, ...(args.namespace !== undefined ? { namespace: args.namespace } : {}) });
    term.stdout.write(formatObjects(objects, args.output ?? 'yaml'));
    return;
  }

  await withCluster(args, async (k8s, cluster) => {
    const namespace = cluster.namespace;
    const secret = renderArgs.authSecret;
    const token = secret ? () => k8s.readSecretKey(cluster, namespace, secret.name, secret.key) : undefined;
    const pins = await pinInputs(loaded.service, { pin: args.pin, pachdAddress: renderArgs.pachdAddress, ...(token ? { token } : {}) }, term);
    const objects = renderLoaded(loaded, { ...renderArgs, namespace, pins });
    const options = { namespace, dryRun: args['dry-run'] === 'server' };

    let outcome: 'created' | 'configured' | 'unchanged';
    let written: KubeObject[];
    const live = mode === 'create' ? {} : await k8s.readLive(cluster, namespace, name);
    if (mode === 'update' && !live.deployment && !live.service) {
      throw new k8s.ClusterError('NotFound', `service "${name}" not found in namespace ${namespace}: create it with \`pachsvc create -f ${args.filename}\``);
    }
    for (const obj of [live.deployment, live.service]) if (obj && !k8s.isManaged(obj)) throw k8s.notManagedError(obj, 'change');

    if (mode === 'create' || (!live.deployment && !live.service)) {
      written = (await k8s.createObjects(cluster, objects, options)) as KubeObject[];
      outcome = 'created';
    } else {
      const result = await k8s.applyObjects(cluster, objects, live, options);
      written = result.objects as KubeObject[];
      outcome = result.outcome;
    }

    const suffix = options.dryRun ? ' (server dry run)' : '';
    if (args.output === 'json' || args.output === 'yaml') term.stdout.write(formatObjects(written, args.output));
    else if (args.output === 'name') writeLine(term.stdout, `service/${name}`);
    else writeLine(term.stdout, `service/${name} ${outcome}${suffix}`);

    if (args.wait && !options.dryRun) {
      const progress = await startProgress(term, `waiting for service "${name}"`);
      try {
        await k8s.waitReady(cluster, namespace, name, { timeoutMs, onProgress: progress.update });
      } catch (err) {
        if (err instanceof Error && !/deleted while waiting/.test(err.message)) {
          err.message += `\nThe service stays as it is: \`pachsvc inspect ${name}\` shows why, \`pachsvc delete ${name}\` removes it.`;
        }
        throw err;
      } finally {
        progress.stop();
      }
      if (!args.output) writeLine(term.stderr, `service "${name}" is ready`);
    }
  });
}
