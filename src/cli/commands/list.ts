import type { CommandSpec } from '../command.ts';
import type { ServiceSummary } from '../../cluster/index.ts';
import { withCluster } from '../cluster-args.ts';
import { LIST_OPTIONS, type ClusterArgs } from '../options.ts';
import { formatTable } from '../output/table.ts';
import { toYaml } from '../output/yaml.ts';
import { writeLine, type Terminal } from '../terminal.ts';

export type ListArgs = ClusterArgs & { output?: 'wide' | 'json' | 'yaml' | 'name'; headers: boolean; selector?: string; 'all-namespaces': boolean };

export const LIST: CommandSpec<ListArgs> = {
  command: 'list',
  aliases: ['ls'],
  describe: 'List services: inputs, ports, readiness, status, age',
  options: LIST_OPTIONS,
  examples: [
    ['$0 list', 'Services in the current namespace'],
    ['$0 ls -A -o wide', 'Everywhere, with addresses and images'],
    ['$0 list -o name | xargs -n1 $0 delete', 'Delete them all, one by one'],
  ],
  run: (args, term) => runList(args, term),
};

export async function runList(args: ListArgs, term: Terminal): Promise<void> {
  const { k8s, services, namespace } = await withCluster(args, async (k8s, cluster) => ({
    k8s,
    namespace: cluster.namespace,
    services: await k8s.listServices(cluster, {
      allNamespaces: args['all-namespaces'],
      ...(args.selector !== undefined ? { selector: args.selector } : {}),
    }),
  }));
  if (args.output === 'json' || args.output === 'yaml') {
    const list = { apiVersion: 'pachsvc.io/v1', kind: 'ServiceList', items: services.map(machineView) };
    term.stdout.write(args.output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : toYaml(list));
    return;
  }
  if (args.output === 'name') {
    for (const s of services) writeLine(term.stdout, `service/${s.name}`);
    return;
  }
  if (services.length === 0) {
    writeLine(term.stderr, args['all-namespaces'] ? 'No services found.' : `No services found in ${namespace} namespace.`);
    return;
  }
  const now = Date.now();
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
    k8s.age(s.created, now),
    ...(wide ? [s.clusterIP, s.externalIP, s.image, s.inputs.map((i) => `${i.name}=${i.commit ?? (i.follow ? 'following' : 'unpinned')}`).join(',')] : []),
  ]);
  term.stdout.write(formatTable(headers, rows, { noHeaders: !args.headers }));
}

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
