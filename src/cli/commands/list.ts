import type { ServiceSummary } from '../../cluster/list.ts';
import { defineCommand } from '../command.ts';
import { CLUSTER_FLAGS, type ClusterFlags } from '../flags/cluster.ts';
import { terminalCell } from '../../lib/text.ts';
import { writeLine } from '../output/iostreams.ts';
import { formatTable } from '../output/table.ts';
import { toYaml } from '../output/yaml.ts';

type Args = ClusterFlags & { output?: 'wide' | 'json' | 'yaml' | 'name'; headers: boolean; selector?: string; 'all-namespaces': boolean };

export const LIST = defineCommand<Args>({
  name: 'list',
  aliases: ['ls'],
  summary: 'List services: inputs, ports, readiness, status, age',
  fast: true,
  flags: {
    ...CLUSTER_FLAGS,
    output: { alias: 'o', choices: ['wide', 'json', 'yaml', 'name'], describe: 'wide (more columns), json, yaml, or name (service/<name>, one a line)', requiresArg: true },
    headers: { type: 'boolean', default: true, describe: 'Print the header line (--no-headers leaves it out)' },
    selector: { alias: 'l', type: 'string', describe: 'Label selector, e.g. team=analytics,tier!=dev', requiresArg: true },
    'all-namespaces': { alias: 'A', type: 'boolean', default: false, describe: 'List services in every namespace' },
  },
  examples: [
    ['$0 list', 'Services in the current namespace'],
    ['$0 ls -A -o wide', 'Everywhere, with addresses and images'],
    ['$0 list -o name | xargs $0 delete', 'Delete them all'],
  ],
  async run(args, f) {
    const kube = await f.kube(args, 'list');
    const { listServices, age } = await import('../../cluster/index.ts');
    const services = await listServices(kube, { allNamespaces: args['all-namespaces'], ...(args.selector !== undefined ? { selector: args.selector } : {}) });
    const io = f.io;
    if (args.output === 'json' || args.output === 'yaml') {
      const list = { apiVersion: 'pachsvc.io/v1', kind: 'ServiceList', items: services.map(machineView) };
      io.stdout.write(args.output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : toYaml(list));
      return;
    }
    if (args.output === 'name') {
      for (const s of services) writeLine(io.stdout, `service/${terminalCell(s.name)}`);
      return;
    }
    if (services.length === 0) {
      writeLine(io.stderr, args['all-namespaces'] ? 'No services found.' : `No services found in ${kube.namespace} namespace.`);
      return;
    }
    const now = f.now();
    const wide = args.output === 'wide';
    const all = args['all-namespaces'];
    const headers = [...(all ? ['NAMESPACE'] : []), 'NAME', 'INPUTS', 'PORTS', 'READY', 'STATUS', 'AGE', ...(wide ? ['CLUSTER-IP', 'EXTERNAL-IP', 'IMAGE', 'COMMITS'] : [])];
    const rows = services.map((s) => [
      ...(all ? [s.namespace] : []),
      s.name,
      s.inputs.map((i) => `${i.repo}@${i.ref}${i.follow ? ' (follow)' : ''}`).join(','),
      s.ports,
      s.ready,
      s.status,
      age(s.created, now),
      ...(wide ? [s.clusterIP, s.externalIP, s.image, s.inputs.map((i) => `${i.name}=${i.commit ?? (i.follow ? 'following' : 'unpinned')}`).join(',')] : []),
    ]);
    io.stdout.write(formatTable(headers, rows, { noHeaders: !args.headers }));
  },
});

function machineView(s: ServiceSummary) {
  return {
    name: s.name,
    namespace: s.namespace,
    inputs: s.inputs,
    type: s.type,
    ports: s.ports,
    clusterIP: s.clusterIP,
    externalIP: s.externalIP,
    image: s.image,
    ready: s.ready,
    status: s.status,
    created: s.created,
    pods: s.pods,
  };
}
