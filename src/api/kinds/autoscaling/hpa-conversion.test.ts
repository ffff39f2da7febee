import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../resource-type.ts';
import {
  BEHAVIOR_ANNOTATION,
  CONDITIONS_ANNOTATION,
  hpaV1ToV2,
  hpaV2ToV1,
  METRIC_SPECS_ANNOTATION,
  METRIC_STATUSES_ANNOTATION,
} from './hpa-conversion.ts';

const ref = { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' };

test('a v1 CPU target becomes a v2 Resource utilization metric and back', () => {
  const v1 = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web' },
    spec: { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 },
  };
  const v2 = hpaV1ToV2(v1);
  assert.deepEqual(v2.spec, {
    scaleTargetRef: ref,
    minReplicas: 2,
    maxReplicas: 5,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
  });
  assert.deepEqual(hpaV2ToV1(v2).spec, v1.spec);
  assert.equal(hpaV2ToV1(v2).metadata?.annotations, undefined);
});

test('a v1 HPA without a target means 80% CPU', () => {
  const v2 = hpaV1ToV2({ metadata: { name: 'web' }, spec: { scaleTargetRef: ref, maxReplicas: 3 } });
  assert.deepEqual(v2.spec.metrics, [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
  ]);
});

test('metrics, behavior, statuses and conditions v1 cannot show survive a v1 round trip', () => {
  const v2: KubeObject = {
    apiVersion: 'autoscaling/v2',
    metadata: { name: 'web', annotations: { team: 'a' } },
    spec: {
      scaleTargetRef: ref,
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [
        { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '100' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } },
      ],
      behavior: {
        scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
      },
    },
    status: {
      currentReplicas: 3,
      desiredReplicas: 4,
      currentMetrics: [
        { type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '120' } } },
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75, averageValue: '150m' } } },
      ],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }],
    },
  };
  const v1 = hpaV2ToV1(v2);
  assert.equal(v1.spec.targetCPUUtilizationPercentage, 70);
  assert.equal(v1.status.currentCPUUtilizationPercentage, 75);
  const annotations = v1.metadata?.annotations ?? {};
  assert.equal(annotations.team, 'a');
  assert.deepEqual(JSON.parse(annotations[METRIC_SPECS_ANNOTATION]), [
    { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '100' } },
    { type: 'External', external: { metricName: 'queue', targetValue: '30' } },
  ]);
  assert.ok(annotations[METRIC_STATUSES_ANNOTATION]);
  assert.ok(annotations[BEHAVIOR_ANNOTATION]);
  assert.ok(annotations[CONDITIONS_ANNOTATION]);

  const back = hpaV1ToV2(v1);
  assert.deepEqual(back.metadata?.annotations, { team: 'a' });
  // The annotated metrics come first, then the CPU target.
  assert.deepEqual(back.spec.metrics, [v2.spec.metrics[0], v2.spec.metrics[2], v2.spec.metrics[1]]);
  assert.deepEqual(back.spec.behavior, v2.spec.behavior);
  assert.deepEqual(back.status.currentMetrics, v2.status.currentMetrics);
  assert.deepEqual(back.status.conditions, v2.status.conditions);
});
