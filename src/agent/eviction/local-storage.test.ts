import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import type { DiskUsageOptions, MeasureDiskUsage } from './disk-usage.ts';
import { hasLocalStorageLimits, isCriticalPod } from './eviction-manager.ts';
import { localStorageViolation, podEphemeralStorageLimit, type StorageLayout } from './local-storage.ts';

const Mi = 1024 * 1024;

/** Fake sizes per path; records each measurement and honours stopAbove as the walker does. */
function fakeDisk(sizes: Record<string, number>) {
  const calls: { path: string; stopAbove?: number }[] = [];
  const measure: MeasureDiskUsage = async (p: string, opts: DiskUsageOptions = {}) => {
    calls.push({ path: p, stopAbove: opts.stopAbove });
    const bytes = sizes[p] ?? 0;
    return { bytes, stoppedEarly: opts.stopAbove !== undefined && bytes > opts.stopAbove, truncated: false };
  };
  return { measure, calls };
}

const layout: StorageLayout = {
  emptyDirPath: async (_pod, name) => (name === 'mem' ? undefined : `vol/${name}`),
  containerPaths: (_pod, name) => [`logs/${name}`],
  podPaths: () => ['logs'],
  podVolumePaths: async (pod) =>
    (pod.spec?.volumes ?? []).filter((v: any) => v.emptyDir && v.name !== 'mem').map((v: any) => `vol/${v.name}`),
};

function pod(spec: Record<string, unknown>): KubeObject {
  return { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec };
}
const c = (name: string, limit?: string) => ({ name, ...(limit ? { resources: { limits: { 'ephemeral-storage': limit } } } : {}) });

test('an emptyDir over its sizeLimit: the kubelet message, and a walk stopped at the limit', async () => {
  const p = pod({ containers: [c('app')], volumes: [{ name: 'cache', emptyDir: { sizeLimit: '5Mi' } }] });
  const disk = fakeDisk({ 'vol/cache': 8 * Mi });
  assert.deepEqual(await localStorageViolation(p, layout, disk.measure), {
    kind: 'emptyDir',
    message: 'Usage of EmptyDir volume "cache" exceeds the limit "5Mi". ',
  });
  assert.deepEqual(disk.calls, [{ path: 'vol/cache', stopAbove: 5 * Mi }]);
});

test('usage equal to the limit is not over it; no sizeLimit or a zero one is no limit; a tmpfs is not measured', async () => {
  const p = pod({
    containers: [c('app')],
    volumes: [
      { name: 'exact', emptyDir: { sizeLimit: '5Mi' } },
      { name: 'unlimited', emptyDir: {} },
      { name: 'zero', emptyDir: { sizeLimit: '0' } },
      { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
    ],
  });
  const disk = fakeDisk({ 'vol/exact': 5 * Mi, 'vol/unlimited': 100 * Mi, 'vol/zero': 100 * Mi });
  assert.equal(await localStorageViolation(p, layout, disk.measure), undefined);
  assert.deepEqual(
    disk.calls.map((x) => x.path),
    ['vol/exact'],
  );
});

test('the limit keeps its canonical form in the message', async () => {
  const p = pod({ containers: [c('app')], volumes: [{ name: 'v', emptyDir: { sizeLimit: '5242880' } }] });
  const v = await localStorageViolation(p, layout, fakeDisk({ 'vol/v': 6 * Mi }).measure);
  assert.equal(v?.message, 'Usage of EmptyDir volume "v" exceeds the limit "5242880". ');
});

test('the pod limit is the sum of its containers: logs and emptyDirs together over it', async () => {
  const p = pod({ containers: [c('a', '2Mi'), c('b', '1Mi'), c('c')], volumes: [{ name: 'data', emptyDir: {} }] });
  // Each part is under every single limit; together 3.5 Mi > 3 Mi.
  const disk = fakeDisk({ 'vol/data': 2 * Mi, logs: 1.5 * Mi, 'logs/a': 1 * Mi, 'logs/b': 0.5 * Mi });
  assert.deepEqual(await localStorageViolation(p, layout, disk.measure), {
    kind: 'pod',
    message: 'Pod ephemeral local storage usage exceeds the total limit of containers 3Mi. ',
  });
  // The second path is measured only up to what is left of the limit.
  assert.deepEqual(disk.calls, [
    { path: 'vol/data', stopAbove: 3 * Mi },
    { path: 'logs', stopAbove: 1 * Mi },
  ]);
  assert.equal(await localStorageViolation(p, layout, fakeDisk({ 'vol/data': 2 * Mi, logs: 1 * Mi }).measure), undefined);
});

test('a container over its own limit while the pod is under its total', async () => {
  // An init container's larger limit raises the pod's; the app container's own stays 1Mi.
  const p = pod({ initContainers: [c('setup', '10Mi')], containers: [c('app', '1Mi')] });
  assert.equal(podEphemeralStorageLimit(p)?.toString(), '10Mi');
  const disk = fakeDisk({ logs: 2 * Mi, 'logs/app': 2 * Mi });
  assert.deepEqual(await localStorageViolation(p, layout, disk.measure), {
    kind: 'container',
    message: 'Container app exceeded its local ephemeral storage limit "1Mi". ',
  });
});

test('checks run in the kubelet order: emptyDir, then pod, then container', async () => {
  const p = pod({ containers: [c('app', '1Mi')], volumes: [{ name: 'v', emptyDir: { sizeLimit: '1Mi' } }] });
  const v = await localStorageViolation(p, layout, fakeDisk({ 'vol/v': 2 * Mi, logs: 2 * Mi, 'logs/app': 2 * Mi }).measure);
  assert.equal(v?.kind, 'emptyDir');
  const w = await localStorageViolation(p, layout, fakeDisk({ 'vol/v': 0.5 * Mi, logs: 2 * Mi, 'logs/app': 2 * Mi }).measure);
  assert.equal(w?.kind, 'pod');
});

test('PodLimits: sidecars add up, init containers count alone, overhead on top; none set: no limit', () => {
  assert.equal(podEphemeralStorageLimit(pod({ containers: [c('a'), c('b')] })), undefined);
  const p = pod({
    initContainers: [{ ...c('side', '1Gi'), restartPolicy: 'Always' }, c('init', '1500Mi')],
    containers: [c('a', '1Gi')],
    overhead: { 'ephemeral-storage': '100Mi' },
  });
  // max(1Gi + 1Gi, 1500Mi + 1Gi) + 100Mi
  assert.equal(podEphemeralStorageLimit(p)?.value(), (2524 + 100) * Mi);
});

test('which pods are checked at all, and which are never evicted', () => {
  assert.equal(hasLocalStorageLimits(pod({ containers: [c('a')], volumes: [{ name: 'v', emptyDir: {} }] })), false);
  assert.equal(hasLocalStorageLimits(pod({ containers: [c('a')], volumes: [{ name: 'v', emptyDir: { sizeLimit: '1Mi' } }] })), true);
  assert.equal(hasLocalStorageLimits(pod({ containers: [c('a', '1Mi')] })), true);
  assert.equal(isCriticalPod(pod({ priority: 2_000_001_000 })), true);
  assert.equal(isCriticalPod(pod({ priority: 1000 })), false);
  assert.equal(isCriticalPod({ metadata: { annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: {} }), true);
});
