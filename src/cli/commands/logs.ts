import { defineCommand } from '../command.ts';
import { CLUSTER_FLAGS, durationFlag, serviceArg, type ClusterFlags } from '../flags/cluster.ts';
import { UsageError } from '../output/errors.ts';
import { warn, writeLine } from '../output/iostreams.ts';

type Args = ClusterFlags & { name: string; follow: boolean; tail?: string; since?: string; container: 'service' | 'checkout' | 'follow'; timestamps: boolean };

export const LOGS = defineCommand<Args>({
  name: 'logs',
  args: '<name>',
  completes: 'service',
  summary: 'Print the logs of a service (all replicas, prefixed by pod when there are several)',
  positionals: { name: { type: 'string', describe: 'The service' } },
  flags: {
    ...CLUSTER_FLAGS,
    follow: { alias: 'f', type: 'boolean', default: false, describe: 'Keep streaming new lines' },
    tail: { type: 'string', describe: 'Only the last N lines of each container (default: all)', requiresArg: true },
    since: { type: 'string', describe: 'Only lines newer than this (e.g. 10m, 2h)', requiresArg: true },
    container: { alias: 'c', choices: ['service', 'checkout', 'follow'], default: 'service', describe: 'The service itself, its checkout init containers, or its follow sidecars', requiresArg: true },
    timestamps: { type: 'boolean', default: false, describe: 'Prefix each line with its time' },
  },
  examples: [
    ['$0 logs jupyter -f', "Follow the service's output"],
    ['$0 logs jupyter -c checkout', 'What the data checkout did'],
    ['$0 logs dashboard -c follow --since 1h', 'Data updates in the last hour'],
  ],
  async run(args, f) {
    const name = serviceArg(args.name, 'logs');
    const sinceSeconds = args.since === undefined ? undefined : Math.max(1, Math.round(durationFlag('since', args.since, 'logs') / 1000));
    if (args.tail !== undefined && !/^(-1|\d{1,9})$/.test(args.tail)) throw new UsageError(`--tail must be a number of lines (or -1 for all)`, 'logs');
    const kube = await f.kube(args, 'logs');
    const { streamLogs } = await import('../../cluster/index.ts');
    await streamLogs(kube, kube.namespace, name, {
      role: args.container,
      follow: args.follow,
      timestamps: args.timestamps,
      ...(args.tail !== undefined ? { tail: Number(args.tail) } : {}),
      ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
      write: (prefix, line) => writeLine(f.io.stdout, prefix + line),
      warn: (message) => warn(f.io, message),
    });
  },
});
