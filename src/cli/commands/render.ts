import type { CommandSpec } from '../command.ts';
import { RENDER_COMMAND_OPTIONS, type RenderArgs, type SpecArgs } from '../options.ts';
import { formatObjects, type ObjectFormat } from '../output/objects.ts';
import { loadFromArgs, renderLoaded, renderOptionsFromArgs } from '../spec-input.ts';
import type { Terminal } from '../terminal.ts';

export type RenderCommandArgs = SpecArgs & RenderArgs & { output: ObjectFormat; namespace?: string };

export const RENDER: CommandSpec<RenderCommandArgs> = {
  command: 'render',
  describe: 'Print the Kubernetes objects of a service, without a cluster',
  options: RENDER_COMMAND_OPTIONS,
  examples: [
    ['$0 render -f examples/jupyter.json', 'YAML documents'],
    ['$0 render -f examples/jupyter.json | kubectl apply -f -', 'Apply them with kubectl instead'],
    ['$0 render -f spec.yaml -o json | jq ".items[0].spec"', 'A JSON List'],
  ],
  run: (args, term) => runRender(args, term),
};

export async function runRender(args: RenderCommandArgs, term: Terminal): Promise<void> {
  const options = renderOptionsFromArgs(args, 'render');
  const loaded = await loadFromArgs(args, term);
  const objects = renderLoaded(loaded, { ...options, ...(args.namespace !== undefined ? { namespace: args.namespace } : {}) });
  term.stdout.write(formatObjects(objects, args.output));
}
