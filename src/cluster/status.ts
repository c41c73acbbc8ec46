// What state a service is in, in one word a person understands, from what the API server prints for
// its pods (the STATUS column of `kubectl get pods`). Pure: tested without a cluster.
import { containerRole, SERVICE_CONTAINER } from '../contract.ts';

export interface PodState {
  name: string;
  /** kubectl's STATUS: Running, Pending, Init:0/1, Init:ImagePullBackOff, CrashLoopBackOff, … */
  status: string;
  /** kubectl's READY: `1/1`. */
  ready: string;
  restarts?: string;
  node?: string;
}

// From worst to best: the service shows its worst pod's state.
const RANKS: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^Init:(ErrImagePull|ImagePullBackOff|InvalidImageName)$/, (m) => `Checkout ${m[1]}`],
  [/^Init:(CrashLoopBackOff|Error|OOMKilled|.*Error)$/, () => 'Checkout failed'],
  [/^(ErrImagePull|ImagePullBackOff|InvalidImageName|CrashLoopBackOff|Error|OOMKilled|CreateContainerConfigError|CreateContainerError|RunContainerError|ContainerStatusUnknown|Evicted)$/, (m) => m[1]!],
  [/^Terminating$/, () => 'Terminating'],
  [/^Pending$/, () => 'Pending'],
  [/^Init:\d+\/\d+$/, () => 'Checking out'],
  [/^Init:/, () => 'Checking out'],
  [/^(PodInitializing|ContainerCreating)$/, () => 'Starting'],
  [/^Running$/, () => 'Running'],
];

/** The state of one pod as a service state: `Checking out`, `Running`, `Not ready`, … */
export function podPhrase(pod: PodState): string {
  for (const [pattern, phrase] of RANKS) {
    const m = pod.status.match(pattern);
    if (!m) continue;
    const p = phrase(m);
    if (p === 'Running' && !isReady(pod.ready)) return 'Not ready';
    return p;
  }
  return pod.status || 'Unknown';
}

// Failures (anything not listed) rank first, then the states on the way to Running.
const PROGRESS = ['Terminating', 'Pending', 'Checking out', 'Starting', 'Not ready', 'Running'];
function rank(phrase: string): number {
  return PROGRESS.indexOf(phrase) + 1;
}

function isReady(ready: string): boolean {
  const [a, b] = ready.split('/');
  return a !== undefined && a === b && a !== '0';
}

/** The service's STATUS: its worst pod's phrase; `Scaled to 0`, `No pods` or `Deleting` when that says more. */
export function serviceStatus(pods: PodState[], replicas: number, deleting = false): string {
  if (deleting) return 'Deleting';
  if (replicas === 0 && pods.length === 0) return 'Scaled to 0';
  if (pods.length === 0) return 'No pods';
  const phrases = pods.map(podPhrase).sort((a, b) => rank(a) - rank(b));
  return phrases[0]!;
}

/** kubectl's AGE (apimachinery's HumanDuration). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const d = Math.floor(hours / 24) % 365;
    return d === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${d}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

export function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  return humanDuration(now - Date.parse(timestamp));
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { exitCode?: number; reason?: string; message?: string }; running?: object };
  lastState?: { terminated?: { exitCode?: number; reason?: string; message?: string } };
}

interface PodLike {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: { nodeName?: string; containers?: { name: string; image?: string; ports?: { containerPort?: number }[] }[]; initContainers?: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

/** A checkout container that keeps failing: there is no point waiting for it. */
export function failedCheckout(pods: PodLike[], attempts = 3): { pod: string; container: string; detail: string } | undefined {
  for (const pod of pods) {
    for (const s of pod.status?.initContainerStatuses ?? []) {
      const last = s.state?.terminated ?? s.lastState?.terminated;
      if ((s.restartCount ?? 0) + 1 >= attempts && last && last.exitCode !== 0) {
        return { pod: pod.metadata.name, container: s.name, detail: `exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` };
      }
    }
  }
  return undefined;
}

