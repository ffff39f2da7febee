import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricsFetchFailure, resourceMetricFailure } from './hpa-controller.ts';

test('a failed Resource metric is worded as Kubernetes does, per target type', () => {
  const cause = 'missing request for cpu in container x of Pod y';
  assert.deepEqual(resourceMetricFailure('cpu', 'Utilization', cause), {
    message: 'failed to get cpu utilization: missing request for cpu in container x of Pod y',
    quoted: 'failed to get cpu resource metric value: failed to get cpu utilization: missing request for cpu in container x of Pod y',
  });
  assert.equal(
    resourceMetricFailure('memory', 'AverageValue', 'did not receive metrics for targeted pods (pods might be unready)').quoted,
    'failed to get memory resource metric value: failed to get memory usage: did not receive metrics for targeted pods (pods might be unready)',
  );
});

test('an empty or failed metrics.k8s.io list is reported for the metric asked', () => {
  assert.equal(
    metricsFetchFailure('memory', 0),
    'unable to get metrics for resource memory: no metrics returned from resource metrics API',
  );
  assert.equal(
    metricsFetchFailure('cpu', 0, 'timeout'),
    'unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: timeout',
  );
  assert.equal(metricsFetchFailure('cpu', 2), undefined);
});
