// apps/v1 ControllerRevision: immutable template snapshots kept by StatefulSets and
// DaemonSets for rollback.
import { type FieldError, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateNonnegativeField } from '../../validation/meta.ts';
import { ageColumn, column, nameColumn } from './printing.ts';
import { validateImmutableField } from './workload-validation.ts';

export function validateControllerRevision(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (obj.data === undefined || obj.data === null) errs.push(required('data', 'data is mandatory'));
  errs.push(...validateNonnegativeField(obj.revision, 'revision'));
  return errs;
}

/** "<kind>.<group>/<name>" of the controlling owner, lower-case, as kubectl shows it. */
export function controllerName(obj: KubeObject): string {
  const owners: KubeObject[] = Array.isArray(obj.metadata?.ownerReferences) ? obj.metadata.ownerReferences : [];
  const owner = owners.find((ref) => ref?.controller === true);
  if (!owner) return '<none>';
  const apiVersion = String(owner.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = String(owner.kind ?? '');
  if (!kind && !group) return owner.name ?? '';
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${owner.name ?? ''}`;
}

export const controllerRevisions: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  schema: 'io.k8s.api.apps.v1.ControllerRevision',
  generation: false,
  validate: validateControllerRevision,
  validateUpdate: (obj, old) => validateImmutableField(obj.data, old.data, 'data'),
  table: {
    columns: [
      nameColumn,
      column('Controller', 'string', 'The object that owns this revision.'),
      column('Revision', 'string', 'Revision number of the recorded state.'),
      ageColumn,
    ],
    row: (obj, now) => [obj.metadata?.name ?? '', controllerName(obj), obj.revision ?? 0, age(obj.metadata?.creationTimestamp, now)],
  },
};
