// rollback: writes the objects of an earlier revision again, its spec and its pinned commits together,
// as a new revision, all or nothing (the same write as apply).
import { defineCommand } from '../command.ts';
import { CLUSTER_FLAGS, durationFlag, serviceArg, type ClusterFlags } from '../flags/cluster.ts';
import { EXIT, UsageError } from '../output/errors.ts';
import { warn, writeLine } from '../output/iostreams.ts';
import { formatObjects } from '../output/objects.ts';
import { renderRecorded } from '../recorded.ts';
import { waitFor } from './apply.ts';
import { DRY_RUN_FLAG, dryRunFlag, historyMaxFlag, WRITE_FLAGS, type WriteFlags } from '../flags/write.ts';

type Args = ClusterFlags & { name: string; 'to-revision'?: string; 'dry-run': string; output?: 'name' | 'json' | 'yaml' } & WriteFlags;

export const ROLLBACK = defineCommand<Args>({
  name: 'rollback',
  args: '<name>',
  completes: 'service',
  summary: 'Go back to an earlier revision of a service: its spec and the commits it served',
  positionals: { name: { type: 'string', describe: 'The service' } },
  flags: {
    ...CLUSTER_FLAGS,
    'to-revision': { type: 'string', describe: 'The revision to go back to (default: the one before the current)', requiresArg: true },
    ...DRY_RUN_FLAG,
    output: { alias: 'o', choices: ['name', 'json', 'yaml'], describe: 'Print the objects (json, yaml) or the name instead of the result line', requiresArg: true },
    ...WRITE_FLAGS,
  },
  examples: [
    ['$0 rollback jupyter', 'Back to the revision before the current one'],
    ['$0 rollback jupyter --to-revision 1 --wait', 'Back to the first revision (spec and data), and wait until it is ready'],
    ['$0 rollback jupyter --to-revision 2 --dry-run=server -o yaml', 'What the objects would be'],
  ],
  async run(args, f) {
    const name = serviceArg(args.name, 'rollback');
    const dryRun = dryRunFlag(args['dry-run'], 'rollback');
    const timeoutMs = durationFlag('timeout', args.timeout, 'rollback');
    const historyMax = historyMaxFlag(args['history-max'], 'rollback');
    const wanted = args['to-revision'];
    if (wanted !== undefined && !/^[1-9]\d{0,8}$/.test(wanted)) throw new UsageError('--to-revision must be a revision number (see `pachsvc history NAME`)', 'rollback');
    const kube = await f.kube(args, 'rollback');
    const k8s = await import('../../cluster/index.ts');
    const [live, revisions] = await Promise.all([k8s.readLive(kube, kube.namespace, name), k8s.listRevisions(kube, kube.namespace, name)]);
    if (!live.deployment && !live.service) throw k8s.notFound(name, kube.namespace);
    const current = k8s.currentRevision(live);
    const target = wanted !== undefined ? revisions.find((r) => r.revision === Number(wanted)) : [...revisions].reverse().find((r) => r.revision < current);
    if (!target) {
      const kept = revisions.map((r) => r.revision).join(', ') || 'none';
      throw new k8s.ClusterError('NotFound', wanted !== undefined ? `service "${name}" has no revision ${wanted} (kept: ${kept})` : `service "${name}" has no revision before ${current} to go back to (kept: ${kept})`);
    }
    // The revision's spec and pinned commits, checked and rendered again (never its objects as stored).
    const recorded = target.objects.find((o) => o.kind === 'Deployment');
    if (!recorded) throw new k8s.ClusterError('Invalid', `revision ${target.revision} of service "${name}" records no Deployment to go back to`);
    const objects = await renderRecorded(recorded, name, kube.namespace, f.io, 'rollback', `revision ${target.revision}`);
    if (dryRun === 'client') {
      f.io.stdout.write(formatObjects(objects, args.output ?? 'yaml'));
      return EXIT.ok;
    }
    const result = await k8s.writeService(kube, { verb: 'rollback', namespace: kube.namespace, name, objects, dryRun: dryRun === 'server', historyMax });
    for (const w of result.warnings) warn(f.io, w);
    const suffix = dryRun === 'server' ? ' (server dry run)' : '';
    if (args.output === 'json' || args.output === 'yaml') f.io.stdout.write(formatObjects(result.objects, args.output));
    else if (args.output === 'name') writeLine(f.io.stdout, `service/${name}`);
    else if (result.outcome === 'unchanged') writeLine(f.io.stdout, `service/${name} unchanged (already as revision ${target.revision})${suffix}`);
    else writeLine(f.io.stdout, `service/${name} rolled back to revision ${target.revision} (now revision ${result.revision})${suffix}`);
    if (args.wait && dryRun === 'none' && !(await waitFor(kube, name, timeoutMs, f, !args.output))) return EXIT.failure;
    return EXIT.ok;
  },
});
