// autoscaling/v2 HorizontalPodAutoscaler, the stored and preferred version.
import type { ResourceType } from '../../resource-type.ts';
import { defaultHPAv2 } from './hpa-defaults.ts';
import { hpaTable } from './hpa-table.ts';
import { validateHPAv2 } from './hpa-validation.ts';

export const horizontalPodAutoscalersV2: ResourceType = {
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  schema: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  subresources: { status: true },
  storage: { group: 'autoscaling', resource: 'horizontalpodautoscalers' },
  defaults: defaultHPAv2,
  validate: validateHPAv2,
  prepareForCreate: (obj) => {
    // desiredReplicas is the one status field v2 always prints.
    obj.status = { desiredReplicas: 0 };
  },
  table: hpaTable((obj) => obj),
};
