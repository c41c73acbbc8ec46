// Before deploying: pin every input that names a branch to the commit it points to now (unless it
// follows its branch, or --no-pin). What cannot be pinned is deployed unpinned, with one warning.
import type { PinTarget, Resolver } from '../pachyderm/resolve.ts';
import type { ServiceSpec } from '../spec/model.ts';
import { formatRef, isPinned } from '../spec/ref.ts';
import { style, writeLine, type Terminal } from './terminal.ts';

export interface PinOptions {
  pin: boolean;
  pachdAddress?: string;
  /** Reads the Pachyderm token (from --pachyderm-auth-secret), when there is one and it may be read. */
  token?: () => Promise<string | undefined>;
}

export function pinTargets(service: ServiceSpec): PinTarget[] {
  return service.inputs
    .filter((i) => !i.follow && !isPinned(i.ref))
    .map((i) => ({ input: i.name, repo: i.repo, ref: formatRef(i.ref), ...(i.project !== undefined ? { project: i.project } : {}) }));
}

export async function pinInputs(service: ServiceSpec, options: PinOptions, term: Terminal): Promise<Record<string, string>> {
  const targets = pinTargets(service);
  if (!options.pin || targets.length === 0) return {};
  // Loaded here: its HTTP, TLS and child-process modules cost start-up time to every other command.
  const { httpResolver, pachctlResolver, resolvePins } = await import('../pachyderm/resolve.ts');
  const resolvers: Resolver[] = [];
  if (options.pachdAddress && /^https?:\/\//.test(options.pachdAddress)) {
    resolvers.push(httpResolver(options.pachdAddress, options.token ? await options.token().catch(() => undefined) : undefined));
  }
  resolvers.push(pachctlResolver(process.env.PACHSVC_PACHCTL || 'pachctl'));
  const { pins, failures } = await resolvePins(targets, resolvers);
  const c = style(term);
  for (const t of targets) if (pins[t.input]) writeLine(term.stderr, `pinned ${t.repo}@${t.ref} to commit ${pins[t.input]}`);
  if (failures.length > 0) {
    const names = failures.map((f) => `${f.target.repo}@${f.target.ref}`).join(', ');
    const why = [...new Set(failures.flatMap((f) => f.reasons))].join('; ');
    writeLine(
      term.stderr,
      `${c.yellow('warning:')} could not pin ${names} to a commit (${why}); deploying unpinned: each pod checks out what the reference names when it starts (--no-pin skips this step)`,
    );
  }
  return pins;
}
