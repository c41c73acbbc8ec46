// Connecting to the cluster from the common flags. The Kubernetes client is loaded here, on first use,
// so commands that never reach a cluster never pay for it.
import type { Cluster } from '../cluster/index.ts';
import { UsageError } from './errors.ts';
import type { ClusterArgs } from './options.ts';

export type ClusterModule = typeof import('../cluster/index.ts');

/**
 * Runs `work` with a connection to the cluster the flags name, and closes it afterwards (open keep-alive
 * sockets would hold the process).
 */
export async function withCluster<T>(args: ClusterArgs, work: (k8s: ClusterModule, cluster: Cluster) => Promise<T>): Promise<T> {
  const { k8s, cluster } = await connect(args);
  try {
    return await work(k8s, cluster);
  } finally {
    cluster.close();
  }
}

/** A service named as `jupyter` or, as `list -o name` prints it, `service/jupyter`. */
export function serviceArg(arg: unknown): string {
  return String(arg).replace(/^services?\//, '');
}

async function connect(args: ClusterArgs): Promise<{ k8s: ClusterModule; cluster: Cluster }> {
  const requestTimeoutMs = args['request-timeout'] === undefined ? 0 : durationFlag('request-timeout', args['request-timeout']);
  const k8s = await import('../cluster/index.ts');
  const cluster = await k8s.Cluster.connect({
    ...(args.kubeconfig !== undefined ? { kubeconfig: args.kubeconfig } : {}),
    ...(args.context !== undefined ? { context: args.context } : {}),
    ...(args.namespace !== undefined ? { namespace: args.namespace } : {}),
    requestTimeoutMs,
  });
  return { k8s, cluster };
}

/** --timeout and --since: kubectl durations (`5m`, `30s`, `1h`); a bare number is seconds. */
export function durationFlag(flag: string, text: string, command?: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--${flag} ${JSON.stringify(text)} is not a duration (e.g. 90s, 5m, 1h)`, command);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}
