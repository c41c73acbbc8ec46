// The part every spec-taking command shares: read -f, load the spec, render it with the flags' options.
import { PatchError, renderService, DEFAULT_AUTH_SECRET_KEY, defaultPachdAddress, type KubeObject, type RenderOptions } from '../render/index.ts';
import { SpecError } from '../spec/diagnostics.ts';
import { loadSpec, type LoadedSpec } from '../spec/load.ts';
import { UsageError } from './errors.ts';
import { readSpecText } from './input.ts';
import type { RenderArgs, SpecArgs } from './options.ts';
import { printDiagnostics } from './output/diagnostics.ts';
import type { Terminal } from './terminal.ts';
import { VERSION } from './version.ts';

export interface Loaded extends LoadedSpec {
  file: string;
}

/** Reads and checks the spec; prints its warnings. Throws SpecError (printed by the caller) if it is broken. */
export async function loadFromArgs(args: SpecArgs, term: Terminal, options: { quiet?: boolean } = {}): Promise<Loaded> {
  const { text, file } = await readSpecText(args.filename, term);
  const loaded = await loadSpec(text, { file, ...(args.name !== undefined ? { name: args.name } : {}), ...(args.follow !== undefined ? { follow: args.follow } : {}) });
  if (!options.quiet) printDiagnostics(term, loaded.warnings);
  return { ...loaded, file };
}

const PACHD_ADDRESS = /^(grpcs?|https?|unix):\/\/[^/?#@\s]+$|^[^/:?#@\s]+(:\d+)?$/;

/** The render options the flags give; checked before the spec is read, so a bad flag is said first. */
export function renderOptionsFromArgs(args: RenderArgs, command: string): RenderOptions {
  const address = args['pachd-address'] ?? defaultPachdAddress(args['pachyderm-namespace']);
  if (!PACHD_ADDRESS.test(address)) {
    throw new UsageError(`--pachd-address ${JSON.stringify(address)} is not a pachd address: use [grpc|grpcs|http|https]://host[:port]`, command);
  }
  const options: RenderOptions = {
    pachctlImage: args['pachctl-image'] ?? `pachyderm/pachctl:${args['pachctl-version']}`,
    pachdAddress: address,
    version: VERSION,
  };
  const secret = args['pachyderm-auth-secret'];
  if (secret !== undefined) {
    const [name, key] = secret.split(':');
    if (!name || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || (key !== undefined && !/^[-._a-zA-Z0-9]+$/.test(key))) {
      throw new UsageError(`--pachyderm-auth-secret ${JSON.stringify(secret)} must be NAME or NAME:KEY of a Secret`, command);
    }
    options.authSecret = { name, key: key ?? DEFAULT_AUTH_SECRET_KEY };
  }
  return options;
}

/** Renders; a patch that cannot apply is reported at its place in the spec, like any other spec error. */
export function renderLoaded(loaded: Loaded, options: RenderOptions): KubeObject[] {
  try {
    return renderService(loaded.service, options);
  } catch (err) {
    if (err instanceof PatchError) {
      throw new SpecError([{ severity: 'error', file: loaded.file, position: loaded.positionOf(`/${err.field}`), message: err.message }]);
    }
    throw err;
  }
}
