// What commands use from the world, given to each by one small factory (as the GitHub CLI's
// cmdutil.Factory): the streams, the cluster, pachd, the clock, the environment, the editor and the
// browser. `productionFactory` wires the real ones; unit tests wire in-memory streams, an in-memory
// cluster and stand-ins, and run any command in process.
import type { Kube } from '../cluster/kube.ts';
import type { Resolver } from '../pachyderm/resolve.ts';
import { checkClusterFlags, type ClusterFlags } from './flags/cluster.ts';
import type { IOStreams } from './output/iostreams.ts';

export interface Factory {
  io: IOStreams;
  /** A connection to the cluster the flags name (checked first: a bad flag is a usage error). */
  kube(flags: ClusterFlags, command: string): Promise<Kube>;
  /** How pinning asks pachd which commit a branch points to: the resolvers to try, in order. */
  pachd(options: { address: string; token?: string }): Promise<Resolver[]>;
  /** Milliseconds since the epoch (ages, revision times). */
  now(): number;
  env: Record<string, string | undefined>;
  /** Runs the user's editor on a file and waits for it to end (for `edit`). */
  editFile(path: string): Promise<void>;
  /** Opens a URL in the user's browser (for `open --browser`). */
  openBrowser(url: string): Promise<void>;
  /** Closes every connection opened (keep-alive sockets would hold the process). */
  close(): void;
}

export function productionFactory(io: IOStreams, env: NodeJS.ProcessEnv = process.env): Factory {
  const opened: Kube[] = [];
  return {
    io,
    env,
    now: () => Date.now(),
    async kube(flags, command) {
      const { requestTimeoutMs } = checkClusterFlags(flags, command);
      // Loaded here, on first use: commands that never reach a cluster never pay for it.
      const { Cluster, HttpKube } = await import('../cluster/index.ts');
      const cluster = await Cluster.connect({
        ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
        ...(flags.context !== undefined ? { context: flags.context } : {}),
        ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
        ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
      });
      const kube = new HttpKube(cluster);
      opened.push(kube);
      return kube;
    },
    async pachd({ address, token }) {
      // Loaded only when pinning: its HTTP, TLS and child-process modules cost every other command.
      const { httpResolver, pachctlResolver } = await import('../pachyderm/resolve.ts');
      const resolvers: Resolver[] = [];
      if (/^https?:\/\//.test(address)) resolvers.push(httpResolver(address, token));
      resolvers.push(pachctlResolver(env.PACHSVC_PACHCTL || 'pachctl'));
      return resolvers;
    },
    async editFile(path) {
      const { runEditor } = await import('./editor.ts');
      await runEditor(path, env);
    },
    async openBrowser(url) {
      const { openUrl } = await import('./editor.ts');
      await openUrl(url, env);
    },
    close() {
      for (const k of opened.splice(0)) k.close();
    },
  };
}
