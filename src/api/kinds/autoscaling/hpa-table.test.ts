import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../resource-type.ts';
import { horizontalPodAutoscalersV1 } from './horizontalpodautoscaler-v1.ts';
import { horizontalPodAutoscalersV2 } from './horizontalpodautoscaler-v2.ts';
import { formatHPAMetrics } from './hpa-table.ts';

const now = new Date('2025-01-01T00:02:00Z');
const cpu = (percent: number) => ({
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } },
});

test('the columns are those of kubectl get hpa', () => {
  assert.deepEqual(
    horizontalPodAutoscalersV2.table!.columns.map((c) => c.name),
    ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age'],
  );
});

test('a fresh v2 HPA shows an unknown current CPU value', () => {
  const obj: KubeObject = {
    metadata: { name: 'web', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [cpu(80)] },
    status: { desiredReplicas: 0 },
  };
  assert.deepEqual(horizontalPodAutoscalersV2.table!.row(obj, now), ['web', 'Deployment/web', 'cpu: <unknown>/80%', '1', 10, 0, '2m']);
});

test('a v1 object is printed through its v2 form', () => {
  const v1: KubeObject = {
    apiVersion: 'autoscaling/v1',
    metadata: { name: 'web', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 35 },
  };
  assert.deepEqual(horizontalPodAutoscalersV1.table!.row(v1, now), ['web', 'Deployment/web', 'cpu: 35%/50%', '2', 4, 2, '2m']);
});

test('other metric kinds and the "more" suffix', () => {
  const specs = [
    { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
    { type: 'External', external: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '30' } } },
    { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } },
  ];
  const statuses = [{ type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '500' } } }];
  assert.equal(formatHPAMetrics(specs, statuses), '500/1k, <unknown>/30 (avg) + 1 more...');
  assert.equal(formatHPAMetrics([], []), '<none>');
  assert.equal(formatHPAMetrics([specs[2]], []), 'memory: <unknown>/512Mi');
});
