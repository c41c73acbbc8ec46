import { defineCommand } from '../command.ts';
import { RENDER_FLAGS, renderOptionsFromFlags, SPEC_FLAGS, type RenderFlags, type SpecFlags } from '../flags/spec.ts';
import { formatObjects, type ObjectFormat } from '../output/objects.ts';
import { loadSources, readSources, renderAll } from '../specs.ts';

type Args = SpecFlags & RenderFlags & { output: ObjectFormat; namespace?: string };

export const RENDER = defineCommand<Args>({
  name: 'render',
  summary: 'Print the Kubernetes objects of services, without a cluster',
  fast: true,
  flags: {
    ...SPEC_FLAGS,
    ...RENDER_FLAGS,
    output: { alias: 'o', choices: ['yaml', 'json', 'name'], default: 'yaml', describe: 'Output format', requiresArg: true },
    namespace: { alias: 'n', type: 'string', describe: 'Set metadata.namespace on the objects', requiresArg: true },
  },
  examples: [
    ['$0 render -f examples/jupyter.json', 'YAML documents'],
    ['$0 render -f examples/jupyter.json | kubectl apply -f -', 'Apply them with kubectl instead'],
    ['$0 render -f spec.yaml -o json | jq ".items[0].spec"', 'A JSON List'],
  ],
  async run(args, f) {
    const options = renderOptionsFromFlags(args, 'render');
    if (args.namespace !== undefined) {
      const { checkClusterFlags } = await import('../flags/cluster.ts');
      checkClusterFlags({ namespace: args.namespace }, 'render');
    }
    const { services } = await loadSources(await readSources(args, f.io, 'render'), args, f.io, { command: 'render' });
    const namespace = args.namespace !== undefined ? { namespace: args.namespace } : {};
    const objects = (await renderAll(services, async () => ({ ...options, ...namespace }), f.io)).objects.flat();
    f.io.stdout.write(formatObjects(objects, args.output));
  },
});
