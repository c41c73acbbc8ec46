// The service's name: pipeline.name (or a top-level name), else --name, else the spec file's base name.
// Kubernetes needs a DNS-1123 label; Pachyderm names may have "_" and capitals, so those are mapped.
import { basename } from 'node:path';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Pachyderm's name as Kubernetes takes it: lower case, "_" as "-". */
export function kubernetesName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** Why a name cannot be a Kubernetes name, or undefined when it can. */
export function nameProblem(k8sName: string): string | undefined {
  if (k8sName.length === 0) return 'it is empty';
  if (k8sName.length > 63) return `it is ${k8sName.length} characters long, and Kubernetes allows 63`;
  if (!DNS_LABEL.test(k8sName)) return 'Kubernetes names are lower-case letters, digits and "-", starting and ending with a letter or digit';
  return undefined;
}

/** The base name of a spec file without its extensions: `jupyter.pipeline.json` → `jupyter`. */
export function nameFromFile(file: string): string {
  return basename(file).replace(/\..*$/, '');
}
