// autoscaling/v1 HorizontalPodAutoscaler: the CPU-only view of the stored v2 object.
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa-conversion.ts';
import { defaultHPAv1 } from './hpa-defaults.ts';
import { hpaTable } from './hpa-table.ts';
import { validateHPAv2 } from './hpa-validation.ts';

/** Rows and validation work on the v2 form; accept either shape. */
const asV2 = (obj: KubeObject): KubeObject => (obj.apiVersion === 'autoscaling/v2' ? obj : hpaV1ToV2(obj));

export const horizontalPodAutoscalersV1: ResourceType = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  schema: 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler',
  subresources: { status: true },
  storage: { group: 'autoscaling', resource: 'horizontalpodautoscalers' },
  toStorage: hpaV1ToV2,
  fromStorage: hpaV2ToV1,
  defaults: defaultHPAv1,
  validate: (obj) => validateHPAv2(asV2(obj)),
  prepareForCreate: (obj) => {
    obj.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
  table: hpaTable(asV2),
};
