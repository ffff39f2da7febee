// Job status conditions as the Job controller writes them and other controllers (CronJob,
// TTL) read them: Complete/Failed are terminal, SuccessCriteriaMet/FailureTarget announce
// them while the last pods are still going away, Suspended follows spec.suspend.
import type { KubeObject } from '../../api/resource-type.ts';

export interface JobCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export const JobConditionType = {
  Complete: 'Complete',
  Failed: 'Failed',
  Suspended: 'Suspended',
  FailureTarget: 'FailureTarget',
  SuccessCriteriaMet: 'SuccessCriteriaMet',
} as const;

export const JobReason = {
  CompletionsReached: 'CompletionsReached',
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  PodFailurePolicy: 'PodFailurePolicy',
  SuccessPolicy: 'SuccessPolicy',
} as const;

export const JobMessage = {
  CompletionsReached: 'Reached expected number of succeeded pods',
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
} as const;

export function getJobCondition(job: KubeObject, type: string): JobCondition | undefined {
  const conditions: JobCondition[] = job.status?.conditions ?? [];
  return conditions.find((c) => c?.type === type);
}

export function isJobConditionTrue(job: KubeObject, type: string): boolean {
  return getJobCondition(job, type)?.status === 'True';
}

/** Complete or Failed: the Job will not run pods again. */
export function isJobFinished(job: KubeObject): boolean {
  return isJobConditionTrue(job, JobConditionType.Complete) || isJobConditionTrue(job, JobConditionType.Failed);
}

/** "Complete", "Failed", or undefined while the Job runs. */
export function jobFinishedType(job: KubeObject): 'Complete' | 'Failed' | undefined {
  if (isJobConditionTrue(job, JobConditionType.Complete)) return 'Complete';
  if (isJobConditionTrue(job, JobConditionType.Failed)) return 'Failed';
  return undefined;
}

/** When the Job finished (epoch ms): completionTime, else the terminal condition's transition. */
export function jobFinishTime(job: KubeObject): number | undefined {
  const type = jobFinishedType(job);
  if (!type) return undefined;
  const text = (type === 'Complete' && job.status?.completionTime) || getJobCondition(job, type)?.lastTransitionTime;
  const ms = Date.parse(text ?? '');
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Sets condition `type` to the given status, reason and message, keeping the transition
 * time when the status does not change. Returns the new list, or the same list when
 * nothing changed (so callers can tell whether a status write is needed).
 */
export function setJobCondition(
  conditions: JobCondition[],
  type: string,
  status: JobCondition['status'],
  reason: string,
  message: string,
  now: string,
): JobCondition[] {
  const index = conditions.findIndex((c) => c.type === type);
  if (index < 0) {
    // A condition that is False and absent mean the same: do not add a False one.
    if (status === 'False') return conditions;
    return [...conditions, { type, status, lastProbeTime: now, lastTransitionTime: now, reason, message }];
  }
  const old = conditions[index];
  if (old.status === status && old.reason === reason && old.message === message) return conditions;
  const updated: JobCondition = {
    ...old,
    status,
    reason,
    message,
    lastProbeTime: now,
    lastTransitionTime: old.status === status ? old.lastTransitionTime : now,
  };
  return conditions.map((c, i) => (i === index ? updated : c));
}
