// Printers for Kubernetes objects: YAML documents (pipeable into `kubectl apply -f -`), a JSON List,
// or kubectl-style names.
import { toYaml } from './yaml.ts';
import type { KubeObject } from '../../render/index.ts';

export type ObjectFormat = 'yaml' | 'json' | 'name';

export function formatObjects(objects: KubeObject[], format: ObjectFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
    case 'yaml':
      return objects.map(toYaml).join('---\n');
    case 'name':
      return objects.map((o) => `${resourceName(o.kind, o.apiVersion)}/${o.metadata.name}\n`).join('');
  }
}

/** kubectl's `-o name` form of a kind: `deployment.apps`, `service`. */
export function resourceName(kind: string, apiVersion: string): string {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return group ? `${kind.toLowerCase()}.${group}` : kind.toLowerCase();
}
