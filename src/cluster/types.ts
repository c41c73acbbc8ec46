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

/** The position of a column (`Name`, `Ready`, `Status`, …), or -1. */
export function columnIndex(table: Table, name: string): number {
  return table.columnDefinitions.findIndex((c) => c.name === name);
}

/** A Table's rows as records by column name (`Name`, `Ready`, `Status`, …). */
export function tableRows(table: Table): { cells: Record<string, unknown>; object?: KubeObject }[] {
  const names = table.columnDefinitions.map((c) => c.name);
  return (table.rows ?? []).map((row) => {
    const cells: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) cells[names[i]!] = row.cells[i];
    return row.object ? { cells, object: row.object } : { cells };
  });
}
