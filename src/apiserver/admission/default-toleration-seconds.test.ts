import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceType } from '../../api/resource-type.ts';
import { addDefaultTolerations, defaultTolerationSecondsAdmission } from './default-toleration-seconds.ts';

const settings = { notReadySeconds: 2, unreachableSeconds: 3 };

test('a pod without them gets both NoExecute tolerations with the configured seconds', () => {
  const pod = { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] } };
  addDefaultTolerations(pod, settings);
  assert.deepEqual(pod.spec.tolerations.slice(1), [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
  ]);
});

test("the pod's own toleration wins, with or without seconds", () => {
  const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 600 };
  const pod = { spec: { tolerations: [own] } };
  addDefaultTolerations(pod, settings);
  assert.deepEqual(
    pod.spec.tolerations.map((t) => [t.key, t.tolerationSeconds]),
    [
      ['node.kubernetes.io/unreachable', 600],
      ['node.kubernetes.io/not-ready', 2],
    ],
  );
  const everything = { spec: { tolerations: [{ operator: 'Exists' }] } };
  addDefaultTolerations(everything, settings);
  assert.equal(everything.spec.tolerations.length, 1);
});

test('only pods are admitted; malformed tolerations are left for validation', () => {
  const admit = defaultTolerationSecondsAdmission(settings);
  const deployment = { spec: {} as Record<string, unknown> };
  admit({ group: 'apps', plural: 'deployments' } as ResourceType, deployment);
  assert.equal(deployment.spec.tolerations, undefined);
  const bad = { spec: { tolerations: 'nope' } };
  admit({ group: '', plural: 'pods' } as ResourceType, bad);
  assert.equal(bad.spec.tolerations, 'nope');
});
