// The shapes of Kubernetes answers pachsvc reads. Only the fields it uses; everything else passes through.
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: Record<string, unknown>[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

/** Server-side printing (`Accept: application/json;as=Table`): what kubectl get shows. */
export interface Table {
  kind: 'Table';
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[]; object?: KubeObject }[];
}

/** A Table's rows as records by column name (`Name`, `Ready`, `Status`, …). */
export function tableRows(table: Table): { cells: Record<string, unknown>; object?: KubeObject }[] {
  const names = table.columnDefinitions.map((c) => c.name);
  return (table.rows ?? []).map((row) => ({
    cells: Object.fromEntries(names.map((n, i) => [n, row.cells[i]])),
    ...(row.object ? { object: row.object } : {}),
  }));
}
