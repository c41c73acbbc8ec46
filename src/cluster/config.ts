// Which cluster, as which user, in which namespace: kubectl's rules (--kubeconfig, then $KUBECONFIG with
// the first file's current-context winning, then ~/.kube/config, then in-cluster), through
// @kubernetes/client-node's KubeConfig, with kubectl's errors where the client would be silent.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterError } from './errors.ts';

export interface ConnectOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** Per-request time limit in milliseconds (0 or undefined: none). */
  requestTimeoutMs?: number;
}

export interface ClusterConfig {
  kc: KubeConfig;
  /** The namespace commands act in: -n, else the context's, else `default`. */
  namespace: string;
  /** The API server's URL, for messages. */
  server: string;
  requestTimeoutMs: number;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export function loadConfig(options: ConnectOptions, env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const kc = new KubeConfig();
  const files = options.kubeconfig
    ? [options.kubeconfig]
    : (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  try {
    if (files.length > 0) {
      const found = files.filter((f) => existsSync(f));
      if (found.length === 0 || (options.kubeconfig && !existsSync(options.kubeconfig))) {
        throw new ClusterError('NoConfig', `kubeconfig ${files.join(delimiter)} not found`);
      }
      kc.loadFromFile(found[0]!);
      for (const file of found.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
    } else if (existsSync(join(homedir(), '.kube', 'config'))) {
      kc.loadFromFile(join(homedir(), '.kube', 'config'));
    } else if (existsSync(`${SERVICE_ACCOUNT_DIR}/token`) && env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
    } else {
      throw new ClusterError(
        'NoConfig',
        'no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config (for the local test cluster: npm run cluster:up, then KUBECONFIG=.cluster/kubeconfig)',
      );
    }
  } catch (err) {
    if (err instanceof ClusterError) throw err;
    throw new ClusterError('NoConfig', `cannot load kubeconfig: ${(err as Error).message}`);
  }

  if (options.context !== undefined) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new ClusterError('NoConfig', `context "${options.context}" does not exist (kubeconfig has: ${known.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(options.context);
  }
  const current = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!current || !cluster) {
    throw new ClusterError('NoConfig', 'the kubeconfig has no current context: pass --context, or run `kubectl config use-context NAME`');
  }
  const namespace = options.namespace ?? kc.getContextObject(current)?.namespace ?? 'default';
  return { kc, namespace, server: cluster.server, requestTimeoutMs: options.requestTimeoutMs ?? 0 };
}
