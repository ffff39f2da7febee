// Server-side printing: objects to meta.k8s.io Table, as `kubectl get` requests with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
import type { KubeObject, ResourceType, TableCell, TableColumn } from '../api/resource-type.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const defaultColumns: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
  { name: 'Created At', type: 'date', description: 'The time at which the object was created.', priority: 0 },
];

function columnDefinitions(rt: ResourceType) {
  return (rt.table?.columns ?? defaultColumns).map((c) => ({
    name: c.name,
    type: c.type,
    format: c.format ?? '',
    description: c.description ?? '',
    priority: c.priority,
  }));
}

function cells(rt: ResourceType, obj: KubeObject, now: Date): TableCell[] {
  if (rt.table) return rt.table.row(obj, now);
  return [obj.metadata?.name ?? '', obj.metadata?.creationTimestamp ?? null];
}

function rowObject(obj: KubeObject, include: IncludeObject, tableVersion: string): KubeObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  const { managedFields: _mf, ...metadata } = obj.metadata ?? {};
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${tableVersion}`, metadata };
}

export interface TableOptions {
  include: IncludeObject;
  tableVersion: 'v1' | 'v1beta1';
  /** Omit column definitions (watch events after the first). */
  noHeaders?: boolean;
  resourceVersion?: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export function toTable(rt: ResourceType, objects: KubeObject[], opts: TableOptions): KubeObject {
  const now = new Date();
  const metadata: Record<string, unknown> = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.tableVersion}`,
    metadata,
    columnDefinitions: opts.noHeaders ? null : columnDefinitions(rt),
    rows: objects.map((obj) => {
      const row: Record<string, unknown> = { cells: safeCells(rt, obj, now) };
      const object = rowObject(obj, opts.include, opts.tableVersion);
      if (object) row.object = object;
      return row;
    }),
  };
}

// A printer bug must not turn `kubectl get` into a 500: fall back to the name.
function safeCells(rt: ResourceType, obj: KubeObject, now: Date): TableCell[] {
  try {
    return cells(rt, obj, now);
  } catch {
    const n = (rt.table?.columns ?? defaultColumns).length;
    return [obj.metadata?.name ?? '', ...Array(n - 1).fill('<error>')];
  }
}

export function parseIncludeObject(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}
