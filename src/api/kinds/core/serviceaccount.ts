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
