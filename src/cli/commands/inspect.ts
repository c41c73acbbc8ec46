import type { CommandSpec } from '../command.ts';
import type { KubeObject, ServedCommit, ServiceDetails } from '../../cluster/index.ts';
import { decodeSpec } from '../../contract.ts';
import { serviceArg, withCluster } from '../cluster-args.ts';
import { CLUSTER_OPTIONS, type ClusterArgs, type OptionTable } from '../options.ts';
import { formatTable } from '../output/table.ts';
import { toYaml } from '../output/yaml.ts';
import type { Terminal } from '../terminal.ts';

type Args = ClusterArgs & { name: string; output?: 'json' | 'yaml' };

const OPTIONS = {
  ...CLUSTER_OPTIONS,
  output: { alias: 'o', choices: ['json', 'yaml'], describe: 'Print the details as json or yaml' },
} satisfies OptionTable;

export const INSPECT: CommandSpec<Args> = {
  command: 'inspect <name>',
  aliases: ['describe'],
  describe: 'Show a service: its spec, pinned commits, how to reach it, pods and events',
  positionals: { name: { type: 'string', describe: 'The service' } },
  options: OPTIONS,
  examples: [
    ['$0 inspect jupyter', 'Everything about the service'],
    ["$0 inspect jupyter -o json | jq '.inputs'", 'The commits it serves'],
  ],
  run: (args, term) => runInspect(args, term),
};

async function runInspect(args: Args, term: Terminal): Promise<void> {
  const { k8s, details, served } = await withCluster(args, async (k8s, cluster) => {
    const details = await k8s.describeService(cluster, cluster.namespace, serviceArg(args.name));
    const served = details.pods[0] ? await k8s.servedCommits(cluster, cluster.namespace, details.pods[0]) : [];
    return { k8s, details, served };
  });
  const view = buildView(details, served, k8s.whyNotReady(details.pods as never));
  if (args.output === 'json') term.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  else if (args.output === 'yaml') term.stdout.write(toYaml(view));
  else term.stdout.write(describe(view, (t) => k8s.age(t, Date.now())));
}

type View = ReturnType<typeof buildView>;

function buildView(d: ServiceDetails, served: ServedCommit[], reasons: string[]) {
  const s = d.summary;
  const spec = decodeSpec(d.deployment?.metadata.annotations);
  const svc = d.service?.spec as { type?: string; clusterIP?: string; ports?: { port: number; nodePort?: number }[] } | undefined;
  const port = svc?.ports?.[0];
  const lb = ((d.service?.status as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } | undefined)?.loadBalancer?.ingress ?? [])
    .map((i) => i.ip ?? i.hostname)
    .filter((x): x is string => Boolean(x));
  return {
    name: s.name,
    namespace: s.namespace,
    description: (spec as { description?: string } | undefined)?.description,
    created: s.created,
    status: s.status,
    ready: s.ready,
    image: s.image,
    inputs: s.inputs.map((i) => {
      const now = served.find((x) => x.input === i.name);
      return { ...i, mode: i.follow ? 'follow' : i.commit ? 'pinned' : 'unpinned', ...(now ? { serving: now.commit, servingSince: now.since } : {}) };
    }),
    reach: {
      type: svc?.type,
      inCluster: port ? `http://${s.name}.${s.namespace}.svc.cluster.local:${port.port}` : undefined,
      clusterIP: svc?.clusterIP && port ? `${svc.clusterIP}:${port.port}` : undefined,
      nodePorts: svc?.type !== 'ClusterIP' && port?.nodePort ? d.nodes.map((n) => ({ node: n.name, address: `${n.address}:${port.nodePort}` })) : [],
      nodePort: port?.nodePort,
      loadBalancer: svc?.type === 'LoadBalancer' ? (lb.length > 0 ? lb.map((a) => `${a}:${port?.port}`) : ['<pending>']) : undefined,
    },
    pods: s.pods,
    notReady: s.status === 'Running' ? [] : reasons,
    events: d.events.map((e) => ({
      time: String(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? ''),
      type: String(e.type ?? ''),
      reason: String(e.reason ?? ''),
      object: `${String((e.involvedObject as { kind?: string })?.kind ?? '').toLowerCase()}/${String((e.involvedObject as { name?: string })?.name ?? '')}`,
      message: String(e.message ?? '').trim(),
      count: Number(e.count ?? 1),
    })),
    spec,
    objects: { deployment: d.deployment, service: d.service } as { deployment?: KubeObject; service?: KubeObject },
  };
}

function describe(v: View, age: (t: string | undefined) => string): string {
  const out: string[] = [];
  const field = (k: string, val: string | undefined) => {
    if (val !== undefined && val !== '') out.push(`${`${k}:`.padEnd(14)}${val}`);
  };
  field('Name', v.name);
  field('Namespace', v.namespace);
  field('Description', v.description);
  field('Created', v.created ? `${v.created} (${age(v.created)} ago)` : undefined);
  field('Status', `${v.status} (${v.ready} ready)`);
  field('Image', v.image);
  out.push('', 'Inputs:');
  const inputRows = v.inputs.map((i) => [
    i.name,
    `${i.repo}@${i.ref}`,
    i.commit ?? (i.follow ? `newest on ${i.ref}` : 'resolved when each pod starts'),
    i.mode,
    'serving' in i && i.serving ? `${i.serving} since ${i.servingSince}` : 'unknown (no checkout log)',
  ]);
  out.push(indent(formatTable(['NAME', 'REF', 'PINNED COMMIT', 'MODE', 'SERVING NOW'], inputRows)));
  out.push('Reach it:');
  if (v.reach.inCluster) out.push(`  in the cluster:  ${v.reach.inCluster}${v.reach.clusterIP ? `  (ClusterIP ${v.reach.clusterIP})` : ''}`);
  if (v.reach.nodePort) {
    const nodes = v.reach.nodePorts.map((n) => `${n.address} (${n.node})`).join(', ');
    out.push(`  outside:         port ${v.reach.nodePort} on every node${nodes ? `: ${nodes}` : ''}`);
  }
  if (v.reach.loadBalancer) out.push(`  load balancer:   ${v.reach.loadBalancer.join(', ')}`);
  out.push('', 'Pods:');
  if (v.pods.length === 0) out.push('  <none>');
  else out.push(indent(formatTable(['NAME', 'READY', 'STATUS', 'RESTARTS', 'NODE'], v.pods.map((p) => [p.name, p.ready, p.status, p.restarts, p.node])).trimEnd()));
  for (const r of v.notReady) out.push(`  ! ${r}`);
  out.push('', 'Events:');
  if (v.events.length === 0) out.push('  <none>');
  else out.push(indent(formatTable(['AGE', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], v.events.map((e) => [age(e.time), e.type, e.reason, e.object, e.message])).trimEnd()));
  if (v.spec) out.push('', 'Spec:', indent(toYaml(v.spec)).trimEnd());
  return `${out.join('\n')}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}
