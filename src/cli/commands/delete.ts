import type { CommandSpec } from '../command.ts';
import { durationFlag, serviceArg, withCluster } from '../cluster-args.ts';
import { ReportedError, UsageError } from '../errors.ts';
import { CLUSTER_OPTIONS, type ClusterArgs, type OptionTable } from '../options.ts';
import { report } from '../report.ts';
import { startProgress } from '../spinner.ts';
import { writeLine, type Terminal } from '../terminal.ts';

type Args = ClusterArgs & { names: string[]; all: boolean; 'ignore-not-found': boolean; wait: boolean; timeout: string; 'dry-run': 'none' | 'server' };

const OPTIONS = {
  ...CLUSTER_OPTIONS,
  all: { type: 'boolean', default: false, describe: 'Delete every service in the namespace' },
  'ignore-not-found': { type: 'boolean', default: false, describe: 'A missing service is not an error' },
  wait: { type: 'boolean', default: false, describe: 'Wait until the objects and their pods are gone' },
  timeout: { type: 'string', default: '5m', describe: 'How long --wait waits', requiresArg: true },
  'dry-run': { choices: ['none', 'server'], default: 'none', describe: 'server: check the deletion without doing it' },
} satisfies OptionTable;

export const DELETE: CommandSpec<Args> = {
  command: 'delete [names..]',
  aliases: ['rm'],
  describe: 'Delete services (only objects pachsvc manages)',
  positionals: { names: { type: 'string', array: true, describe: 'Service names (service/<name> works too)' } },
  options: OPTIONS,
  examples: [
    ['$0 delete jupyter', 'Delete one service'],
    ['$0 delete --all -n scratch --wait', 'Delete every service in a namespace and wait for the pods to go'],
  ],
  run: (args, term) => runDelete(args, term),
};

async function runDelete(args: Args, term: Terminal): Promise<void> {
  const given = (args.names ?? []).map(serviceArg);
  if (args.all && given.length > 0) throw new UsageError('give service names or --all, not both', 'delete');
  if (!args.all && given.length === 0) throw new UsageError('name the services to delete, or pass --all', 'delete');
  const timeoutMs = durationFlag('timeout', args.timeout, 'delete');
  const failed = await withCluster(args, async (k8s, cluster) => {
    const namespace = cluster.namespace;
    let failed = 0;
    const names = args.all ? (await k8s.listServices(cluster, { allNamespaces: false })).map((s) => s.name) : given;
    if (args.all && names.length === 0) writeLine(term.stderr, `No services found in ${namespace} namespace.`);
    const dryRun = args['dry-run'] === 'server';
    const deleted: string[] = [];
    for (const name of names) {
      try {
        await k8s.deleteObjects(cluster, namespace, name, { dryRun });
        writeLine(term.stdout, `service "${name}" deleted${dryRun ? ' (server dry run)' : ''}`);
        deleted.push(name);
      } catch (err) {
        if (args['ignore-not-found'] && err instanceof k8s.ClusterError && err.reason === 'NotFound') continue;
        failed = report(err, term);
      }
    }
    if (args.wait && !dryRun) {
      for (const name of deleted) {
        const progress = await startProgress(term, `deleting service "${name}"`);
        try {
          await k8s.waitDeleted(cluster, namespace, name, { timeoutMs, onProgress: progress.update });
        } finally {
          progress.stop();
        }
      }
    }
    return failed;
  });
  if (failed) throw new ReportedError(failed);
}
