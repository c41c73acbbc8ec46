// port-forward and open: a local port that reaches a service's pods through the API server, kept up
// across pod restarts and rollouts (each new connection goes to a ready pod picked for it), until Ctrl-C.
import net from 'node:net';
import type { Kube } from '../../cluster/kube.ts';
import type { Forward, ForwardOptions } from '../../cluster/portforward.ts';
import { PORT_NAME } from '../../contract.ts';
import { quote, terminalCell } from '../../lib/text.ts';
import { defineCommand } from '../command.ts';
import type { Factory } from '../factory.ts';
import { CLUSTER_FLAGS, durationFlag, serviceArg, type ClusterFlags } from '../flags/cluster.ts';
import { EXIT, UsageError } from '../output/errors.ts';
import { style, warn, writeLine } from '../output/iostreams.ts';

type Common = ClusterFlags & { name: string; address: string; 'pod-running-timeout': string };
type ForwardArgs = Common & { port: string };
type OpenArgs = Common & { port?: string; browser: boolean };

const FORWARD_FLAGS = {
  ...CLUSTER_FLAGS,
  address: {
    type: 'string',
    default: '127.0.0.1',
    describe: 'Addresses to listen on, comma-separated: IP addresses or localhost (127.0.0.1 and ::1)',
    requiresArg: true,
  },
  'pod-running-timeout': {
    type: 'string',
    default: '1m',
    describe: 'How long to wait for a ready pod (at the start, and for each connection while pods restart)',
    requiresArg: true,
  },
} as const;

export const PORT_FORWARD = defineCommand<ForwardArgs>({
  name: 'port-forward',
  args: '<name> <port>',
  completes: 'service',
  summary: "Forward a local port to a service's pods (through the API server), across pod restarts, until Ctrl-C",
  positionals: {
    name: { type: 'string', describe: 'The service' },
    port: {
      type: 'string',
      describe: '[LOCAL:]REMOTE: REMOTE is a port of the Service (mapped to its pods\' port, as kubectl does for svc/NAME) or of the container, by number or name; LOCAL 0 or empty (:8080) picks a free port',
    },
  },
  flags: FORWARD_FLAGS,
  examples: [
    ['$0 port-forward jupyter 8888', '127.0.0.1:8888 reaches the notebook'],
    ['$0 port-forward jupyter 9000:8888', "Local port 9000 to the notebook's port 8888"],
    ['$0 port-forward dashboard :user-port', "A free local port to the service's port, by name"],
    ['$0 port-forward jupyter 8888 --address 0.0.0.0', 'Listen on every interface'],
  ],
  async run(args, f) {
    const name = serviceArg(args.name, 'port-forward');
    const { local, remote } = portArg(args.port, 'port-forward');
    const options = commonOptions(args, 'port-forward');
    const kube = await f.kube(args, 'port-forward');
    return forwardUntilStopped(f, kube, { ...options, service: name, namespace: kube.namespace, remote, ...(local !== undefined ? { local } : {}) }, (forward) => {
      for (const l of forward.listening) writeLine(f.io.stdout, `Forwarding from ${hostPort(l.address, l.port)} -> ${forward.remotePort}`);
    });
  },
});

export const OPEN = defineCommand<OpenArgs>({
  name: 'open',
  args: '<name>',
  completes: 'service',
  summary: "Forward a free local port to a service and print its URL (--browser opens it), until Ctrl-C",
  positionals: { name: { type: 'string', describe: 'The service' } },
  flags: {
    ...FORWARD_FLAGS,
    port: { type: 'string', describe: 'Local port (default: a free one)', requiresArg: true },
    browser: { type: 'boolean', default: false, describe: 'Open the URL in a browser (only when stdout is a terminal)' },
  },
  examples: [
    ['$0 open jupyter', 'Print a local URL that reaches the notebook'],
    ['$0 open jupyter --browser', 'And open it in the browser'],
  ],
  async run(args, f) {
    const name = serviceArg(args.name, 'open');
    const local = args.port === undefined ? 0 : localPort(args.port, 'open', `--port ${quote(args.port)}`);
    const options = commonOptions(args, 'open');
    const kube = await f.kube(args, 'open');
    // The port pachsvc gives every service (its Service's, mapped to the container's by name).
    return forwardUntilStopped(f, kube, { ...options, service: name, namespace: kube.namespace, remote: PORT_NAME, local }, async (forward) => {
      const first = forward.listening[0]!;
      const host = options.addresses[0] === 'localhost' ? 'localhost' : first.address.includes(':') ? `[${first.address}]` : first.address;
      const url = `http://${host}:${first.port}/`;
      writeLine(f.io.stdout, url);
      if (args.browser && f.io.stdoutIsTTY) {
        await f.openBrowser(url).catch((err: Error) => warn(f.io, `cannot open a browser: ${err.message}`));
      }
    });
  },
});

