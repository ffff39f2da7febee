// The contract between the pod workers and the prober: the pod worker registers running
// containers, the prober runs their liveness/readiness/startup probes on schedule and
// reports transitions; the pod worker acts on them (restart on liveness failure, Ready
// conditions from readiness).
import type { KubeObject } from '../../api/resource-type.ts';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeTarget {
  pod: KubeObject;
  /** The container's spec from pod.spec.containers. */
  container: KubeObject;
  containerId: string;
  podIP: string;
  startedAt: Date;
}

export interface ProbeTransition {
  podUid: string;
  containerName: string;
  containerId: string;
  probe: ProbeKind;
  /**
   * readiness/startup: the new state. liveness: 'failure' once failureThreshold consecutive
   * failures are reached (the container must be restarted), 'success' otherwise.
   */
  result: 'success' | 'failure';
  /** Probe output or failure message (for events and the restart message). */
  message: string;
  /** A liveness/startup failure's probe-level terminationGracePeriodSeconds, when the probe sets one. */
  terminationGracePeriodSeconds?: number;
}

export interface Prober {
  /** Start probing a container that just started (probes begin after initialDelaySeconds). */
  addContainer(target: ProbeTarget): void;
  removeContainer(containerId: string): void;
  removePod(podUid: string): void;
  /** Readiness: true once the readiness probe passes (or there is none and the container is started). */
  isReady(containerId: string): boolean;
  /** Startup: true once the startup probe passed (or there is none). */
  isStarted(containerId: string): boolean;
  /**
   * The container's first readiness attempt, when it is due now and still running (a container
   * that just started, with no initialDelaySeconds left): resolves when it finished, whatever
   * its outcome. Undefined otherwise.
   */
  firstReadinessAttempt(containerId: string): Promise<void> | undefined;
  onTransition(listener: (t: ProbeTransition) => void): void;
  stop(): void;
}
