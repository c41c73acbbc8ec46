import type { KubeObject } from '../../cluster/types.ts';

type ClusterModule = typeof import('../../cluster/index.ts');
import type { ServiceDetails } from '../../cluster/describe.ts';
import type { ServedCommit } from '../../cluster/logs.ts';
import { foreignFields } from '../../cluster/drift.ts';
import { decodeSpec } from '../../contract.ts';
import { terminalCell, terminalLine } from '../../lib/text.ts';
import { defineCommand } from '../command.ts';
import { CLUSTER_FLAGS, serviceArg, type ClusterFlags } from '../flags/cluster.ts';
import { formatTable } from '../output/table.ts';
import { toYaml } from '../output/yaml.ts';

type Args = ClusterFlags & { name: string; output?: 'json' | 'yaml' };

export const INSPECT = defineCommand<Args>({
  name: 'inspect',
  aliases: ['describe'],
  args: '<name>',
  completes: 'service',
  summary: 'Show a service: its spec, pinned commits, how to reach it, pods and events',
  positionals: { name: { type: 'string', describe: 'The service' } },
  flags: {
    ...CLUSTER_FLAGS,
    output: { alias: 'o', choices: ['json', 'yaml'], describe: 'Print the details as json or yaml', requiresArg: true },
  },
  examples: [
    ['$0 inspect jupyter', 'Everything about the service'],
    ["$0 inspect jupyter -o json | jq '.inputs'", 'The commits it serves'],
  ],
  async run(args, f) {
    const name = serviceArg(args.name, 'inspect');
    const kube = await f.kube(args, 'inspect');
    const k8s = await import('../../cluster/index.ts');
    const details = await k8s.describeService(kube, kube.namespace, name);
    const view = buildView(details, details.served, k8s);
    if (args.output === 'json') f.io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    else if (args.output === 'yaml') f.io.stdout.write(toYaml(view));
    else f.io.stdout.write(describe(view, (t) => k8s.age(t, f.now())));
  },
});

type View = ReturnType<typeof buildView>;

export function buildView(d: ServiceDetails, served: ServedCommit[], k8s: ClusterModule) {
  const s = k8s.summaryOf(d);
  const reasons = k8s.whyNotReady(d.pods as never);
  const spec = decodeSpec(d.deployment?.metadata.annotations);
  const svc = d.service?.spec as { type?: string; clusterIP?: string; ports?: { port: number; nodePort?: number }[] } | undefined;
  const port = svc?.ports?.[0];
  const lb = k8s.loadBalancerAddresses(d.service);
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
    revision: k8s.revisionOf(d.deployment ?? d.service),
    // Fields other managers (kubectl set env, kubectl label, an operator) set on the objects: apply leaves
    // them, `apply --take-ownership` removes them.
    setByOthers: [d.deployment, d.service]
      .filter((o): o is KubeObject => o !== undefined)
      .map((o) => ({ object: `${o.kind === 'Deployment' ? 'deployment.apps' : o.kind.toLowerCase()}/${o.metadata.name}`, fields: foreignFields(o).map((x) => ({ path: x.path, managers: x.managers })) }))
      .filter((x) => x.fields.length > 0),
    notReady: k8s.integrityProblem(d) ? [k8s.integrityProblem(d)!] : s.status === 'Running' ? [] : reasons,
    events: d.events.map((e) => ({
      time: k8s.eventTime(e),
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

// Most of what inspect shows was written by others (the spec's description, annotations, event and
// termination messages, field managers' names, load balancer host names): every value is one line that
// cannot act on the terminal (tables escape their cells), and the whole is checked once more at the end.
function describe(v: View, age: (t: string | undefined) => string): string {
  const out: string[] = [];
  const field = (k: string, val: string | undefined) => {
    if (val !== undefined && val !== '') out.push(`${`${k}:`.padEnd(14)}${terminalCell(val)}`);
  };
  field('Name', v.name);
  field('Namespace', v.namespace);
  field('Description', v.description);
  field('Created', v.created ? `${v.created} (${age(v.created)} ago)` : undefined);
  field('Status', `${v.status} (${v.ready} ready)`);
  field('Revision', v.revision ? `${v.revision} (\`pachsvc history ${v.name}\` lists them)` : undefined);
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
  if (v.reach.inCluster) out.push(terminalCell(`  in the cluster:  ${v.reach.inCluster}${v.reach.clusterIP ? `  (ClusterIP ${v.reach.clusterIP})` : ''}`));
  if (v.reach.nodePort) {
    const nodes = v.reach.nodePorts.map((n) => `${n.address} (${n.node})`).join(', ');
    out.push(terminalCell(`  outside:         port ${v.reach.nodePort} on every node${nodes ? `: ${nodes}` : ''}`));
  }
  if (v.reach.loadBalancer) out.push(terminalCell(`  load balancer:   ${v.reach.loadBalancer.join(', ')}`));
  out.push('', 'Pods:');
  if (v.pods.length === 0) out.push('  <none>');
  else out.push(indent(formatTable(['NAME', 'READY', 'STATUS', 'RESTARTS', 'NODE'], v.pods.map((p) => [p.name, p.ready, p.status, p.restarts, p.node])).trimEnd()));
  for (const r of v.notReady) out.push(`  ! ${terminalCell(r)}`);
  if (v.setByOthers.length > 0) {
    out.push('', 'Set by others:');
    out.push(indent(formatTable(['OBJECT', 'FIELD', 'SET BY'], v.setByOthers.flatMap((x) => x.fields.map((y) => [x.object, y.path, y.managers.join(', ')]))).trimEnd()));
    out.push(`  \`pachsvc apply\` leaves them as they are; \`pachsvc apply --take-ownership\` removes them.`);
  }
  out.push('', 'Events:');
  if (v.events.length === 0) out.push('  <none>');
  else out.push(indent(formatTable(['AGE', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], v.events.map((e) => [age(e.time), e.type, e.reason, e.object, e.message])).trimEnd()));
  if (v.spec) out.push('', 'Spec:', indent(toYaml(v.spec)).trimEnd());
  return `${terminalLine(out.join('\n'), Infinity)}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}
