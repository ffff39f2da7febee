// Every failover setting of `hale server` in one place (docs/failover.md lists them with
// Hale's and Kubernetes' defaults): the node-lifecycle controller's detector and eviction
// rates, the DefaultTolerationSeconds admission, and the embedded agent's lease and fencing.
import type { NodeLifecycleOptions } from './node-lifecycle-controller.ts';

export interface FailoverOptions {
  nodeLifecycle?: NodeLifecycleOptions;
  /** --default-not-ready-toleration-seconds (Hale 2, Kubernetes 300). */
  defaultNotReadyTolerationSeconds?: number;
  /** --default-unreachable-toleration-seconds (Hale 2, Kubernetes 300). */
  defaultUnreachableTolerationSeconds?: number;
  /** --node-lease-duration in seconds (Hale 4, Kubernetes 40). */
  nodeLeaseDurationSeconds?: number;
  /** --node-lease-renew-interval (Hale 1 s, Kubernetes 10 s). */
  nodeLeaseRenewIntervalMs?: number;
  /** --fencing-timeout (Hale 20 s; 0 turns fencing on silence off: only a replaced agent fences). */
  fencingTimeoutMs?: number;
  /** --terminated-pod-gc-threshold: finished pods kept before the pod GC deletes the oldest (12500, as Kubernetes; 0: never). */
  terminatedPodGcThreshold?: number;
}
