import { defineCommand } from '../command.ts';
import { CLUSTER_FLAGS, serviceArg, type ClusterFlags } from '../flags/cluster.ts';
import { writeLine } from '../output/iostreams.ts';
import { formatTable } from '../output/table.ts';
import { toYaml } from '../output/yaml.ts';

type Args = ClusterFlags & { name: string; output?: 'json' | 'yaml' };

export const HISTORY = defineCommand<Args>({
  name: 'history',
  args: '<name>',
  completes: 'service',
  summary: 'List the revisions of a service: when, by which command, and what changed (spec and data)',
  positionals: { name: { type: 'string', describe: 'The service' } },
  flags: {
    ...CLUSTER_FLAGS,
    output: { alias: 'o', choices: ['json', 'yaml'], describe: 'Print the revisions as json or yaml', requiresArg: true },
  },
  examples: [
    ['$0 history jupyter', 'Every revision kept, with what changed'],
    ['$0 rollback jupyter --to-revision 2', 'Then go back to one of them'],
  ],
  async run(args, f) {
    const name = serviceArg(args.name, 'history');
    const kube = await f.kube(args, 'history');
    const k8s = await import('../../cluster/index.ts');
    const [live, revisions] = await Promise.all([k8s.readLive(kube, kube.namespace, name), k8s.listRevisions(kube, kube.namespace, name)]);
    if (!live.deployment && !live.service) throw k8s.notFound(name, kube.namespace);
    const current = k8s.currentRevision(live);
    const rows = revisions.map((r, i) => ({
      revision: r.revision,
      time: r.time,
      cause: r.cause,
      status: r.revision === current ? 'current' : 'superseded',
      // The oldest kept revision was made by a create only if it says so; else what came before is gone.
      changes: i > 0 || r.cause === 'create' ? k8s.describeChanges(i > 0 ? revisions[i - 1] : undefined, r) : ['(the revisions before were not kept)'],
      pins: r.pins,
      image: r.objects.find((o) => o.kind === 'Deployment')?.spec?.template?.spec?.containers?.[0]?.image as string | undefined,
    }));
    if (args.output) {
      const doc = { apiVersion: 'pachsvc.io/v1', kind: 'RevisionList', service: name, namespace: kube.namespace, current, items: rows };
      f.io.stdout.write(args.output === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : toYaml(doc));
      return;
    }
    if (rows.length === 0) {
      writeLine(f.io.stderr, `No revisions of service "${name}" are recorded (it is at revision ${current}; --history-max 0 keeps none).`);
      return;
    }
    const now = f.now();
    f.io.stdout.write(formatTable(['REVISION', 'AGE', 'CAUSE', 'STATUS', 'CHANGES'], rows.map((r) => [String(r.revision), k8s.age(r.time, now), r.cause, r.status, r.changes.join('; ')])));
    if (!rows.some((r) => r.status === 'current')) writeLine(f.io.stderr, `The service is at revision ${current}, which is not recorded.`);
  },
});
