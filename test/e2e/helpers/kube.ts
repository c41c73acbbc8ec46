// Helpers for end-to-end tests against a real Kubernetes API server.
//
// The cluster is whatever $KUBECONFIG points at; test/e2e/run.sh starts the
// local control plane (test/cluster/up.sh) and exports KUBECONFIG and
// PACHSVC_KUBECTL when KUBECONFIG is not set. Everything here runs real
// processes (kubectl, bin/pachsvc); nothing mocks the API.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Context of the cluster admin (system:masters locally). Default: the kubeconfig's current context. */
export const ADMIN_CONTEXT: string | undefined = process.env.PACHSVC_E2E_ADMIN_CONTEXT || undefined;
/** Context whose user only has the namespace-scoped Role in RESTRICTED_NAMESPACE. */
export const RESTRICTED_CONTEXT = process.env.PACHSVC_E2E_RESTRICTED_CONTEXT || 'pachsvc-restricted';
export const RESTRICTED_NAMESPACE = process.env.PACHSVC_E2E_RESTRICTED_NAMESPACE || 'pachsvc-restricted';

/** The variables test/cluster/up.sh wrote to the local control plane's cluster.env (none if it has none). */
export function readClusterEnv(): Record<string, string> {
  const file = path.join(process.env.PACHSVC_CLUSTER_DIR || path.join(REPO_ROOT, '.cluster'), 'cluster.env');
  if (!existsSync(file)) return {};
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) env[m[1]] = m[2];
  }
  return env;
}

/**
 * kubectl to use: $PACHSVC_KUBECTL (run.sh exports the one built into the
 * control-plane cache), else the one recorded by a running local cluster
 * (.cluster/cluster.env), else `kubectl` from PATH.
 */
export const KUBECTL: string = process.env.PACHSVC_KUBECTL || readClusterEnv().PACHSVC_KUBECTL || 'kubectl';

/** The command under test: bin/pachsvc (the built dist/), or $PACHSVC_E2E_BIN (another build of it). */
export const PACHSVC_BIN = process.env.PACHSVC_E2E_BIN || path.join(REPO_ROOT, 'bin', 'pachsvc');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the child's stdin (then closed). */
  input?: string;
  /** Kill the child (SIGKILL) after this long. Default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs a program to completion and captures its output. Never throws for a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // child may exit before reading stdin
    child.stdin.end(opts.input ?? '');
  });
}

export interface KubectlOptions extends RunOptions {
  /** kubeconfig context; default ADMIN_CONTEXT (i.e. the current context). */
  context?: string;
  namespace?: string;
}

/** Runs kubectl against $KUBECONFIG. Returns the result whatever the exit code. */
export function kubectl(args: readonly string[], opts: KubectlOptions = {}): Promise<RunResult> {
  const context = opts.context ?? ADMIN_CONTEXT;
  const full = [
    ...(context ? ['--context', context] : []),
    ...(opts.namespace ? ['--namespace', opts.namespace] : []),
    '--request-timeout=30s',
    ...args,
  ];
  return run(KUBECTL, full, opts);
}

function describe(cmd: string, args: readonly string[], r: RunResult): string {
  return `${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}\n${r.stderr.trim() || r.stdout.trim()}`;
}

/** Like kubectl() but throws (with stderr) unless it exits 0; returns stdout. */
export async function kubectlOk(args: readonly string[], opts: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(describe('kubectl', args, r));
  return r.stdout;
}

/** `kubectl ... -o json`, parsed. */
export async function kubectlJson<T = any>(args: readonly string[], opts: KubectlOptions = {}): Promise<T> {
  return JSON.parse(await kubectlOk([...args, '-o', 'json'], opts)) as T;
}

/** Applies a manifest (YAML or JSON text) with `kubectl apply -f -`. */
export function applyManifest(manifest: string, opts: KubectlOptions = {}): Promise<string> {
  return kubectlOk(['apply', '-f', '-'], { ...opts, input: manifest });
}

