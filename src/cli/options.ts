// Flags shared by several commands, declared once as data: yargs builds the commands from these, and the
// fast path (fast-path.ts) parses the same declarations with yargs-parser.
import type { Options } from 'yargs';
import { DEFAULT_PACHCTL_VERSION, DEFAULT_PACHYDERM_NAMESPACE } from '../render/index.ts';

export type OptionTable = Record<string, Options>;

export interface SpecArgs {
  filename: string;
  name?: string;
  follow?: boolean;
}

export interface RenderArgs {
  'pachctl-version': string;
  'pachctl-image'?: string;
  'pachd-address'?: string;
  'pachyderm-namespace': string;
  'pachyderm-auth-secret'?: string;
}

export interface ClusterArgs {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  'request-timeout'?: string;
}

export const SPEC_OPTIONS = {
  filename: {
    alias: 'f',
    type: 'string',
    demandOption: true,
    describe: 'The spec file (JSON or YAML), or - for stdin',
    requiresArg: true,
  },
  name: { type: 'string', describe: 'The service name, when the spec names none (default: the file name)', requiresArg: true },
  follow: { type: 'boolean', describe: 'Keep inputs on the newest commit of their branch (unless the spec says follow: false)' },
} satisfies OptionTable;

export const RENDER_OPTIONS = {
  'pachctl-version': { type: 'string', default: DEFAULT_PACHCTL_VERSION, describe: 'pachctl image version for checkout containers (match your pachd)', requiresArg: true },
  'pachctl-image': { type: 'string', describe: 'Full checkout image (overrides --pachctl-version)', requiresArg: true },
  'pachd-address': { type: 'string', describe: 'Where pods reach pachd (default: grpc://pachd.<pachyderm-namespace>.svc.cluster.local:30650)', requiresArg: true },
  'pachyderm-namespace': { type: 'string', default: DEFAULT_PACHYDERM_NAMESPACE, describe: 'Namespace of the in-cluster pachd', requiresArg: true },
  'pachyderm-auth-secret': { type: 'string', describe: 'Secret NAME[:KEY] with a Pachyderm auth token for checkouts (key default: auth-token)', requiresArg: true },
} satisfies OptionTable;

export const CLUSTER_OPTIONS = {
  namespace: { alias: 'n', type: 'string', describe: 'Namespace (default: from the kube context)', requiresArg: true },
  context: { type: 'string', describe: 'kubeconfig context to use', requiresArg: true },
  kubeconfig: { type: 'string', describe: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)', requiresArg: true },
  'request-timeout': { type: 'string', describe: 'How long to wait for one API request (e.g. 30s, 1m; 0 = no limit)', requiresArg: true },
} satisfies OptionTable;

/** Options every command has. */
export const GLOBAL_OPTIONS = {
  color: { type: 'boolean', describe: 'Color messages (--no-color or NO_COLOR turn it off)' },
  verbose: { alias: 'v', type: 'boolean', describe: 'Show stack traces and request details on errors' },
} satisfies OptionTable;

export const VALIDATE_OPTIONS = {
  ...SPEC_OPTIONS,
  ...RENDER_OPTIONS,
  output: { alias: 'o', choices: ['text', 'json'], default: 'text', describe: 'text, or json for tools' },
} satisfies OptionTable;

export const RENDER_COMMAND_OPTIONS = {
  ...SPEC_OPTIONS,
  ...RENDER_OPTIONS,
  output: { alias: 'o', choices: ['yaml', 'json', 'name'], default: 'yaml', describe: 'Output format' },
  namespace: { alias: 'n', type: 'string', describe: 'Set metadata.namespace on the objects', requiresArg: true },
} satisfies OptionTable;

export const LIST_OPTIONS = {
  ...CLUSTER_OPTIONS,
  output: { alias: 'o', choices: ['wide', 'json', 'yaml', 'name'], describe: 'wide (more columns), json, yaml, or name (service/<name>, one a line)' },
  headers: { type: 'boolean', default: true, describe: 'Print the header line (--no-headers leaves it out)' },
  selector: { alias: 'l', type: 'string', describe: 'Label selector, e.g. team=analytics,tier!=dev', requiresArg: true },
  'all-namespaces': { alias: 'A', type: 'boolean', default: false, describe: 'List services in every namespace' },
} satisfies OptionTable;
