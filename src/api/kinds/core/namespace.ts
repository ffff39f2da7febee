// core/v1 Namespace: cluster-scoped, always carries the "kubernetes" finalizer until the
// namespace controller has emptied it, and a kubernetes.io/metadata.name label.

import { type FieldError, invalid } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { nameIsDNSLabel } from '../../validation/meta.ts';
import { isQualifiedName } from '../../validation/names.ts';
import { ageColumn, column, nameColumn } from './print-helpers.ts';
import '../../definitions/core-v1.ts';

export const FINALIZER_KUBERNETES = 'kubernetes';
const STANDARD_FINALIZERS = new Set([FINALIZER_KUBERNETES, 'orphan', 'foregroundDeletion']);
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function defaults(ns: KubeObject): void {
  ns.metadata ??= {};
  // Every namespace is labelled with its own name so selectors can pick namespaces by name.
  if (ns.metadata.name) {
    ns.metadata.labels ??= {};
    ns.metadata.labels[NAMESPACE_NAME_LABEL] = ns.metadata.name;
  }
  ns.status ??= {};
  ns.status.phase ||= 'Active';
}

function validate(ns: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const finalizers: unknown = ns.spec?.finalizers;
  if (Array.isArray(finalizers)) {
    for (const f of finalizers) {
      const name = String(f);
      const msgs = isQualifiedName(name);
      for (const msg of msgs) errs.push(invalid('spec.finalizers', name, msg));
      if (!msgs.length && !name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
        errs.push(invalid('spec.finalizers', name, 'name is neither a standard finalizer name nor is it fully qualified'));
      }
    }
  }
  return errs;
}

function prepareForCreate(ns: KubeObject): void {
  ns.status = { phase: 'Active' };
  // The finalizer is required on create only; the namespace controller removes it later.
  ns.spec ??= {};
  const finalizers: string[] = Array.isArray(ns.spec.finalizers) ? ns.spec.finalizers : [];
  if (!finalizers.includes(FINALIZER_KUBERNETES)) finalizers.push(FINALIZER_KUBERNETES);
  ns.spec.finalizers = finalizers;
}

function prepareForUpdate(ns: KubeObject, old: KubeObject): void {
  // spec.finalizers only change through the /finalize subresource.
  ns.spec = { ...(ns.spec ?? {}), finalizers: old.spec?.finalizers };
  if (ns.spec.finalizers === undefined) delete ns.spec.finalizers;
}

export const namespaceResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  nameValidator: nameIsDNSLabel,
  shortNames: ['ns'],
  // No deletecollection: Kubernetes does not serve it on namespaces (one request must not empty a cluster).
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  schema: 'io.k8s.api.core.v1.Namespace',
  generation: false,
  subresources: { status: true },
  defaults,
  validate,
  prepareForCreate,
  prepareForUpdate,
  selectableFields: (ns) => ({ 'status.phase': ns.status?.phase ?? '' }),
  table: {
    columns: [nameColumn, column('Status', 'The status of the namespace'), ageColumn],
    row: (ns, now) => [ns.metadata?.name ?? '', ns.status?.phase ?? '', age(ns.metadata?.creationTimestamp, now)],
  },
};
