// The names of the services in a namespace, and nothing else: the Name column of two server-side tables
// (the Deployments and the Services pachsvc manages, rows without objects, no pods), for what needs only
// names (completing a service name, `delete --all`). A service is its Deployment and its Service, either
// of which may be left alone by a create or delete that stopped half way: the names of both count.
import { managedSelector } from '../contract.ts';
import type { Kube } from './kube.ts';
import { columnIndex, KINDS, type Table } from './types.ts';

/** The services in `namespace`, sorted, each once. */
export async function serviceNames(kube: Kube, namespace: string): Promise<string[]> {
  const query = { labelSelector: managedSelector(), includeObject: 'None' as const };
  const tables = await Promise.all([kube.table(KINDS.Deployment, namespace, query), kube.table(KINDS.Service, namespace, query)]);
  return [...new Set(tables.flatMap(namesIn))].sort();
}

function namesIn(table: Table): string[] {
  const name = columnIndex(table, 'Name');
  if (name < 0) return [];
  return (table.rows ?? []).map((r) => r.cells[name]).filter((n): n is string => typeof n === 'string' && n !== '');
}
