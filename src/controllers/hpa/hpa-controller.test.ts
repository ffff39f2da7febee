import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseLabelSelector } from '../../api/selectors/label-selector.ts';
import { resources } from '../../client/resources.ts';
import { type ControllerUnderTest, startControllerUnderTest, stopControllerUnderTest } from '../../testing/controller-under-test.ts';
import { eventually, type InProcessCluster } from '../../testing/in-process-cluster.ts';
import {
  ambiguousSelectorMessage,
  HorizontalPodAutoscalerController,
  HpaSelectors,
  metricsFetchFailure,
  milliQuantity,
  resourceMetricFailure,
} from './hpa-controller.ts';

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

test('status quantities are milli-quantities in canonical form (NewMilliQuantity, DecimalSI)', () => {
  assert.equal(milliQuantity(1500), '1500m');
  assert.equal(milliQuantity(2000), '2');
  assert.equal(milliQuantity(333), '333m');
  // Memory is counted in thousandths of a byte: 13 MiB, and 2 MB.
  assert.equal(milliQuantity(13 * 1024 * 1024 * 1000), '13631488');
  assert.equal(milliQuantity(2_000_000_000), '2M');
  assert.equal(milliQuantity(0), '0');
});

test('HpaSelectors: an HPA selects nothing until its selector is known, and only pods of its namespace', () => {
  const selectors = new HpaSelectors();
  const pod = (namespace: string, labels: Record<string, string>) => ({ metadata: { namespace, name: 'p', labels } });
  selectors.register('default/a', 'default');
  selectors.register('default/b', 'default');
  selectors.register('other/c', 'other');
  selectors.update('default/a', parseLabelSelector('app=web'));
  assert.deepEqual(selectors.controllingHpas('default', [pod('default', { app: 'web', track: 'canary' })]), ['default/a']);
  selectors.update('default/b', parseLabelSelector('app=web,track=canary'));
  selectors.update('other/c', parseLabelSelector('app=web'));
  assert.deepEqual(selectors.controllingHpas('default', [pod('default', { app: 'web', track: 'canary' })]), ['default/a', 'default/b']);
  assert.deepEqual(selectors.controllingHpas('default', [pod('default', { app: 'web' })]), ['default/a']);
  selectors.delete('default/b');
  // A deleted HPA is not brought back by a late sync.
  selectors.update('default/b', parseLabelSelector('app=web'));
  assert.deepEqual(selectors.controllingHpas('default', [pod('default', { app: 'web', track: 'canary' })]), ['default/a']);
  assert.equal(
    ambiguousSelectorMessage('app=web', ['default/b', 'default/a']),
    'pods by selector app=web are controlled by multiple HPAs: [default/a default/b]',
  );
});

describe('two HPAs over the same pods', () => {
  let running: ControllerUnderTest<HorizontalPodAutoscalerController>;
  let cluster: InProcessCluster;

  before(async () => {
    running = await startControllerUnderTest(
      (c, factory) => new HorizontalPodAutoscalerController(c.client, factory, c.logger, { syncPeriodMs: 100 }),
      1,
    );
    cluster = running.cluster;
  });

  after(() => stopControllerUnderTest(running));

  const deployment = (name: string, labels: Record<string, string>) => ({
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }] } },
    },
  });
  const pod = (name: string, labels: Record<string, string>) => ({
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }] },
  });
  const hpa = (name: string, target: string) => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    },
  });
  const scalingActive = async (name: string) => {
    const got = await cluster.tryGet(resources.horizontalPodAutoscalers, 'default', name);
    return (got?.status?.conditions ?? []).find((c: Record<string, string>) => c.type === 'ScalingActive');
  };

  test('both report AmbiguousSelector, with a Warning event, and neither scales; deleting one frees the other', async () => {
    await cluster.client.create(resources.deployments, 'default', deployment('web', { app: 'web' }));
    // The canary's selector is narrower, but its pods are the web HPA's pods too.
    await cluster.client.create(resources.deployments, 'default', deployment('canary', { app: 'web', track: 'canary' }));
    await cluster.client.create(resources.pods, 'default', pod('web-1', { app: 'web' }));
    await cluster.client.create(resources.pods, 'default', pod('canary-1', { app: 'web', track: 'canary' }));
    for (const [name, target] of [
      ['web-a', 'web'],
      ['web-b', 'web'],
      ['canary', 'canary'],
    ]) {
      await cluster.client.create(resources.horizontalPodAutoscalers, 'default', hpa(name, target));
    }
    const all = '[default/canary default/web-a default/web-b]';
    for (const [name, selector] of [
      ['web-a', 'app=web'],
      ['web-b', 'app=web'],
      ['canary', 'app=web,track=canary'],
    ]) {
      // Each HPA's selector is known once it has synced, so the list grows to all three.
      const message = `pods by selector ${selector} are controlled by multiple HPAs: ${all}`;
      const condition = await eventually(`${name} to be AmbiguousSelector`, async () => {
        const c = await scalingActive(name);
        return c?.message === message && c;
      });
      assert.equal(condition.status, 'False');
      assert.equal(condition.reason, 'AmbiguousSelector');
    }
    const web = await cluster.tryGet(resources.horizontalPodAutoscalers, 'default', 'web-a');
    assert.equal(web?.status?.currentMetrics, undefined);
    const events = await cluster.client.list(resources.events, 'default');
    const reasons = new Set(events.items.filter((e) => e.involvedObject?.name === 'web-a').map((e) => `${e.type} ${e.reason}`));
    assert.ok(reasons.has('Warning AmbiguousSelector'), [...reasons].join(', '));
    assert.ok(reasons.has('Warning FailedComputeMetricsReplicas'), [...reasons].join(', '));
    for (const name of ['web', 'canary']) {
      assert.equal((await cluster.tryGet(resources.deployments, 'default', name))?.spec?.replicas, 2);
    }

    // With web-b and the canary's HPA gone, web-a is alone again: it goes on to read its metrics.
    await cluster.client.delete(resources.horizontalPodAutoscalers, 'default', 'web-b');
    await cluster.client.delete(resources.horizontalPodAutoscalers, 'default', 'canary');
    await eventually('web-a to leave AmbiguousSelector', async () => {
      const c = await scalingActive('web-a');
      return c !== undefined && c.reason !== 'AmbiguousSelector' && c;
    });
  });
});
