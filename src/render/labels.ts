// The labels pachsvc puts on its objects: the user's, then the selector labels (from the contract),
// which the user's can never replace (the spec rules also refuse them).
import { selectorLabels } from '../contract.ts';
import type { ServiceSpec } from '../spec/model.ts';

export function objectLabels(service: ServiceSpec): Record<string, string> {
  return { ...service.labels, ...selectorLabels(service.name) };
}
