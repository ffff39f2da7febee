import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStats, ContainerStatus, Runtime } from '../runtime/runtime.ts';
import { ResourceUsageSampler } from './resource-usage.ts';

/** Just what the sampler asks of a runtime: running containers and their cumulative use. */
function fakeRuntime(containers: { id: string; pod: string; name: string; cpuNanos: () => number; state?: string }[]) {
  let now = 0;
  const runtime = {
    listContainers: async () =>
      containers.map(
        (c) =>
          ({
            id: c.id,
            name: c.name,
            state: c.state ?? 'running',
            labels: {
              'io.kubernetes.pod.uid': `uid-${c.pod}`,
              'io.kubernetes.pod.name': c.pod,
              'io.kubernetes.pod.namespace': 'default',
              'io.kubernetes.container.name': c.name,
            },
          }) as unknown as ContainerStatus,
      ),
    containerStats: async (id: string): Promise<ContainerStats | undefined> => {
      const c = containers.find((x) => x.id === id);
      return c && { containerId: id, timestamp: new Date(now), cpuUsageCoreNanoSeconds: c.cpuNanos(), memoryWorkingSetBytes: 4096 };
    },
  } as unknown as Runtime;
  return { runtime, setNow: (ms: number) => (now = ms) };
}

test('CPU is the rate between the last two readings; a container shows up after two', async () => {
  let busyCpu = 0;
  const { runtime, setNow } = fakeRuntime([
    { id: 'a', pod: 'busy', name: 'app', cpuNanos: () => busyCpu },
    { id: 'b', pod: 'busy', name: 'sidecar', cpuNanos: () => 0 },
    { id: 'c', pod: 'done', name: 'app', cpuNanos: () => 5, state: 'exited' },
  ]);
  let nodeCpu = 0;
  let clock = 1_000_000;
  const sampler = new ResourceUsageSampler({
    runtime,
    now: () => clock,
    readNode: () => ({ cpuNanos: nodeCpu, memoryWorkingSetBytes: 1 << 20 }),
  });
  setNow(clock);
  await sampler.sample();
  assert.deepEqual(sampler.latest(), { pods: [] }, 'one reading gives no rate');

  clock += 10_000;
  setNow(clock);
  busyCpu += 5e9; // half a core over 10 s
  nodeCpu += 8e9;
  await sampler.sample();
  const report = sampler.latest();
  assert.deepEqual(report.node, {
    cpuNanoCores: 800_000_000,
    memoryWorkingSetBytes: 1 << 20,
    timestamp: new Date(clock).toISOString(),
    windowSeconds: 10,
  });
  assert.equal(report.pods.length, 1, 'only running containers');
  assert.deepEqual(report.pods[0], {
    namespace: 'default',
    name: 'busy',
    uid: 'uid-busy',
    timestamp: new Date(clock).toISOString(),
    windowSeconds: 10,
    containers: [
      { name: 'app', cpuNanoCores: 500_000_000, memoryWorkingSetBytes: 4096 },
      { name: 'sidecar', cpuNanoCores: 0, memoryWorkingSetBytes: 4096 },
    ],
  });
});

test('a counter that went back (a restarted container under the same id) gives no rate', async () => {
  let cpu = 10e9;
  const { runtime, setNow } = fakeRuntime([{ id: 'a', pod: 'p', name: 'app', cpuNanos: () => cpu }]);
  let clock = 0;
  const sampler = new ResourceUsageSampler({ runtime, now: () => clock, readNode: () => ({ cpuNanos: 0, memoryWorkingSetBytes: 0 }) });
  await sampler.sample();
  clock = 10_000;
  setNow(clock);
  cpu = 1e9;
  await sampler.sample();
  assert.deepEqual(sampler.latest().pods, []);
});
