// Container logs: `logs` (every replica's and container's log, interleaved line by line, prefixed when
// there are several), and the commits a pod serves, as its checkout and follow containers logged them.
import { containerRole, managedSelector, parseServingLine, SERVICE_CONTAINER, type ContainerRole } from '../contract.ts';
import { notFound } from './rules.ts';
import { ClusterError } from './errors.ts';
import type { Kube } from './kube.ts';
import { KINDS, type KubeObject } from './types.ts';

export interface LogOptions {
  role: ContainerRole;
  follow: boolean;
  tail?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  /** Called once per line, with `[pod/container] ` when there are several sources. */
  write: (prefix: string, line: string) => void;
  /** A source that cannot be read (not started yet, …): said once, the others go on. */
  warn: (message: string) => void;
}

interface Source {
  pod: string;
  container: string;
}

/** Streams the logs; fails unless at least one container's log could be read (as kubectl does). */
export async function streamLogs(c: Kube, namespace: string, name: string, options: LogOptions): Promise<void> {
  const pods = (await c.list(KINDS.Pod, namespace, { labelSelector: managedSelector(name) })).items;
  if (pods.length === 0) {
    const exists = await c.get(KINDS.Deployment, namespace, name);
    if (!exists) throw notFound(name, namespace);
    throw new ClusterError('NotFound', `service "${name}" has no pods yet`);
  }
  const sources: (Source & { unscheduled?: string })[] = pods.flatMap((pod) =>
    containersOf(pod, options.role).map((container) => ({ pod: pod.metadata.name, container, ...unscheduled(pod) })),
  );
  if (sources.length === 0) throw new ClusterError('NotFound', `service "${name}" has no ${options.role} containers`);
  const prefixed = sources.length > 1;
  const failed: string[] = [];
  await Promise.all(
    sources.map(async (s) => {
      // The API server answers an empty log for a pod on no node: nothing was read, and why is known.
      const problem = s.unscheduled ?? (await streamOne(c, namespace, s, prefixed ? `[${s.pod}/${s.container}] ` : '', options));
      if (problem) failed.push(`${s.pod}/${s.container}: ${problem}`);
    }),
  );
  if (failed.length === sources.length) {
    throw new ClusterError('Failed', `no log of service "${name}" could be read (${failed.join('; ')})`);
  }
  for (const f of failed) options.warn(f);
}

/** Why a pod has no logs yet when it is on no node: `{ unscheduled: reason }`, else nothing. */
function unscheduled(pod: KubeObject): { unscheduled?: string } {
  if ((pod.spec as { nodeName?: string } | undefined)?.nodeName) return {};
  const conditions = ((pod.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined)?.conditions ?? []);
  const scheduled = conditions.find((x) => x.type === 'PodScheduled' && x.status === 'False');
  const why = scheduled?.message ?? scheduled?.reason;
  return { unscheduled: `the pod is not scheduled on a node yet, so no container has started${why ? ` (${why.trim()})` : ''}` };
}

function containersOf(pod: KubeObject, role: ContainerRole): string[] {
  const spec = pod.spec as { containers?: { name: string }[]; initContainers?: { name: string }[] } | undefined;
  if (role === 'service') return [SERVICE_CONTAINER];
  const pool = role === 'checkout' ? (spec?.initContainers ?? []) : (spec?.containers ?? []);
  return pool.map((x) => x.name).filter((n) => containerRole(n) === role);
}

/** Streams one container's log; returns why it could not be read, if it could not. */
async function streamOne(c: Kube, namespace: string, s: Source, prefix: string, options: LogOptions): Promise<string | undefined> {
  let chunks: AsyncIterable<string>;
  try {
    chunks = await c.log(namespace, s.pod, {
      container: s.container,
      follow: options.follow,
      ...(options.tail !== undefined && options.tail >= 0 ? { tailLines: options.tail } : {}),
      ...(options.sinceSeconds !== undefined ? { sinceSeconds: options.sinceSeconds } : {}),
      timestamps: options.timestamps === true,
    });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  let rest = '';
  try {
    for await (const chunk of chunks) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) options.write(prefix, line);
    }
  } catch (err) {
    if (rest !== '') options.write(prefix, rest);
    options.warn(`${s.pod}/${s.container}: the log stream broke: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  if (rest !== '') options.write(prefix, rest);
  return undefined;
}

export interface ServedCommit {
  input: string;
  commit: string;
  /** When it started being served (the container's log timestamp). */
  since: string;
}

/** The commit each input of a pod is serving now, from its checkout and follow logs; empty where unreadable. */
export async function servedCommits(c: Kube, namespace: string, pod: KubeObject): Promise<ServedCommit[]> {
  const spec = pod.spec as { containers?: { name: string }[]; initContainers?: { name: string }[] } | undefined;
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]
    .map((x) => x.name)
    .filter((n) => containerRole(n) === 'checkout' || containerRole(n) === 'follow');
  // Every container's tail at once (one request each); one that cannot be read says nothing.
  const texts = await Promise.all(
    containers.map(async (container) => {
      let text = '';
      try {
        for await (const chunk of await c.log(namespace, pod.metadata.name, { container, tailLines: 200 })) text += chunk;
      } catch {
        return '';
      }
      return text;
    }),
  );
  const latest = new Map<string, ServedCommit>();
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const served = parseServingLine(line);
      if (!served) continue;
      const prev = latest.get(served.input);
      if (!prev || prev.since <= served.since) latest.set(served.input, { input: served.input, commit: served.commit, since: served.since });
    }
  }
  return [...latest.values()];
}

/** A container's last lines, as text (for a failed checkout's message). */
export async function logTail(c: Kube, namespace: string, pod: string, container: string, lines: number): Promise<string> {
  let text = '';
  for await (const chunk of await c.log(namespace, pod, { container, tailLines: lines })) text += chunk;
  return text;
}
