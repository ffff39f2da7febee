// core/v1 ServiceAccount: an identity for pods; only generic metadata rules apply.
import { age } from '../../printers/age.ts';
import type { ResourceType } from '../../resource-type.ts';
import { ageColumn, column, nameColumn } from './print-helpers.ts';
import '../../definitions/core-v1.ts';

export const serviceAccountResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  schema: 'io.k8s.api.core.v1.ServiceAccount',
  generation: false,
  table: {
    columns: [nameColumn, column('Secrets', 'Number of referenced secrets.'), ageColumn],
    row: (sa, now) => [sa.metadata?.name ?? '', (sa.secrets ?? []).length, age(sa.metadata?.creationTimestamp, now)],
  },
};

/** The service account every namespace has, and pods without one run as. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';
/** The ConfigMap in every namespace holding the cluster CA for in-cluster clients. */
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
export const ROOT_CA_KEY = 'ca.crt';

/**
 * ValidateExpirationSeconds, shared by TokenRequest and projected serviceAccountToken sources:
 * the messages when a token's lifetime is out of bounds, or undefined when it is fine.
 */
export function tokenExpirationProblem(seconds: number): string | undefined {
  if (seconds < 600) return 'may not specify a duration less than 10 minutes';
  if (seconds > 2 ** 32) return 'may not specify a duration larger than 2^32 seconds';
  return undefined;
}
