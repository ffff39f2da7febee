// Cell formatting shared by the core printers, following pkg/printers/internalversion.
import type { TableColumn } from '../../resource-type.ts';

/** The Name column every printer starts with. */
export const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
};

/** The Age column (creationTimestamp rendered as a duration). */
export const ageColumn: TableColumn = {
  name: 'Age',
  type: 'string',
  description: 'Time since the object was created.',
  priority: 0,
};

export const column = (name: string, description: string, priority: 0 | 1 = 0, type: TableColumn['type'] = 'string'): TableColumn => ({
  name,
  type,
  description,
  priority,
});

/** labels.FormatLabels: sorted k=v pairs joined by ',', or "<none>". */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k]}`).join(',');
}

const accessModeAbbreviations: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** helper.GetAccessModesAsString: fixed order, duplicates collapsed, unknown modes dropped. */
export function accessModesString(modes: string[] | undefined): string {
  const set = new Set(modes ?? []);
  return accessModeAbbreviations
    .filter(([mode]) => set.has(mode))
    .map(([, short]) => short)
    .join(',');
}

/** layoutContainerCells: container names and images, each joined by ','. */
export function containerCells(containers: { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** The storage class of a PV or PVC: the beta annotation wins over spec.storageClassName. */
export function storageClassOf(obj: { metadata?: { annotations?: Record<string, string> }; spec?: { storageClassName?: string } }): string {
  const annotated = obj.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (annotated !== undefined) return annotated;
  return obj.spec?.storageClassName ?? '';
}
