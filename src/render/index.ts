export { renderService, renderDeployment, renderKubeService, pinnedCommits } from './render.ts';
export { PatchError } from './patch.ts';
export * from './types.ts';
export * from './labels.ts';
export { SERVICE_CONTAINER } from './containers.ts';
