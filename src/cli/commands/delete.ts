import { defineCommand } from '../command.ts';
import { CLUSTER_FLAGS, durationFlag, serviceArg, type ClusterFlags } from '../flags/cluster.ts';
import { dryRunFlag } from '../flags/write.ts';
import { EXIT, UsageError } from '../output/errors.ts';
import { writeLine } from '../output/iostreams.ts';
import { startProgress } from '../output/progress.ts';
import { report } from '../output/report.ts';

type Args = ClusterFlags & { names?: string[]; all: boolean; 'ignore-not-found': boolean; wait: boolean; timeout: string; 'dry-run': string };

export const DELETE = defineCommand<Args>({
  name: 'delete',
  aliases: ['rm'],
  args: '[names..]',
  completes: 'service',
  summary: 'Delete services (only objects pachsvc manages), with their revision history',
  positionals: { names: { type: 'string', array: true, describe: 'Service names (service/<name> works too)' } },
  flags: {
    ...CLUSTER_FLAGS,
    all: { type: 'boolean', default: false, describe: 'Delete every service in the namespace' },
    'ignore-not-found': { type: 'boolean', default: false, describe: 'A missing service is not an error' },
    wait: { type: 'boolean', default: false, describe: 'Wait until the objects and their pods are gone' },
    timeout: { type: 'string', default: '5m', describe: 'How long --wait waits', requiresArg: true },
    'dry-run': {
      type: 'string',
      default: 'none',
      describe: 'client: say what would be deleted; server: the API server checks every deletion and does none (a bare --dry-run is client)',
      requiresArg: true,
    },
  },
  examples: [
    ['$0 delete jupyter', 'Delete one service'],
    ['$0 delete --all -n scratch --wait', 'Delete every service in a namespace and wait for the pods to go'],
  ],
  async run(args, f) {
    const dryRun = dryRunFlag(args['dry-run'], 'delete');
    const given = (args.names ?? []).map((n) => serviceArg(n, 'delete'));
    if (args.all && given.length > 0) throw new UsageError('give service names or --all, not both', 'delete');
    if (!args.all && given.length === 0) throw new UsageError('name the services to delete, or pass --all', 'delete');
    const timeoutMs = durationFlag('timeout', args.timeout, 'delete');
    const kube = await f.kube(args, 'delete');
    const k8s = await import('../../cluster/index.ts');
    const namespace = kube.namespace;
    // --all needs only the names: two light tables, not list's three (pods among them).
    const names = args.all ? await k8s.serviceNames(kube, namespace) : given;
    if (args.all && names.length === 0) writeLine(f.io.stderr, `No services found in ${namespace} namespace.`);
    const suffix = dryRun === 'server' ? ' (server dry run)' : dryRun === 'client' ? ' (dry run)' : '';
    let failed = 0;
    const deleted: string[] = [];
    for (const name of names) {
      try {
        if (dryRun === 'client') k8s.decideDelete(await k8s.readLive(kube, namespace, name), name, namespace);
        else await k8s.deleteService(kube, namespace, name, { dryRun: dryRun === 'server' });
        writeLine(f.io.stdout, `service "${name}" deleted${suffix}`);
        deleted.push(name);
      } catch (err) {
        if (args['ignore-not-found'] && err instanceof k8s.ClusterError && err.reason === 'NotFound') continue;
        failed = report(err, f.io);
      }
    }
    if (args.wait && dryRun === 'none') {
      for (const name of deleted) {
        const progress = await startProgress(f.io, `deleting service "${name}"`);
        try {
          await k8s.waitDeleted(kube, namespace, name, { timeoutMs, onProgress: progress.update });
        } finally {
          progress.stop();
        }
      }
    }
    return failed || EXIT.ok;
  },
});
