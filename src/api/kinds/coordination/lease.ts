// coordination.k8s.io/v1 Lease: node heartbeats and leader election.
import { type FieldError, forbidden, invalid } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { ageColumn, column, nameColumn } from '../apps/printing.ts';

export function validateLease(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) {
    errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec.leaseTransitions != null && spec.leaseTransitions < 0) {
    errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (spec.strategy != null && String(spec.strategy).split('/').length !== 2) {
    errs.push(invalid('spec.strategy', spec.strategy, 'must be a valid strategy'));
  }
  if (spec.preferredHolder && !spec.strategy) {
    errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

export const leases: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  schema: 'io.k8s.api.coordination.v1.Lease',
  generation: false,
  validate: validateLease,
  table: {
    columns: [nameColumn, column('Holder', 'string', 'Identity of the current holder.'), ageColumn],
    row: (obj, now) => [obj.metadata?.name ?? '', obj.spec?.holderIdentity ?? '', age(obj.metadata?.creationTimestamp, now)],
  },
};
