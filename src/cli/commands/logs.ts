import type { CommandSpec } from '../command.ts';
import { durationFlag, serviceArg, withCluster } from '../cluster-args.ts';
import { CLUSTER_OPTIONS, type ClusterArgs, type OptionTable } from '../options.ts';
import { style, writeLine, type Terminal } from '../terminal.ts';

type Args = ClusterArgs & { name: string; follow: boolean; tail?: number; since?: string; container: 'service' | 'checkout' | 'follow'; timestamps: boolean };

const OPTIONS = {
  ...CLUSTER_OPTIONS,
  follow: { alias: 'f', type: 'boolean', default: false, describe: 'Keep streaming new lines' },
  tail: { type: 'number', describe: 'Only the last N lines of each container (default: all)', requiresArg: true },
  since: { type: 'string', describe: 'Only lines newer than this (e.g. 10m, 2h)', requiresArg: true },
  container: { alias: 'c', choices: ['service', 'checkout', 'follow'], default: 'service', describe: 'The service itself, its checkout init containers, or its follow sidecars' },
  timestamps: { type: 'boolean', default: false, describe: 'Prefix each line with its time' },
} satisfies OptionTable;

export const LOGS: CommandSpec<Args> = {
  command: 'logs <name>',
  describe: 'Print the logs of a service (all replicas, prefixed by pod when there are several)',
  positionals: { name: { type: 'string', describe: 'The service' } },
  options: OPTIONS,
  examples: [
    ['$0 logs jupyter -f', "Follow the service's output"],
    ['$0 logs jupyter -c checkout', 'What the data checkout did'],
    ['$0 logs dashboard -c follow --since 1h', 'Data updates in the last hour'],
  ],
  run: (args, term) => runLogs(args, term),
};

async function runLogs(args: Args, term: Terminal): Promise<void> {
  const sinceSeconds = args.since === undefined ? undefined : Math.max(1, Math.round(durationFlag('since', args.since, 'logs') / 1000));
  const c = style(term);
  await withCluster(args, (k8s, cluster) =>
    k8s.streamLogs(cluster, cluster.namespace, serviceArg(args.name), {
      role: args.container,
      follow: args.follow,
      timestamps: args.timestamps,
      ...(args.tail !== undefined ? { tail: args.tail } : {}),
      ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
      write: (prefix, line) => writeLine(term.stdout, prefix + line),
      warn: (message) => writeLine(term.stderr, `${c.yellow('warning:')} ${message}`),
    }),
  );
}
