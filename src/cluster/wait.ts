// `--wait`: until every replica is ready with its data checked out, or a reason it will not be.
import { managedSelector } from '../contract.ts';
import { ClusterError } from './errors.ts';
import type { Kube } from './kube.ts';
import { logTail } from './logs.ts';
import { failedCheckout, whyNotReady } from './status.ts';
import { KINDS, type KubeObject } from './types.ts';

export interface WaitOptions {
  timeoutMs: number;
  /** Called with what is happening now, for a spinner. */
  onProgress?: (text: string) => void;
  pollMs?: number;
}

/** The service went away while --wait waited for it (someone deleted it). */
export class DeletedWhileWaiting extends ClusterError {
  constructor(name: string) {
    super('NotFound', `service "${name}" was deleted while waiting for it`);
  }
}

export async function waitReady(c: Kube, namespace: string, name: string, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const poll = options.pollMs ?? 1000;
  const labelSelector = managedSelector(name);
  for (;;) {
    const [deployment, podList] = await Promise.all([c.get(KINDS.Deployment, namespace, name), c.list(KINDS.Pod, namespace, { labelSelector })]);
    if (!deployment) throw new DeletedWhileWaiting(name);
    const pods = podList.items;
    if (isReady(deployment)) return;

    const failed = failedCheckout(pods);
    if (failed) {
      const tail = await indentedTail(c, namespace, failed.pod, failed.container);
      throw new ClusterError('Failed', `checkout failed in pod ${failed.pod} (${failed.container}, ${failed.detail})${tail ? `:\n${tail}` : ''}`);
    }
    const reasons = whyNotReady(pods);
    const ready = `${deployment.status?.readyReplicas ?? 0}/${deployment.spec?.replicas ?? 0} ready`;
    options.onProgress?.(`${ready}: ${reasons[0] ?? 'starting'}`);
    if (Date.now() >= deadline) {
      const why = reasons.length > 0 ? `: ${reasons.join('; ')}` : '';
      throw new ClusterError('Timeout', `timed out waiting for service "${name}" to be ready (${ready})${why}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(poll, Math.max(0, deadline - Date.now()))));
  }
}

/** Ready as `kubectl rollout status` means it: the newest generation, every replica updated and ready. */
export function isReady(d: KubeObject): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.readyReplicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want
  );
}

/** The failed container's last lines, indented under the error; empty if they cannot be read. */
async function indentedTail(c: Kube, namespace: string, pod: string, container: string): Promise<string> {
  try {
    const tail = await logTail(c, namespace, pod, container, 15);
    return tail.trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
  } catch {
    return '';
  }
}

/** Until the service's objects and pods are gone. */
export async function waitDeleted(c: Kube, namespace: string, name: string, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const labelSelector = managedSelector(name);
  for (;;) {
    const [d, s, pods] = await Promise.all([
      c.get(KINDS.Deployment, namespace, name),
      c.get(KINDS.Service, namespace, name),
      c.list(KINDS.Pod, namespace, { labelSelector }),
    ]);
    const left = (d ? 1 : 0) + (s ? 1 : 0) + pods.items.length;
    if (left === 0) return;
    options.onProgress?.(`deleting service "${name}": ${pods.items.length} pods left`);
    if (Date.now() >= deadline) throw new ClusterError('Timeout', `timed out waiting for service "${name}" to be deleted (${left} objects left)`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
}
