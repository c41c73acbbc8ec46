// create, update and apply share their flags and their story (deploy.ts); they differ in what may exist.
import type { CommandSpec } from '../command.ts';
import { DEPLOY_OPTIONS, runDeploy, type DeployArgs, type DeployMode } from '../deploy.ts';

const DESCRIBE: Record<DeployMode, string> = {
  create: 'Create a service on the cluster (fails if it exists)',
  update: 'Change an existing service (its pods roll onto the new spec)',
  apply: 'Create or update a service, idempotently (for scripts and GitOps)',
};

const EXAMPLES: Record<DeployMode, [string, string][]> = {
  create: [
    ['$0 create -f examples/jupyter.json', 'Create the seed\'s Jupyter service'],
    ['$0 create -f spec.yaml -n analytics --wait', 'Create it in a namespace and wait until it is ready'],
    ['$0 create -f spec.json --dry-run=client -o yaml', 'Print the objects instead'],
    ['cat spec.json | $0 create -f - --name notebook', 'Read the spec from stdin'],
  ],
  update: [
    ['$0 update -f examples/jupyter.json', 'Apply the changed spec (re-pins branch inputs to their newest commit)'],
    ['$0 update -f spec.yaml --dry-run=server', 'See whether it would change, without changing it'],
  ],
  apply: [
    ['$0 apply -f examples/file-server.yaml', 'Create it if missing, else update it'],
    ['for f in services/*.yaml; do $0 apply -f "$f"; done', 'Keep a folder of specs deployed'],
  ],
};

export function deployCommand(mode: DeployMode): CommandSpec<DeployArgs> {
  return {
    command: mode,
    describe: DESCRIBE[mode],
    options: DEPLOY_OPTIONS,
    examples: EXAMPLES[mode],
    run: (args, term) => runDeploy(mode, args, term),
  };
}
