// Flags that name a cluster, as kubectl's: -n, --context, --kubeconfig, --request-timeout.
import type { FlagTable } from '../command.ts';
import { quote } from '../../lib/text.ts';
import { UsageError } from '../output/errors.ts';

export interface ClusterFlags {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  'request-timeout'?: string;
}

export const CLUSTER_FLAGS = {
  namespace: { alias: 'n', type: 'string', describe: 'Namespace (default: from the kube context)', requiresArg: true },
  context: { type: 'string', describe: 'kubeconfig context to use', requiresArg: true },
  kubeconfig: { type: 'string', describe: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)', requiresArg: true },
  'request-timeout': { type: 'string', describe: 'Time limit for each API request, connecting included (e.g. 30s, 1m; 0 = none)', requiresArg: true },
} satisfies FlagTable;

// Kubernetes namespaces are DNS labels.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The flags checked where they are read: a bad one is a usage error (exit 2) before anything is sent. */
export function checkClusterFlags(flags: ClusterFlags, command: string): { requestTimeoutMs?: number } {
  const ns = flags.namespace;
  if (ns !== undefined && (ns.length > 63 || !NAMESPACE.test(ns))) {
    throw new UsageError(`-n ${quote(ns)} is not a namespace name (lower-case letters, digits and "-", at most 63)`, command);
  }
  for (const [flag, value] of [['context', flags.context], ['kubeconfig', flags.kubeconfig]] as const) {
    if (value !== undefined && (value === '' || /[\u0000-\u001f]/.test(value))) throw new UsageError(`--${flag} needs a value without control characters`, command);
  }
  const timeout = flags['request-timeout'];
  return timeout === undefined ? {} : { requestTimeoutMs: durationFlag('request-timeout', timeout, command) };
}

/** A kubectl duration (`5m`, `30s`, `1h`, `250ms`); a bare number is seconds. At most a week. */
export function durationFlag(flag: string, text: string, command?: string): number {
  const m = /^(\d{1,9}(?:\.\d{1,6})?)(ms|s|m|h)?$/.exec(text.trim());
  const unit = m ? { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'] : 0;
  const ms = m ? Math.round(Number(m[1]) * unit) : NaN;
  if (!Number.isFinite(ms) || ms > 7 * 24 * 3_600_000) {
    throw new UsageError(`--${flag} ${quote(text)} is not a duration (e.g. 90s, 5m, 1h; at most a week)`, command);
  }
  return ms;
}

/** A service named as `jupyter` or, as `list -o name` prints it, `service/jupyter`. */
export function serviceArg(arg: unknown, command: string): string {
  const name = String(arg ?? '').replace(/^services?\//, '');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new UsageError(`${quote(String(arg))} is not a service name (lower-case letters, digits and "-", at most 63)`, command);
  }
  return name;
}
