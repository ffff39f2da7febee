// Per-kind deletion rules the generic store follows: which objects need a grace period
// (pods running on a node) and when an object marked for deletion may finally go.
import type { KubeObject } from '../../api/resource-type.ts';

/**
 * Seconds an object stays Terminating before removal. Only pods bound to a node and not
 * yet finished get one, so that their node's agent can stop them (Kubernetes semantics);
 * `requested` is the DeleteOptions gracePeriodSeconds.
 */
export function gracefulDeletionSeconds(obj: KubeObject, requested: number | undefined): number {
  if (obj.kind !== 'Pod') return 0;
  const phase = obj.status?.phase;
  if (!obj.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = requested ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, grace);
}

/** An object marked for deletion may be removed once nothing holds it back. */
export function isFinalized(obj: KubeObject): boolean {
  if ((obj.metadata?.finalizers ?? []).length > 0) return false;
  // Namespaces wait for their content to be removed (spec.finalizers, cleared by the namespace controller).
  if (obj.kind === 'Namespace' && (obj.spec?.finalizers ?? []).length > 0) return false;
  return true;
}

/**
 * Whether an update removes the object instead of storing it (Kubernetes'
 * ShouldDeleteDuringUpdate): it was marked for deletion, nothing holds it any more, and its
 * grace period is over. A pod still in its grace period keeps taking writes, so that its
 * agent's last status (terminal phase, exit codes) is stored before the agent confirms.
 */
export function deletesOnUpdate(current: KubeObject, next: KubeObject): boolean {
  if (!current.metadata?.deletionTimestamp || !isFinalized(next)) return false;
  return (current.metadata.deletionGracePeriodSeconds ?? 0) === 0;
}