type Options = Pick<ForwardOptions, 'addresses' | 'podTimeoutMs'>;

function commonOptions(args: Common, command: string): Options {
  const podTimeoutMs = durationFlag('pod-running-timeout', args['pod-running-timeout'], command);
  if (podTimeoutMs <= 0) throw new UsageError('--pod-running-timeout must be more than zero', command);
  return { addresses: addressFlag(args.address, command), podTimeoutMs };
}

/**
 * Forwards until SIGINT or SIGTERM (Ctrl-C): then closes the listeners and every connection, and exits 0.
 * Pod changes and failed connections are one line each on stderr; `started` prints what stdout shows.
 */
async function forwardUntilStopped(f: Factory, kube: Kube, options: Omit<ForwardOptions, 'signal'>, started: (forward: Forward) => void | Promise<void>): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const { startForward } = await import('../../cluster/portforward.ts');
    let forward: Forward;
    try {
      forward = await startForward(kube, {
        ...options,
        signal: controller.signal,
        // Both carry what the API server or the kubelet said (a pod's name, an error's text): shown, never obeyed.
        onPodChange: (message) => writeLine(f.io.stderr, terminalCell(message)),
        onConnectionError: (message) => writeLine(f.io.stderr, `${style(f.io).red('error:')} ${terminalCell(message)}`),
      });
    } catch (err) {
      if (controller.signal.aborted) return EXIT.ok;
      throw err;
    }
    await started(forward);
    await forward.done;
    return EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

// A port name as Kubernetes allows one (IANA_SVC_NAME): at most 15, lower-case letters, digits, inner dashes
// (not two in a row), at least one letter.
const PORT_NAME_RE = /^(?=.*[a-z])[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

/** `[LOCAL:]REMOTE` as kubectl takes it. */
export function portArg(text: string, command: string): { local?: number; remote: number | string } {
  const bad = (why: string) => new UsageError(`${quote(text)} is not a port to forward: ${why} (give [LOCAL:]REMOTE, e.g. 8080, 9000:8080, :8080)`, command);
  const parts = String(text).split(':');
  if (parts.length > 2) throw bad('too many ":"');
  const remoteText = parts[parts.length - 1]!;
  let remote: number | string;
  if (/^\d+$/.test(remoteText)) {
    remote = Number(remoteText);
    if (remote < 1 || remote > 65535) throw bad('a port is a number from 1 to 65535');
  } else if (remoteText.length <= 15 && PORT_NAME_RE.test(remoteText)) {
    remote = remoteText;
  } else {
    throw bad(remoteText === '' ? 'no remote port' : 'the remote port is neither a number nor a port name');
  }
  if (parts.length === 1) return { remote };
  return { local: parts[0] === '' ? 0 : localPort(parts[0]!, command, quote(text)), remote };
}

function localPort(text: string, command: string, what: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new UsageError(`${what}: the local port must be a number from 0 to 65535 (0 picks a free one)`, command);
  return n;
}

/** --address: IP addresses or localhost, comma-separated (kubectl's). */
export function addressFlag(text: string, command: string): string[] {
  const addresses: string[] = [];
  for (const raw of String(text).split(',')) {
    const a = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (a !== 'localhost' && net.isIP(a) === 0) throw new UsageError(`--address ${quote(raw.trim())} is not an IP address or localhost`, command);
    if (!addresses.includes(a)) addresses.push(a);
  }
  return addresses;
}

function hostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}