/** Why pods are not ready, one plain sentence per cause, most useful first. */
export function whyNotReady(pods: PodLike[]): string[] {
  const reasons: string[] = [];
  const add = (r: string) => {
    if (!reasons.includes(r)) reasons.push(r);
  };
  if (pods.length === 0) add('no pod has been created yet (check the Deployment\'s events: quota, admission or RBAC may block it)');
  for (const pod of pods) {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False') add(`pod ${pod.metadata.name} cannot be scheduled: ${scheduled.message ?? scheduled.reason ?? 'no node fits'}`);
    const images = new Map([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name, c.image]));
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const w = s.state?.waiting;
      const checkout = containerRole(s.name) === 'checkout';
      const role = checkout ? `checkout container ${s.name}` : `container ${s.name}`;
      if (w?.reason && /ImagePull|ErrImage|InvalidImageName/.test(w.reason)) {
        add(`${role}: image ${images.get(s.name) ?? '?'} cannot be pulled (${w.reason}${w.message ? `: ${w.message}` : ''})`);
      } else if (w?.reason === 'CrashLoopBackOff' || (s.state?.terminated && s.state.terminated.exitCode !== 0)) {
        const t = s.state?.terminated ?? s.lastState?.terminated;
        add(`${role} keeps failing${t ? ` (exit code ${t.exitCode}${t.reason ? `, ${t.reason}` : ''})` : ''}: see \`pachsvc logs ${pod.metadata.name.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')} -c ${checkout ? 'checkout' : 'service'}\``);
      } else if (w?.reason && w.reason !== 'PodInitializing' && w.reason !== 'ContainerCreating') {
        add(`${role} is waiting: ${w.reason}${w.message ? `: ${w.message}` : ''}`);
      }
    }
    const running = pod.status?.containerStatuses?.find((s) => s.name === SERVICE_CONTAINER);
    if (running?.state?.running && !running.ready) {
      const port = pod.spec?.containers?.find((c) => c.name === SERVICE_CONTAINER)?.ports?.[0]?.containerPort;
      add(`the service runs but does not accept connections${port ? ` on port ${port}` : ''} yet (readiness probe): is internal_port the port it listens on?`);
    }
    const initDone = (pod.status?.initContainerStatuses ?? []).filter((s) => s.state?.terminated?.exitCode === 0).length;
    const inits = pod.spec?.initContainers?.length ?? 0;
    if (scheduled?.status === 'True' && initDone < inits && reasons.length === 0) add(`pod ${pod.metadata.name} is checking out its inputs (${initDone}/${inits} done)`);
  }
  return reasons;
}

/**
 * A pod as `kubectl get pods` shows it (READY, STATUS, RESTARTS, NODE), computed from the object the way
 * kubectl's printer does (printPod in k8s.io/kubernetes/pkg/printers/internalversion), so `inspect` and
 * `--wait` read objects and still say what kubectl would.
 */
export function podState(pod: PodLike): PodState {
  const status = pod.status ?? {};
  const inits = status.initContainerStatuses ?? [];
  const containers = status.containerStatuses ?? [];
  let reason = status.reason || status.phase || '';
  let restarts = 0;
  let initializing = false;
  for (const [i, c] of inits.entries()) {
    restarts += c.restartCount ?? 0;
    const t = c.state?.terminated;
    if (t && t.exitCode === 0) continue;
    initializing = true;
    if (t) reason = t.reason ? `Init:${t.reason}` : `Init:ExitCode:${t.exitCode ?? 0}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${pod.spec?.initContainers?.length ?? inits.length}`;
    break;
  }
  let ready = 0;
  if (!initializing) {
    restarts = 0;
    let running = false;
    for (const c of [...containers].reverse()) {
      restarts += c.restartCount ?? 0;
      const t = c.state?.terminated;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = `ExitCode:${t.exitCode ?? 0}`;
      else if (c.ready && c.state?.running) {
        running = true;
        ready++;
      }
    }
    if (reason === 'Completed' && running) reason = 'Running';
  }
  if (pod.metadata.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return {
    name: pod.metadata.name,
    status: reason,
    ready: `${ready}/${pod.spec?.containers?.length ?? containers.length}`,
    restarts: String(restarts),
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
  };
}
