// Flags that read specs (-f, -R, --name, --follow) and that shape the rendered objects (pachctl image,
// pachd address, auth secret). Checked where they are read, before any spec is, so a bad flag is said first.
import { DEFAULT_AUTH_SECRET_KEY, DEFAULT_PACHCTL_VERSION, DEFAULT_PACHYDERM_NAMESPACE, defaultPachdAddress, type RenderOptions } from '../../render/index.ts';
import { quote } from '../../lib/text.ts';
import type { FlagTable } from '../command.ts';
import { UsageError } from '../output/errors.ts';
import { VERSION } from '../version.ts';

export interface SpecFlags {
  /** -f, as given: one value, or several when repeated. */
  filename: string | string[];
  recursive?: boolean;
  name?: string;
  follow?: boolean;
}

export interface RenderFlags {
  'pachctl-version': string;
  'pachctl-image'?: string;
  'pachd-address'?: string;
  'pachyderm-namespace': string;
  'pachyderm-auth-secret'?: string;
}

/** Flags that may be given several times (their values make a list). */
export const REPEATABLE_FLAGS = new Set(['filename']);

export const SPEC_FLAGS = {
  filename: {
    alias: 'f',
    type: 'string',
    demandOption: true,
    describe: 'A spec file (JSON or YAML; it may hold several specs), a folder of them, or - for stdin; repeat for more',
    requiresArg: true,
  },
  recursive: { alias: 'R', type: 'boolean', default: false, describe: 'Read the folders given with -f recursively' },
  name: { type: 'string', describe: 'The service name, when a single spec names none (default: the file name)', requiresArg: true },
  follow: { type: 'boolean', describe: 'Keep inputs on the newest commit of their branch (unless the spec says follow: false)' },
} satisfies FlagTable;

export const RENDER_FLAGS = {
  'pachctl-version': { type: 'string', default: DEFAULT_PACHCTL_VERSION, describe: 'pachctl image version for checkout containers (match your pachd)', requiresArg: true },
  'pachctl-image': { type: 'string', describe: 'Full checkout image (overrides --pachctl-version)', requiresArg: true },
  'pachd-address': { type: 'string', describe: 'Where pods reach pachd (default: grpc://pachd.<pachyderm-namespace>.svc.cluster.local:30650)', requiresArg: true },
  'pachyderm-namespace': { type: 'string', default: DEFAULT_PACHYDERM_NAMESPACE, describe: 'Namespace of the in-cluster pachd', requiresArg: true },
  'pachyderm-auth-secret': { type: 'string', describe: 'Secret NAME[:KEY] with a Pachyderm auth token for checkouts (key default: auth-token)', requiresArg: true },
} satisfies FlagTable;

/** The -f values, in order, as a list. */
export function filenames(flags: SpecFlags, command: string): string[] {
  const given = Array.isArray(flags.filename) ? flags.filename : [flags.filename];
  if (given.length === 0 || given.some((f) => typeof f !== 'string' || f === '')) throw new UsageError('-f needs a file name, a folder, or - for stdin', command);
  if (given.filter((f) => f === '-').length > 1) throw new UsageError('-f - (stdin) may be given once', command);
  return given;
}

const PACHD_ADDRESS = /^(grpcs?|https?|unix):\/\/[^/?#@\s]+$|^[^/:?#@\s]+(:\d+)?$/;
const IMAGE = /^[a-zA-Z0-9][a-zA-Z0-9._\-/:@]*$/;
const VERSION_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** The render options the flags give. */
export function renderOptionsFromFlags(flags: RenderFlags, command: string): RenderOptions {
  const version = flags['pachctl-version'];
  if (!VERSION_TAG.test(version)) throw new UsageError(`--pachctl-version ${quote(version)} is not an image tag (letters, digits, ".", "_", "-")`, command);
  const image = flags['pachctl-image'];
  if (image !== undefined && (!IMAGE.test(image) || image.length > 512)) throw new UsageError(`--pachctl-image ${quote(image)} is not an image reference`, command);
  const ns = flags['pachyderm-namespace'];
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63) throw new UsageError(`--pachyderm-namespace ${quote(ns)} is not a namespace name`, command);
  const address = flags['pachd-address'] ?? defaultPachdAddress(ns);
  if (!PACHD_ADDRESS.test(address) || address.length > 512) {
    throw new UsageError(`--pachd-address ${quote(address)} is not a pachd address: use [grpc|grpcs|http|https]://host[:port]`, command);
  }
  const options: RenderOptions = { pachctlImage: image ?? `pachyderm/pachctl:${version}`, pachdAddress: address, version: VERSION };
  const secret = flags['pachyderm-auth-secret'];
  if (secret !== undefined) {
    const [name, key, more] = secret.split(':');
    if (!name || more !== undefined || name.length > 253 || !DNS_SUBDOMAIN.test(name) || (key !== undefined && !SECRET_KEY.test(key))) {
      // Not echoed: what was pasted here may be the token itself.
      throw new UsageError('--pachyderm-auth-secret must be NAME or NAME:KEY of a Secret (the value given is not shown: it may be a secret)', command);
    }
    options.authSecret = { name, key: key ?? DEFAULT_AUTH_SECRET_KEY };
  }
  return options;
}
