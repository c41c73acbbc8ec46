// The labels and annotations pachsvc puts on its objects. The selector labels are pachsvc's own: user
// labels are added first and can never replace them (the spec rules also refuse them).
import type { ServiceSpec } from '../spec/model.ts';

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const NAME_LABEL = 'app.kubernetes.io/name';
export const MANAGER = 'pachsvc';

/** Annotation keys pachsvc writes and reads back. */
export const ANNOTATIONS = {
  /** The canonical spec (Pachyderm 2.x form, JSON) the service was created from. */
  spec: 'pachsvc.io/spec',
  /** The commit each input was pinned to at create time: JSON {input: id}. */
  pins: 'pachsvc.io/pinned-commits',
  /** The pachsvc version that rendered the objects. */
  version: 'pachsvc.io/version',
} as const;

export function selectorLabels(service: ServiceSpec): Record<string, string> {
  return { [NAME_LABEL]: service.name, [MANAGED_BY]: MANAGER };
}

export function objectLabels(service: ServiceSpec): Record<string, string> {
  return { ...service.labels, ...selectorLabels(service) };
}

/** The label selector (`-l`) that finds every object pachsvc manages, or those of one service. */
export function managedSelector(name?: string): string {
  return name === undefined ? `${MANAGED_BY}=${MANAGER}` : `${MANAGED_BY}=${MANAGER},${NAME_LABEL}=${name}`;
}
