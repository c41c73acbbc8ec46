// version: pachsvc's version, and, when they can be reached, the Kubernetes API server's (GET /version)
// and pachd's (src/pachyderm/version.ts), as `kubectl version` shows client and server. As kubectl's, it
// fails (exit 1) when the Kubernetes server cannot be reached; pachd out of reach is only a warning. The
// checkout containers run pachctl, whose version should match pachd's: a difference is a warning.
import type { ServerVersion } from '../../cluster/kube.ts';
import { quote, terminalCell } from '../../lib/text.ts';
import { defineCommand } from '../command.ts';
import type { Factory } from '../factory.ts';
import { CLUSTER_FLAGS, durationFlag, type ClusterFlags } from '../flags/cluster.ts';
import { RENDER_FLAGS, renderOptionsFromFlags, type RenderFlags } from '../flags/spec.ts';
import { UsageError } from '../output/errors.ts';
import { warn, writeLine } from '../output/iostreams.ts';
import { report } from '../output/report.ts';
import { toYaml } from '../output/yaml.ts';
import { VERSION } from '../version.ts';

type Args = ClusterFlags & RenderFlags & { client: boolean; output?: 'json' | 'yaml' };

const { 'pachyderm-auth-secret': _secret, ...PACHD_FLAGS } = RENDER_FLAGS;

/** What `version -o json` prints. */
export interface VersionReport {
  clientVersion: { pachsvc: string; checkoutImage: string };
  kubernetes?: (ServerVersion & { server: string }) | { server?: string; gitVersion: 'unknown'; error: string };
  pachd?: { version: string; source: string } | { version: 'unknown'; error: string };
}

export const VERSION_COMMAND = defineCommand<Args>({
  name: 'version',
  summary: "Print pachsvc's version, and the Kubernetes server's and pachd's when they can be reached",
  fast: true,
  flags: {
    client: { type: 'boolean', default: false, describe: "Only pachsvc's own version (nothing is asked of the network)" },
    output: { alias: 'o', choices: ['json', 'yaml'], describe: 'json or yaml instead of lines', requiresArg: true },
    ...CLUSTER_FLAGS,
    ...PACHD_FLAGS,
  },
  examples: [
    ['$0 version', "pachsvc's, the Kubernetes server's and pachd's versions"],
    ['$0 version --client', "Only pachsvc's (no network)"],
    ['$0 version --pachd-address http://localhost:30650 -o json', "pachd's version from its HTTP API, as JSON"],
  ],
  async run(args, f) {
    const options = renderOptionsFromFlags(args, 'version');
    const result: VersionReport = { clientVersion: { pachsvc: VERSION, checkoutImage: options.pachctlImage } };
    let failure: unknown;
    if (!args.client) {
      const kubernetes = connect(args, f);
      const pachd = /^https?:\/\//.test(options.pachdAddress) ? viaHttp(options.pachdAddress, args) : viaDeployment(kubernetes, args['pachyderm-namespace']);
      const [k, p] = await Promise.all([kubernetes, pachd]);
      if (k.error instanceof UsageError) throw k.error;
      failure = k.error;
      result.kubernetes = k.error === undefined ? { server: k.kube!.server, ...k.version! } : { ...(k.kube ? { server: k.kube.server } : {}), gitVersion: 'unknown', error: message(k.error) };
      result.pachd = p;
    }

    if (args.output === 'json') writeLine(f.io.stdout, JSON.stringify(result, null, 2));
    else if (args.output === 'yaml') f.io.stdout.write(toYaml(result));
    else {
      // The servers' versions are what the servers say (pachd's `additional`, a proxy's gitVersion): shown, never obeyed.
      writeLine(f.io.stdout, `pachsvc Version: ${VERSION}`);
      writeLine(f.io.stdout, `Checkout Image: ${terminalCell(options.pachctlImage)}`);
      if (result.kubernetes) writeLine(f.io.stdout, `Kubernetes Server Version: ${terminalCell(String(result.kubernetes.gitVersion))}`);
      if (result.pachd) writeLine(f.io.stdout, `pachd Version: ${terminalCell(result.pachd.version)}`);
    }

    const pachd = result.pachd;
    if (pachd && 'error' in pachd) warn(f.io, `pachd's version is unknown: ${pachd.error}`);
    if (pachd && !('error' in pachd)) {
      const { imageTag, sameVersion } = await import('../../pachyderm/version.ts');
      const tag = imageTag(options.pachctlImage);
      if (tag !== undefined && !sameVersion(tag, pachd.version)) {
        // One line: warn escapes control characters, and a newline in what pachd said is one too.
        const said = terminalCell(pachd.version);
        warn(f.io, `checkout containers use ${terminalCell(options.pachctlImage)}, but pachd is ${said}: pass --pachctl-version ${said.replace(/^v/, '')} to create, update and apply (pachctl should match pachd)`);
      }
    }
    // As kubectl version: the server out of reach fails the command, after what could be said.
    return failure === undefined ? 0 : report(failure, f.io);
  },
});

interface Connected {
  kube?: Awaited<ReturnType<Factory['kube']>>;
  version?: ServerVersion;
  error?: unknown;
}

async function connect(args: Args, f: Factory): Promise<Connected> {
  let kube: Connected['kube'];
  try {
    kube = await f.kube(args, 'version');
    return { kube, version: await kube.version() };
  } catch (error) {
    return { ...(kube ? { kube } : {}), error };
  }
}

async function viaHttp(address: string, args: Args): Promise<VersionReport['pachd']> {
  const { pachdHttpVersion } = await import('../../pachyderm/version.ts');
  try {
    const limit = args['request-timeout'] === undefined ? 0 : durationFlag('request-timeout', args['request-timeout'], 'version');
    return { version: await pachdHttpVersion(address, limit || undefined), source: `pachd's HTTP API at ${address}` };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return { version: 'unknown', error: message(err) };
  }
}

/** The version in the image tag of pachd's Deployment, read through the Kubernetes API. */
async function viaDeployment(connected: Promise<Connected>, namespace: string): Promise<VersionReport['pachd']> {
  const { kube, error } = await connected;
  if (error !== undefined || !kube) return { version: 'unknown', error: 'the Kubernetes server cannot be reached to find pachd (an http(s) --pachd-address asks pachd itself)' };
  const where = `deployment/pachd in namespace ${quote(namespace)}`;
  try {
    const { KINDS } = await import('../../cluster/index.ts');
    const { imageTag } = await import('../../pachyderm/version.ts');
    const deployment = await kube.get(KINDS.Deployment, namespace, 'pachd');
    if (!deployment) return { version: 'unknown', error: `there is no ${where} (--pachyderm-namespace names pachd's namespace; an http(s) --pachd-address asks pachd itself)` };
    const containers = ((deployment.spec as { template?: { spec?: { containers?: { name?: string; image?: string }[] } } } | undefined)?.template?.spec?.containers ?? []);
    const image = (containers.find((c) => c.name === 'pachd') ?? containers[0])?.image ?? '';
    const tag = imageTag(image);
    if (!tag) return { version: 'unknown', error: `the image of ${where} (${quote(image)}) names no version` };
    return { version: tag, source: `the image of ${where}` };
  } catch (err) {
    return { version: 'unknown', error: `cannot read ${where}: ${message(err)}` };
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
