// Who a container runs as, from its own and its pod's securityContext, as the kubelet derives
// it: the container's runAsUser/runAsGroup/runAsNonRoot override the pod's; the pod's
// supplementalGroups and fsGroup become supplementary groups; runAsNonRoot is checked before
// the container is created, against the image's user when runAsUser is not set.
import type { KubeObject } from '../../api/resource-type.ts';
import type { RunAsUser } from '../runtime/runtime.ts';

type Json = Record<string, any>;

const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

/** The kubelet's format.Pod: name_namespace(uid). */
function podRef(pod: KubeObject): string {
  const meta = pod.metadata ?? {};
  return `${meta.name}_${meta.namespace}(${meta.uid})`;
}

/**
 * The kubelet's verifyRunAsNonRoot: why the container may not run, if it may not. `imageUid` is
 * the user the container runs as when runAsUser is not set (the process runtime: its own).
 */
export function runAsNonRootViolation(pod: KubeObject, container: Json, imageUid: number | undefined): string | undefined {
  const podSc: Json = pod.spec?.securityContext ?? {};
  const sc: Json = container.securityContext ?? {};
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) return undefined;
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const where = `(pod: ${JSON.stringify(podRef(pod))}, container: ${container.name})`;
  if (typeof runAsUser === 'number') return runAsUser === 0 ? `container's runAsUser breaks non-root policy ${where}` : undefined;
  return imageUid === 0 ? `container has runAsNonRoot and image will run as root ${where}` : undefined;
}

/**
 * The container's identity, or undefined when its spec asks for none (the runtime's own then).
 * Without runAsUser the image's user (root) runs; without runAsGroup the runtime picks that
 * user's primary group in the image.
 */
export function containerRunAs(pod: KubeObject, container: Json): RunAsUser | undefined {
  const podSc: Json = pod.spec?.securityContext ?? {};
  const sc: Json = container.securityContext ?? {};
  const uid = int(sc.runAsUser ?? podSc.runAsUser);
  const gid = int(sc.runAsGroup ?? podSc.runAsGroup);
  const groups: number[] = [];
  for (const g of [...(Array.isArray(podSc.supplementalGroups) ? podSc.supplementalGroups : []), podSc.fsGroup]) {
    const id = int(g);
    if (id !== undefined && !groups.includes(id)) groups.push(id);
  }
  if (uid === undefined && gid === undefined && groups.length === 0) return undefined;
  return { uid: uid ?? 0, ...(gid !== undefined ? { gid } : {}), supplementalGroups: groups };
}
