// A pod's request and usage of a resource as Kubernetes' HPA counts them for Resource
// metrics (1.33): the request of calculatePodRequests in the replica calculator and the
// usage of the resource metrics client's getPodMetrics. Both are milli-values, for memory as
// for CPU (Quantity.MilliValue: thousandths of a byte), as Kubernetes counts them.
import { milliValue } from '../../api/quantity.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import type { PodSample } from './replica-calculator.ts';

type Json = Record<string, any>;

export type PodRequest = Pick<PodSample, 'request' | 'containerWithoutRequest'>;

/** The resources a PodMetrics reading is taken apart into. */
export const METRIC_RESOURCES = ['cpu', 'memory'] as const;

/**
 * The pod's request of the resource summed over its regular containers and sidecars
 * (restartable init containers: they run beside the others, and their usage is in the
 * pod's metrics too), or the first of them without one. Ordinary init containers have
 * finished before the pod is measured, so they do not count. The pod-level
 * `spec.resources` is not read: Kubernetes' HPA uses it only from 1.34 on.
 */
export function podRequest(pod: KubeObject, resource: string): PodRequest {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c: Json) => c.restartPolicy === 'Always');
  let total = 0;
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    const request = c.resources?.requests?.[resource];
    if (request === undefined || request === null) return { containerWithoutRequest: c.name };
    total += milliValue(request as string);
  }
  return { request: total };
}

function durationMs(window: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(window ?? '');
  return m ? Number(m[1]) * 1000 : 0;
}

/**
 * A PodMetrics object's usage of each resource, summed over every container it lists
 * (sidecars included). A reading without containers, or with a container that lacks the
 * resource, is no reading of it: the pod then counts as one without metrics.
 */
export function podUsage(metrics: Json): Partial<Record<string, PodSample['usage']>> {
  const containers: Json[] = Array.isArray(metrics.containers) ? metrics.containers : [];
  const timestamp = Date.parse(metrics.timestamp);
  const windowMs = durationMs(metrics.window);
  const usages: Partial<Record<string, PodSample['usage']>> = {};
  for (const resource of METRIC_RESOURCES) {
    const values = containers.map((c) => c.usage?.[resource]);
    if (values.length === 0 || values.some((v) => v === undefined || v === null)) continue;
    usages[resource] = { value: values.reduce((sum, v) => sum + milliValue(v as string), 0), timestamp, windowMs };
  }
  return usages;
}
