// The autoscaling resources: v2 first, so clients prefer it (as Kubernetes lists it).
import '../../definitions/autoscaling.ts';
import type { ResourceType } from '../../resource-type.ts';
import { horizontalPodAutoscalersV1 } from './horizontalpodautoscaler-v1.ts';
import { horizontalPodAutoscalersV2 } from './horizontalpodautoscaler-v2.ts';

export const autoscalingResources: ResourceType[] = [horizontalPodAutoscalersV2, horizontalPodAutoscalersV1];
