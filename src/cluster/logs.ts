// `logs`: every replica's (and container's) log, interleaved line by line, prefixed when there are several.
import { type Cluster, KINDS } from './client.ts';
import { ClusterError } from './errors.ts';
import { containerRole, managedSelector, SERVICE_CONTAINER, type ContainerRole } from '../contract.ts';
import { tableRows, type KubeObject } from './types.ts';


export interface LogOptions {
  role: ContainerRole;
  follow: boolean;
  tail?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  /** Called once per line, with `[pod/container]` when there are several sources. */
  write: (prefix: string, line: string) => void;
  /** A source that cannot be read (not started yet, …): said once, the others go on. */
  warn: (message: string) => void;
}

interface Source {
  pod: string;
  container: string;
}

export async function streamLogs(c: Cluster, namespace: string, name: string, options: LogOptions): Promise<void> {
  const labelSelector = managedSelector(name);
  const table = await c.table(KINDS.Pod, namespace, { labelSelector, includeObject: 'Object' });
  const pods = tableRows(table).map((r) => r.object).filter((o): o is KubeObject => o !== undefined);
  if (pods.length === 0) {
    const exists = await c.get(KINDS.Deployment, namespace, name);
    if (!exists) throw new ClusterError('NotFound', `Error from server (NotFound): service "${name}" not found in namespace ${namespace}`, 404);
    throw new ClusterError('NotFound', `service "${name}" has no pods yet`);
  }
  const sources: Source[] = pods.flatMap((pod) => containersOf(pod, options.role).map((container) => ({ pod: pod.metadata.name, container })));
  if (sources.length === 0) throw new ClusterError('NotFound', `service "${name}" has no ${options.role} containers`);
  const prefixed = sources.length > 1;
  await Promise.all(sources.map((s) => streamOne(c, namespace, s, prefixed ? `[${s.pod}/${s.container}] ` : '', options)));
}

function containersOf(pod: KubeObject, role: ContainerRole): string[] {
  const spec = pod.spec as { containers?: { name: string }[]; initContainers?: { name: string }[] } | undefined;
  if (role === 'service') return [SERVICE_CONTAINER];
  const pool = role === 'checkout' ? (spec?.initContainers ?? []) : (spec?.containers ?? []);
  return pool.map((c) => c.name).filter((n) => containerRole(n) === role);
}

async function streamOne(c: Cluster, namespace: string, s: Source, prefix: string, options: LogOptions): Promise<void> {
  const query = {
    container: s.container,
    follow: options.follow || undefined,
    tailLines: options.tail !== undefined && options.tail >= 0 ? options.tail : undefined,
    sinceSeconds: options.sinceSeconds,
    timestamps: options.timestamps || undefined,
  };
  let res;
  try {
    res = await c.stream(c.path(KINDS.Pod, namespace, s.pod, 'log'), { query });
  } catch (err) {
    options.warn(`${s.pod}/${s.container}: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  let rest = '';
  for await (const chunk of res) {
    const lines = (rest + (chunk as Buffer).toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) options.write(prefix, line);
  }
  if (rest !== '') options.write(prefix, rest);
}
