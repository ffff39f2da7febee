// Table building blocks shared by the kinds of this part: column definitions in the
// shape of Kubernetes' printers and the cell formats they share.
import type { KubeObject, TableColumn } from '../../resource-type.ts';

export const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  priority: 0,
  description: 'Name of the object, unique within its namespace.',
};

export const ageColumn: TableColumn = {
  name: 'Age',
  type: 'string',
  priority: 0,
  description: 'Time since the object was created.',
};

export function column(name: string, type: TableColumn['type'], description: string, priority: 0 | 1 = 0): TableColumn {
  return { name, type, priority, description };
}

export const containersColumn = column('Containers', 'string', 'Names of the containers in the pod template.', 1);
export const imagesColumn = column('Images', 'string', 'Images of the containers in the pod template.', 1);

/** Comma-joined container names and images of a pod spec, as the wide columns show them. */
export function containerCells(podSpec: KubeObject | undefined): [string, string] {
  const containers: KubeObject[] = Array.isArray(podSpec?.containers) ? podSpec.containers : [];
  return [containers.map((c) => c?.name ?? '').join(','), containers.map((c) => c?.image ?? '').join(',')];
}

/** An int32 that Go would print as 0 when unset. */
export function int(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

/** Go's printBoolPtr: "True"/"False", "<unset>" when nil. */
export function boolPtrCell(value: unknown): string {
  if (typeof value !== 'boolean') return '<unset>';
  return value ? 'True' : 'False';
}

/** intstr.IntOrString.String(): numbers as digits, strings as they are. */
export function intOrStringCell(value: unknown): string {
  return typeof value === 'number' ? String(value) : String(value ?? '');
}
