export { renderService, renderDeployment, renderKubeService, pinnedCommits } from './render.ts';
export { PatchError } from './patch.ts';
export * from './types.ts';
export { objectLabels } from './labels.ts';
