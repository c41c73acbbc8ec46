// What render throws when a spec would become objects Kubernetes refuses, and the warnings it gives when
// pod_spec or pod_patch undo part of the pod pachsvc built. Each names a place in the spec (a JSON pointer
// into the normalized, snake_case spec, as LoadedSpec.positionOf takes it), so the CLI can print it at
// its line, like any other spec problem.

export type PatchField = 'pod_spec' | 'pod_patch';

export class RenderError extends Error {
  constructor(
    /** Where in the spec the problem comes from: `/pod_patch/2`, `/metadata/annotations`, '' for the whole spec. */
    readonly pointer: string,
    message: string,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}

/** A pod_spec or pod_patch that cannot apply, or that makes a pod Kubernetes would refuse. */
export class PatchError extends RenderError {
  constructor(
    readonly field: PatchField,
    message: string,
    pointer = `/${field}`,
  ) {
    super(pointer, message);
    this.name = 'PatchError';
  }
}

/** pod_spec or pod_patch removed or changed something pachsvc's pod needs; the objects are still rendered. */
export interface RenderWarning {
  field: PatchField;
  /** `/pod_spec`, or `/pod_patch/<n>` for the operation that did it. */
  pointer: string;
  message: string;
}
