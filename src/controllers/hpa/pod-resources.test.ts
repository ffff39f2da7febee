import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podRequest, podUsage } from './pod-resources.ts';

const container = (name: string, requests?: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  name,
  ...(requests ? { resources: { requests } } : {}),
  ...extra,
});

test('podRequest and podUsage are milli-values for memory too, as MilliValue counts them', () => {
  assert.deepEqual(podRequest({ spec: { containers: [container('app', { memory: '1500m' })] } }, 'memory'), { request: 1500 });
  assert.equal(podUsage(reading([{ name: 'app', usage: { memory: '1k' } }])).memory?.value, 1_000_000);
});

test('podRequest: regular containers plus sidecars (restartable init containers); ordinary init containers do not count', () => {
  const pod = {
    spec: {
      initContainers: [
        container('migrate', { cpu: '2', memory: '1Gi' }),
        container('proxy', { cpu: '50m', memory: '64Mi' }, { restartPolicy: 'Always' }),
      ],
      containers: [container('app', { cpu: '200m', memory: '256Mi' }), container('worker', { cpu: '100m', memory: '128Mi' })],
    },
  };
  assert.deepEqual(podRequest(pod, 'cpu'), { request: 350 });
  assert.deepEqual(podRequest(pod, 'memory'), { request: (256 + 128 + 64) * 1024 * 1024 * 1000 });
});

test('podRequest: a sidecar without a request is named, as a regular container would be', () => {
  const pod = {
    spec: {
      initContainers: [container('migrate'), container('proxy', { memory: '64Mi' }, { restartPolicy: 'Always' })],
      containers: [container('app', { cpu: '200m', memory: '256Mi' })],
    },
  };
  assert.deepEqual(podRequest(pod, 'cpu'), { containerWithoutRequest: 'proxy' });
  // The ordinary init container without requests is no obstacle.
  assert.deepEqual(podRequest(pod, 'memory'), { request: (256 + 64) * 1024 * 1024 * 1000 });
});

test('podRequest: the pod-level spec.resources is not read (Kubernetes 1.33)', () => {
  const pod = {
    spec: {
      resources: { requests: { cpu: '1' } },
      containers: [container('app', { cpu: '200m' }), container('helper')],
    },
  };
  assert.deepEqual(podRequest(pod, 'cpu'), { containerWithoutRequest: 'helper' });
  assert.deepEqual(
    podRequest({ spec: { resources: { requests: { cpu: '1' } }, containers: [container('app', { cpu: '200m' })] } }, 'cpu'),
    {
      request: 200,
    },
  );
});

const reading = (containers: unknown[]) => ({ timestamp: '2026-01-01T00:00:10Z', window: '10.5s', containers });

test('podUsage: every listed container counts, sidecars included', () => {
  const usage = podUsage(
    reading([
      { name: 'app', usage: { cpu: '150000000n', memory: '100Ki' } },
      { name: 'proxy', usage: { cpu: '50m', memory: '28Ki' } },
    ]),
  );
  const at = { timestamp: Date.parse('2026-01-01T00:00:10Z'), windowMs: 10_500 };
  assert.deepEqual(usage, { cpu: { value: 200, ...at }, memory: { value: 128 * 1024 * 1000, ...at } });
});

test('podUsage: no containers, or a container without the resource, is no reading of it', () => {
  assert.deepEqual(podUsage(reading([])), {});
  const usage = podUsage(
    reading([
      { name: 'app', usage: { cpu: '100m', memory: '1Mi' } },
      { name: 'proxy', usage: { memory: '1Mi' } },
    ]),
  );
  assert.equal(usage.cpu, undefined);
  assert.equal(usage.memory?.value, 2 * 1024 * 1024 * 1000);
});
