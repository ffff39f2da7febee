// The agent driving the real ProcessRuntime: `sh -c` workloads that exit, crash-loop, write
// termination messages and survive an agent restart. Probes, hooks and volumes are fakes here.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { resources } from '../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';
import { type Agent, startAgent } from './agent.ts';
import { FakeHooks, FakeProber, FakeVolumes } from './pods/testing/fakes.ts';
import { CgroupManager } from './runtime/process/cgroups.ts';
import { ProcessRuntime } from './runtime/process/process-runtime.ts';
import { ensureShimBuilt } from './runtime/process/shim.ts';

const NODE = 'process-node';
const cgroupRoot = `hale-agent-test-${process.pid}`;
const podCidr = `127.${201 + (process.pid % 50)}.0.0/16`;
let cluster: InProcessCluster;
let dataDir: string;
let shimPath: string;
const runtimes: ProcessRuntime[] = [];

before(async () => {
  shimPath = ensureShimBuilt();
  cluster = await startInProcessCluster();
  dataDir = await mkdtemp(path.join(tmpdir(), 'hale-agent-process-'));
});

after(async () => {
  for (const rt of runtimes) {
    for (const s of await rt.listPodSandboxes()) {
      for (const c of await rt.listContainers({ sandboxId: s.id })) await rt.stopContainer(c.id, 0).catch(() => {});
      await rt.removePodSandbox(s.id).catch(() => {});
    }
    rt.close();
  }
  const cgroups = new CgroupManager(cgroupRoot, { probe: false });
  if (cgroups.enabled) await cgroups.remove('').catch(() => {});
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function newRuntime(): ProcessRuntime {
  const rt = new ProcessRuntime({ rootDir: path.join(dataDir, 'runtime'), shimPath, cgroupRoot, podCidr, exitPollMs: 100 });
  runtimes.push(rt);
  return rt;
}

async function runAgent(runtime: ProcessRuntime): Promise<Agent> {
  return startAgent({
    client: cluster.client,
    nodeName: NODE,
    runtime,
    prober: new FakeProber(),
    volumes: new FakeVolumes(path.join(dataDir, 'volumes')),
    hooks: new FakeHooks().run,
    dataDir,
    hostIP: '10.0.0.1',
    retryMs: 100,
    resyncMs: 60_000,
  });
}

async function createPod(name: string, script: string, extra: Record<string, unknown> = {}, annotations: Record<string, string> = {}) {
  return cluster.client.create(resources.pods, 'default', {
    metadata: { name, annotations },
    spec: { nodeName: NODE, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }], ...extra },
  });
}

function podWhen(name: string, what: string, check: (pod: KubeObject) => boolean): Promise<KubeObject> {
  return eventually(
    what,
    async () => {
      const pod = await cluster.client.get(resources.pods, 'default', name);
      return check(pod) ? pod : undefined;
    },
    15_000,
  );
}

const main = (pod: KubeObject) => pod.status?.containerStatuses?.[0];

test('real processes: exit codes, termination messages, crash loops, re-adoption and deletion', async () => {
  const runtime = newRuntime();
  let agent = await runAgent(runtime);
  try {
    // A failing run-once pod reports its exit code and, with FallbackToLogsOnError, its last output.
    await cluster.client.create(resources.pods, 'default', {
      metadata: { name: 'fails' },
      spec: {
        nodeName: NODE,
        restartPolicy: 'Never',
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sh', '-c', 'echo config missing; exit 3'],
            terminationMessagePolicy: 'FallbackToLogsOnError',
          },
        ],
      },
    });
    let pod = await podWhen('fails', 'Failed', (p) => p.status?.phase === 'Failed');
    assert.equal(main(pod).state.terminated.exitCode, 3);
    assert.equal(main(pod).state.terminated.reason, 'Error');
    assert.equal(main(pod).state.terminated.message, 'config missing\n');
    assert.match(main(pod).imageID, /^process:\/\/\/.*sh$/);

    // A container that writes its termination message file.
    const messageFile = path.join(dataDir, 'message-target', 'termination-log');
    await cluster.client.create(resources.pods, 'default', {
      metadata: { name: 'says-why' },
      spec: {
        nodeName: NODE,
        restartPolicy: 'OnFailure',
        containers: [
          { name: 'main', image: 'busybox', command: ['sh', '-c', `printf done > ${messageFile}`], terminationMessagePath: messageFile },
        ],
      },
    });
    pod = await podWhen('says-why', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    assert.equal(main(pod).state.terminated.reason, 'Completed');
    assert.equal(main(pod).state.terminated.message, 'done');

    // A crash loop with a short, annotated back-off.
    await createPod('loops', 'exit 1', {}, { 'hale.dev/restart-backoff': 'initial=200ms,max=400ms' });
    pod = await podWhen(
      'loops',
      'CrashLoopBackOff after restarts',
      (p) => main(p)?.restartCount >= 2 && main(p)?.state?.waiting?.reason === 'CrashLoopBackOff',
    );
    assert.equal(main(pod).lastState.terminated.exitCode, 1);

    // A long-running pod survives an agent restart with a new runtime instance: same process.
    await createPod('stays', 'sleep 60');
    pod = await podWhen('stays', 'Running', (p) => p.status?.phase === 'Running' && !!main(p)?.state?.running);
    const containerID = main(pod).containerID;
    await agent.stop();
    const again = newRuntime();
    agent = await runAgent(again);
    await agent.idle();
    pod = await cluster.client.get(resources.pods, 'default', 'stays');
    assert.equal(main(pod).containerID, containerID);
    assert.equal(main(pod).restartCount, 0);
    const adopted = (await again.listContainers()).find((c) => `process://${c.id}` === containerID);
    assert.equal(adopted?.state, 'running');

    // Deleting it stops the process and confirms the deletion.
    await cluster.client.delete(resources.pods, 'default', 'stays', { gracePeriodSeconds: 2 });
    await eventually('pod gone', async () => (await cluster.tryGet(resources.pods, 'default', 'stays')) === undefined, 15_000);
    assert.equal(
      (await again.listContainers()).find((c) => `process://${c.id}` === containerID),
      undefined,
    );
  } finally {
    await agent.stop();
  }
});
