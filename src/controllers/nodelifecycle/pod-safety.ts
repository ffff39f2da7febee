// Which pods may never run twice, and when the old copy of one is known to be dead.
//
// A StatefulSet pod (its identity is its name) and a pod with a ReadWriteOnce claim (its
// volume) must not be recreated while the old copy may still run on an unreachable node.
// The agent fences itself: after `fencing timeout` without a successful Lease renewal it
// kills its pods (and its watchdog does even when the agent is frozen or dead). The agent
// publishes its timeout on the Node, so the controller knows that once
//
//     last renewal seen + lease duration + fencing timeout
//
// has passed on a silent node, nothing of it runs any more and its pods may be force-deleted.
import type { KubeObject } from '../../api/resource-type.ts';

/** Set by the agent on its Node: seconds without a Lease renewal after which it kills its pods. */
export const FENCING_TIMEOUT_ANNOTATION = 'hale.dev/fencing-timeout-seconds';

/** StatefulSet pods and pods with a persistent volume claim. */
export function mayNotRunTwice(pod: KubeObject): boolean {
  const owners: { kind?: string; controller?: boolean }[] = pod.metadata?.ownerReferences ?? [];
  if (owners.some((o) => o.kind === 'StatefulSet' && o.controller)) return true;
  // Claims are treated as ReadWriteOnce: the access mode lives on the claim and a pod holding
  // a ReadWriteMany claim only waits a little longer.
  const volumes: { persistentVolumeClaim?: unknown; ephemeral?: unknown }[] = pod.spec?.volumes ?? [];
  return volumes.some((v) => v.persistentVolumeClaim || v.ephemeral);
}

/** The node's fencing timeout in ms, or undefined when its agent does not fence. */
export function fencingTimeoutMs(node: KubeObject | undefined): number | undefined {
  const raw = node?.metadata?.annotations?.[FENCING_TIMEOUT_ANNOTATION];
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** When the pods of a node silent since `lastHeartbeatAt` are surely dead; undefined = never known. */
export function fencedAt(node: KubeObject | undefined, lastHeartbeatAt: number, leaseDurationMs: number): number | undefined {
  const fencing = fencingTimeoutMs(node);
  return fencing === undefined ? undefined : lastHeartbeatAt + leaseDurationMs + fencing;
}