/** Runs bin/pachsvc with KUBECONFIG and PACHSVC_KUBECTL passed through. */
export function pachsvc(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [PACHSVC_BIN, ...args], {
    ...opts,
    env: { ...process.env, PACHSVC_KUBECTL: KUBECTL, ...opts.env },
  });
}

export interface WaitOptions {
  intervalMs?: number;
  /** Used in the timeout error. */
  description?: string;
}

/**
 * Polls fn until it returns a value other than undefined/null/false (which is
 * returned) or timeoutMs passes. Exceptions thrown by fn count as "not yet";
 * the last one is reported on timeout.
 */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs: number,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const interval = opts.intervalMs ?? 250;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: ${last.message}` : last !== undefined ? `: ${String(last)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.description ?? 'condition'}${why}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

export interface Namespace {
  name: string;
  /** Deletes the namespace; with wait, until it is gone (its pods deleted by the cluster). */
  cleanup(opts?: { wait?: boolean; timeoutMs?: number }): Promise<void>;
}

/**
 * Creates a namespace named `<prefix>-<random>` as admin and waits until its
 * `default` ServiceAccount exists (pods created earlier are rejected).
 */
export async function freshNamespace(prefix: string): Promise<Namespace> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase();
  await kubectlOk(['create', 'namespace', name]);
  await waitFor(async () => (await kubectl(['get', 'serviceaccount', 'default'], { namespace: name })).code === 0, 60_000, {
    description: `ServiceAccount default in namespace ${name}`,
  });
  return {
    name,
    async cleanup({ wait = false, timeoutMs = 120_000 } = {}) {
      await kubectlOk(['delete', 'namespace', name, '--ignore-not-found', '--wait=false']);
      if (wait) {
        await waitFor(async () => (await kubectl(['get', 'namespace', name])).code !== 0, timeoutMs, {
          description: `namespace ${name} to be deleted`,
          intervalMs: 500,
        });
      }
    },
  };
}

/** Names of the contexts in $KUBECONFIG. */
export async function contexts(): Promise<string[]> {
  const out = await run(KUBECTL, ['config', 'get-contexts', '-o', 'name']);
  if (out.code !== 0) throw new Error(describe('kubectl', ['config', 'get-contexts'], out));
  return out.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

/** Throws a clear error when $KUBECONFIG has no context for the restricted user. */
export async function requireRestrictedContext(): Promise<void> {
  if ((await contexts()).includes(RESTRICTED_CONTEXT)) return;
  throw new Error(
    `KUBECONFIG (${process.env.KUBECONFIG ?? '~/.kube/config'}) has no context "${RESTRICTED_CONTEXT}". ` +
      `These assertions need a user whose only rights are the namespace-scoped Role in "${RESTRICTED_NAMESPACE}" ` +
      `(see test/cluster/README.md). Run the tests through test/e2e/run.sh, which creates it with the admin ` +
      `credentials, or use the local control plane (npm run cluster:up).`,
  );
}

export interface PodLike {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    conditions?: { type: string; status: string }[];
    initContainerStatuses?: { name: string; ready?: boolean; state?: Record<string, any> }[];
    containerStatuses?: { name: string; ready?: boolean; state?: Record<string, any> }[];
  };
}

export function podReady(pod: PodLike): boolean {
  return pod.status.phase === 'Running' && !!pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Waits until `count` pods matching the selector exist and are Running and Ready; returns them. */
export async function waitForReadyPods(
  namespace: string,
  selector: string,
  count: number,
  timeoutMs = 90_000,
  opts: KubectlOptions = {},
): Promise<PodLike[]> {
  return waitFor(
    async () => {
      const list = await kubectlJson<{ items: PodLike[] }>(['get', 'pods', '-l', selector], { ...opts, namespace });
      const live = list.items.filter((p) => !p.metadata.deletionTimestamp);
      return live.length === count && live.every(podReady) ? live : undefined;
    },
    timeoutMs,
    { description: `${count} Running+Ready pod(s) with ${selector} in ${namespace}` },
  );
}
