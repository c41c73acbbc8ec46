// Before deploying: pin every input that names a branch to the commit it points to now (unless it
// follows its branch, or --no-pin). What cannot be pinned is deployed unpinned, with one warning.
import type { Kube } from '../cluster/kube.ts';
import type { PinTarget } from '../pachyderm/resolve.ts';
import type { RenderOptions } from '../render/index.ts';
import type { ServiceSpec } from '../spec/model.ts';
import { formatRef, isPinned } from '../spec/ref.ts';
import type { Factory } from './factory.ts';
import { warn, writeLine } from './output/iostreams.ts';

export interface PinOptions {
  pin: boolean;
  pachdAddress: string;
  /** Reads the Pachyderm token (from --pachyderm-auth-secret), when there is one and it may be read. */
  token?: () => Promise<string | undefined>;
}

export function pinTargets(service: ServiceSpec): PinTarget[] {
  return service.inputs
    .filter((i) => !i.follow && !isPinned(i.ref))
    .map((i) => ({ input: i.name, repo: i.repo, ref: formatRef(i.ref), ...(i.project !== undefined ? { project: i.project } : {}) }));
}

export async function pinInputs(service: ServiceSpec, options: PinOptions, f: Factory): Promise<Record<string, string>> {
  const targets = pinTargets(service);
  if (!options.pin || targets.length === 0) return {};
  const { resolvePins } = await import('../pachyderm/resolve.ts');
  const token = options.token ? await options.token().catch(() => undefined) : undefined;
  const resolvers = await f.pachd({ address: options.pachdAddress, ...(token ? { token } : {}) });
  const { pins, failures } = await resolvePins(targets, resolvers);
  for (const t of targets) if (pins[t.input]) writeLine(f.io.stderr, `pinned ${t.repo}@${t.ref} to commit ${pins[t.input]}`);
  if (failures.length > 0) {
    const names = failures.map((x) => `${x.target.repo}@${x.target.ref}`).join(', ');
    const why = [...new Set(failures.flatMap((x) => x.reasons))].join('; ');
    warn(f.io, `could not pin ${names} to a commit (${why}); deploying unpinned: each pod checks out what the reference names when it starts (--no-pin skips this step)`);
  }
  return pins;
}

/**
 * How pinning gets the Pachyderm token from --pachyderm-auth-secret: read from the cluster once per
 * command, and only when pachd is asked over HTTP (the only way pinning sends it).
 */
export function tokenReader(kube: Kube, options: RenderOptions): (() => Promise<string | undefined>) | undefined {
  const secret = options.authSecret;
  if (!secret || !/^https?:\/\//.test(options.pachdAddress)) return undefined;
  let token: Promise<string | undefined> | undefined;
  return () =>
    (token ??= import('../cluster/secrets.ts').then(({ readSecretKey }) => readSecretKey(kube, kube.namespace, secret.name, secret.key)));
}
