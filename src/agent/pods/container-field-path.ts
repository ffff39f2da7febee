// The kubelet names the container an event is about in involvedObject.fieldPath
// (`spec.containers{app}`, `spec.initContainers{init}`); `kubectl get events -o wide` shows
// it as SUBOBJECT.
import type { KubeObject } from '../../api/resource-type.ts';

const LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

export function containerFieldPath(pod: KubeObject, containerName: string): string | undefined {
  for (const list of LISTS) {
    const containers: { name?: string }[] | undefined = pod.spec?.[list];
    if (containers?.some((c) => c.name === containerName)) return `spec.${list}{${containerName}}`;
  }
  return undefined;
}
