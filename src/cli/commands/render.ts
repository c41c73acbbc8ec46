import type { Argv, CommandModule } from 'yargs';
import { RENDER_COMMAND_OPTIONS, type RenderArgs, type SpecArgs } from '../options.ts';
import { formatObjects, type ObjectFormat } from '../output/objects.ts';
import { loadFromArgs, renderLoaded, renderOptionsFromArgs } from '../spec-input.ts';
import type { Terminal } from '../terminal.ts';

export type RenderCommandArgs = SpecArgs & RenderArgs & { output: ObjectFormat; namespace?: string };

export function renderCommand(term: Terminal): CommandModule<object, RenderCommandArgs> {
  return {
    command: 'render',
    describe: 'Print the Kubernetes objects of a service, without a cluster',
    builder: (y: Argv) =>
      y
        .options(RENDER_COMMAND_OPTIONS)
        .example('$0 render -f examples/jupyter.json', 'YAML documents')
        .example('$0 render -f examples/jupyter.json | kubectl apply -f -', 'Apply them with kubectl instead')
        .example('$0 render -f spec.yaml -o json | jq ".items[0].spec"', 'A JSON List') as unknown as Argv<RenderCommandArgs>,
    handler: (args) => runRender(args, term),
  };
}

export async function runRender(args: RenderCommandArgs, term: Terminal): Promise<void> {
  const options = renderOptionsFromArgs(args, 'render');
  const loaded = await loadFromArgs(args, term);
  const objects = renderLoaded(loaded, { ...options, ...(args.namespace !== undefined ? { namespace: args.namespace } : {}) });
  term.stdout.write(formatObjects(objects, args.output));
}
