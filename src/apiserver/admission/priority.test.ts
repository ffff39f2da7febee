import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceType } from '../../api/resource-type.ts';
import { StatusError } from '../errors.ts';
import { admitPodPriority, priorityAdmission } from './priority.ts';

const pods = { group: '', plural: 'pods' } as ResourceType;

test('a pod without a class gets priority 0 and PreemptLowerPriority', () => {
  const pod = { metadata: { name: 'web' }, spec: { containers: [] } as Record<string, unknown> };
  priorityAdmission(pods, pod);
  assert.equal(pod.spec.priority, 0);
  assert.equal(pod.spec.preemptionPolicy, 'PreemptLowerPriority');
});

test("a system class gives its value; a restored pod's matching priority is accepted", () => {
  const pod = { spec: { priorityClassName: 'system-node-critical', priority: 2000001000 } as Record<string, unknown> };
  admitPodPriority(pod);
  assert.equal(pod.spec.priority, 2000001000);
  const cluster = { spec: { priorityClassName: 'system-cluster-critical' } as Record<string, unknown> };
  admitPodPriority(cluster);
  assert.equal(cluster.spec.priority, 2000000000);
});

test('a priority that differs from the computed one is Forbidden, in Kubernetes words', () => {
  const pod = { metadata: { generateName: 'web-' }, spec: { priority: 5 } };
  assert.throws(
    () => admitPodPriority(pod),
    (err: unknown) =>
      err instanceof StatusError &&
      err.code === 403 &&
      err.message ===
        'pods "web-" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
  );
  assert.throws(() => admitPodPriority({ metadata: { name: 'p' }, spec: { preemptionPolicy: 'Never' } }), /PreemptionPolicy \(Never\)/);
});

test('a class Hale does not know keeps the priority the pod brings, or 0; other kinds are untouched', () => {
  const restored = { spec: { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' } };
  admitPodPriority(restored);
  assert.deepEqual(restored.spec, { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' });
  const fresh = { spec: { priorityClassName: 'high' } as Record<string, unknown> };
  admitPodPriority(fresh);
  assert.equal(fresh.spec.priority, 0);
  const deployment = { spec: {} as Record<string, unknown> };
  priorityAdmission({ group: 'apps', plural: 'deployments' } as ResourceType, deployment);
  assert.deepEqual(deployment.spec, {});
});
