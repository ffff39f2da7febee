// The Job controller's pure parts: pod failure policy, completion indexes, back-off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiObject } from './api-object.ts';
import {
  addCompletionIndex,
  completionIndexOf,
  formatIndexes,
  indexesToCreate,
  JOB_COMPLETION_INDEX_ANNOTATION,
  parseIndexes,
} from './indexed-completion.ts';
import { nextBackoffRecord, podFinishTime, remainingBackoffMs } from './pod-backoff.ts';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';
import { MAX_REQUEUE_DELAY_MS, requeueAfter } from './requeue-delay.ts';
import { matchSuccessPolicy } from './success-policy.ts';

function failedPod(exitCodes: Record<string, number>, conditions: { type: string; status: string }[] = []): ApiObject {
  return {
    metadata: { name: 'p', namespace: 'ns' },
    status: {
      phase: 'Failed',
      conditions,
      containerStatuses: Object.entries(exitCodes).map(([name, exitCode]) => ({ name, state: { terminated: { exitCode } } })),
    },
  };
}

const jobWithRules = (rules: unknown[]): ApiObject => ({ metadata: {}, spec: { podFailurePolicy: { rules } } });

test('pod failure policy: first matching rule wins, no match counts', () => {
  const job = jobWithRules([
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
    { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
  ]);
  assert.deepEqual(matchPodFailurePolicy(job, failedPod({ main: 42 })), {
    action: 'FailJob',
    message: 'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1',
  });
  assert.deepEqual(matchPodFailurePolicy(job, failedPod({ main: 42 }, [{ type: 'DisruptionTarget', status: 'True' }])), {
    action: 'Ignore',
  });
  // 42 in a container the rule does not name: the NotIn rule (any container) counts it.
  assert.deepEqual(matchPodFailurePolicy(job, failedPod({ sidecar: 42 })), { action: 'Count' });
  assert.deepEqual(matchPodFailurePolicy(job, failedPod({ main: 1 })), { action: 'Count' });
  // Exit code 0 never matches, even for NotIn.
  const notIn = jobWithRules([{ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1] } }]);
  assert.equal(matchPodFailurePolicy(notIn, failedPod({ main: 0 })).action, 'Count');
  assert.equal(matchPodFailurePolicy(notIn, failedPod({ main: 3 })).action, 'FailJob');
  const byCondition = jobWithRules([{ action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] }]);
  assert.equal(
    matchPodFailurePolicy(byCondition, failedPod({}, [{ type: 'ConfigIssue', status: 'True' }])).message,
    'Pod ns/p has condition ConfigIssue matching FailJob rule at index 0',
  );
  assert.equal(matchPodFailurePolicy({ spec: {} }, failedPod({ main: 42 })).action, 'Count');
});

test('completion indexes: parse, format, pick and stamp', () => {
  assert.deepEqual([...parseIndexes('0-2,5,7-8', 8)].sort(), [0, 1, 2, 5, 7]);
  assert.equal(formatIndexes([5, 0, 1, 2, 9, 8]), '0-2,5,8-9');
  assert.equal(formatIndexes([]), '');
  assert.deepEqual(indexesToCreate(6, new Set([0, 2]), new Set([1]), 2), [3, 4]);
  const pod: ApiObject = {
    metadata: { labels: { app: 'x' } },
    spec: { containers: [{ name: 'main' }], initContainers: [{ name: 'init' }] },
  };
  addCompletionIndex(pod, 'work', 3);
  assert.equal(completionIndexOf(pod), 3);
  assert.equal(pod.metadata.annotations[JOB_COMPLETION_INDEX_ANNOTATION], '3');
  assert.equal(pod.metadata.labels[JOB_COMPLETION_INDEX_ANNOTATION], '3');
  assert.equal(pod.metadata.labels.app, 'x');
  assert.equal(pod.spec.hostname, 'work-3');
  assert.equal(pod.spec.containers[0].env[0].name, 'JOB_COMPLETION_INDEX');
  assert.equal(
    pod.spec.initContainers[0].env[0].valueFrom.fieldRef.fieldPath,
    `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']`,
  );
  assert.equal(completionIndexOf({ metadata: { annotations: { [JOB_COMPLETION_INDEX_ANNOTATION]: 'x' } } }), undefined);
});

test('back-off doubles per failure from the last failure, capped, and resets on success', () => {
  const base = 10_000;
  const max = 360_000;
  assert.equal(remainingBackoffMs(undefined, 0, base, max), 0);
  assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 1, lastFailureTime: 1000 }, 1000, base, max), 10_000);
  assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 3, lastFailureTime: 1000 }, 6000, base, max), 35_000);
  assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 30, lastFailureTime: 0 }, 0, base, max), max);
  assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 1, lastFailureTime: 0 }, 10_000, base, max), 0);

  const at = (ms: number): ApiObject => ({
    metadata: {},
    status: { containerStatuses: [{ state: { terminated: { finishedAt: new Date(ms).toISOString() } } }] },
  });
  assert.equal(podFinishTime(at(5000), 9000), 5000);
  assert.equal(podFinishTime({}, 9000), 9000);
  let record = nextBackoffRecord(undefined, [], [at(1000), at(3000)], 10_000);
  assert.deepEqual(record, { failuresAfterLastSuccess: 2, lastFailureTime: 3000 });
  record = nextBackoffRecord(record, [], [at(4000)], 10_000);
  assert.deepEqual(record, { failuresAfterLastSuccess: 3, lastFailureTime: 4000 });
  record = nextBackoffRecord(record, [at(5000)], [at(4500), at(6000)], 10_000);
  assert.deepEqual(record, { failuresAfterLastSuccess: 1, lastFailureTime: 6000 });
  assert.deepEqual(nextBackoffRecord(record, [at(7000)], [], 10_000), { failuresAfterLastSuccess: 0 });
});

test('requeue delays are capped below the Node timer overflow', () => {
  assert.deepEqual(requeueAfter(5000), { requeueAfterMs: 5000 });
  assert.deepEqual(requeueAfter(-3), { requeueAfterMs: 0 });
  assert.deepEqual(requeueAfter(365 * 24 * 3600 * 1000), { requeueAfterMs: MAX_REQUEUE_DELAY_MS });
});

test('matchSuccessPolicy follows Kubernetes: first matching rule, indexes alone need all, a count needs that many', () => {
  const policy = { rules: [{ succeededIndexes: '0-2', succeededCount: 2 }, { succeededIndexes: '4' }, { succeededCount: 3 }] };
  assert.equal(matchSuccessPolicy(policy, 5, new Set()), undefined);
  assert.equal(matchSuccessPolicy(policy, 5, new Set([0])), undefined);
  assert.equal(matchSuccessPolicy(policy, 5, new Set([0, 2])), 'Matched rules at index 0');
  assert.equal(matchSuccessPolicy(policy, 5, new Set([4])), 'Matched rules at index 1');
  assert.equal(matchSuccessPolicy(policy, 5, new Set([0, 3, 4])), 'Matched rules at index 1');
  assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 2 }] }, 5, new Set([1, 3])), 'Matched rules at index 0');
  // No rule, or no index succeeded yet: no match (even for succeededCount 0).
  assert.equal(matchSuccessPolicy(undefined, 5, new Set([0])), undefined);
  assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 0 }] }, 5, new Set()), undefined);
});
