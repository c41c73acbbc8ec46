export { renderService, renderWithNotes, renderDeployment, renderKubeService, pinnedCommits, type RenderedService } from './render.ts';
export { PatchError, RenderError, type PatchField, type RenderWarning } from './errors.ts';
export { MAX_ANNOTATIONS_BYTES } from './limits.ts';
export * from './types.ts';
export { objectLabels } from './labels.ts';
