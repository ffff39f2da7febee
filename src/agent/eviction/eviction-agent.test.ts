// The agent with its eviction manager (fake runtime, fake disk sizes): a pod over a local
// storage limit is killed and reported Failed/Evicted with the kubelet's message and event.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { type Agent, startAgent } from '../agent.ts';
import { FakeRuntime } from '../pods/testing/fake-runtime.ts';
import { FakeHooks, FakeProber, FakeVolumes } from '../pods/testing/fakes.ts';
import type { DiskUsageOptions, MeasureDiskUsage } from './disk-usage.ts';

const Mi = 1024 * 1024;
let cluster: InProcessCluster;
let dataDir: string;
let runtime: FakeRuntime;
let agent: Agent | undefined;
let namespace: string;
let node: string;
let counter = 0;
/** Fake disk usage: the first matching path suffix gives the size. */
let sizes: [string, number][];
let measured: string[];

const measure: MeasureDiskUsage = async (p: string, opts: DiskUsageOptions = {}) => {
  measured.push(p);
  const bytes = sizes.find(([suffix]) => p.endsWith(suffix))?.[1] ?? 0;
  return { bytes, stoppedEarly: opts.stopAbove !== undefined && bytes > opts.stopAbove, truncated: false };
};

before(async () => {
  cluster = await startInProcessCluster();
});
after(async () => {
  await cluster.stop();
});
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hale-eviction-test-'));
  runtime = new FakeRuntime();
  sizes = [];
  measured = [];
  namespace = `eviction-test-${++counter}`;
  node = `eviction-node-${counter}`;
  await cluster.createNamespace(namespace);
  agent = await startAgent({
    client: cluster.client,
    nodeName: node,
    runtime,
    prober: new FakeProber(),
    volumes: new FakeVolumes(path.join(dataDir, 'volumes')),
    hooks: new FakeHooks().run,
    dataDir,
    hostIP: '10.0.0.1',
    retryMs: 50,
    resyncMs: 60_000,
    evictionIntervalMs: 20,
    measureDiskUsage: measure,
  });
});
afterEach(async () => {
  await agent?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const app = (extra: Record<string, unknown> = {}) => ({ name: 'app', image: 'img', command: ['sh', '-c', 'run'], ...extra });

async function createPod(name: string, spec: Record<string, unknown>): Promise<KubeObject> {
  return cluster.client.create(resources.pods, namespace, { metadata: { name, namespace }, spec: { nodeName: node, ...spec } });
}
const getPod = (name: string) => cluster.client.get(resources.pods, namespace, name);
const podWhen = (name: string, what: string, check: (p: KubeObject) => boolean) =>
  eventually(what, async () => {
    const p = await getPod(name);
    return check(p) ? p : undefined;
  });
const eventsOf = async (pod: KubeObject) =>
  (await cluster.client.list(resources.events, namespace, { fieldSelector: `involvedObject.uid=${pod.metadata!.uid}` })).items;

/** The emptyDir's directory where the node's volume manager would make it (the layout checks it is not a mount). */
const emptyDirOf = (pod: KubeObject, name: string) =>
  path.join(dataDir, 'pods', pod.metadata!.uid!, 'volumes', 'kubernetes.io~empty-dir', name);

test('an emptyDir over its sizeLimit: containers killed with the eviction grace, Failed/Evicted, a Warning event', async () => {
  const created = await createPod('writer', {
    terminationGracePeriodSeconds: 30,
    containers: [app({ volumeMounts: [{ name: 'cache', mountPath: '/cache' }] })],
    volumes: [{ name: 'cache', emptyDir: { sizeLimit: '5Mi' } }],
  });
  await podWhen('writer', 'Running', (p) => p.status?.phase === 'Running');
  const dir = emptyDirOf(created, 'cache');
  await mkdir(dir, { recursive: true });
  sizes = [[`/kubernetes.io~empty-dir/cache`, 4 * Mi]];
  await eventually('the emptyDir measured', async () => measured.includes(dir));
  assert.equal((await getPod('writer')).status.phase, 'Running', 'under the limit: still running');

  sizes = [[`/kubernetes.io~empty-dir/cache`, 8 * Mi]];
  const message = 'Usage of EmptyDir volume "cache" exceeds the limit "5Mi". ';
  const pod = await podWhen('writer', 'Failed', (p) => p.status?.phase === 'Failed');
  assert.equal(pod.status.reason, 'Evicted');
  assert.equal(pod.status.message, message);
  // The kubelet sets no DisruptionTarget condition for local-storage evictions.
  assert.equal(
    pod.status.conditions.find((c: any) => c.type === 'DisruptionTarget'),
    undefined,
  );
  assert.equal(pod.status.conditions.find((c: any) => c.type === 'Ready')?.status, 'False');
  assert.ok(pod.status.containerStatuses[0].state.terminated, 'the container is reported terminated');
  assert.equal(runtime.running('app'), undefined);
  // Grace period 1 s (immediateEvictionGracePeriodSeconds), raised to the kubelet's 2 s minimum; not the pod's 30.
  assert.ok(runtime.calls.includes('stop app 2'), runtime.calls.join(', '));
  const event = await eventually('the Evicted event', async () => (await eventsOf(pod)).find((e) => e.reason === 'Evicted'));
  assert.equal(event.type, 'Warning');
  assert.equal(event.message, message);

  // A bare pod stays Failed: nothing restarts it, though its restartPolicy is Always.
  await agent!.idle();
  const starts = runtime.calls.filter((c) => c === 'start app').length;
  assert.equal(starts, 1);
  assert.equal((await getPod('writer')).status.phase, 'Failed');
});

test('ephemeral-storage: container logs over the pod total give the pod message', async () => {
  await createPod('logger', { containers: [app({ resources: { limits: { 'ephemeral-storage': '1Mi' } } })] });
  const running = await podWhen('logger', 'Running', (p) => p.status?.phase === 'Running');
  const podDir = `${namespace}_logger_${running.metadata!.uid}`;
  sizes = [
    [`${podDir}/app`, 2 * Mi],
    [podDir, 2 * Mi],
  ];
  const pod = await podWhen('logger', 'Evicted', (p) => p.status?.reason === 'Evicted');
  assert.equal(pod.status.phase, 'Failed');
  assert.equal(pod.status.message, 'Pod ephemeral local storage usage exceeds the total limit of containers 1Mi. ');
  assert.equal(runtime.running('app'), undefined);
});

test('a container over its own limit, with an init container raising the pod total', async () => {
  await createPod('c-limit', {
    initContainers: [{ name: 'setup', image: 'img', command: ['true'], resources: { limits: { 'ephemeral-storage': '10Mi' } } }],
    containers: [app({ resources: { limits: { 'ephemeral-storage': '1Mi' } } })],
  });
  runtime.exitOnStart.set('setup', 0);
  const running = await podWhen('c-limit', 'Running', (p) => p.status?.phase === 'Running');
  const podDir = `${namespace}_c-limit_${running.metadata!.uid}`;
  sizes = [
    [`${podDir}/app`, 2 * Mi],
    [podDir, 2 * Mi],
  ];
  const pod = await podWhen('c-limit', 'Evicted', (p) => p.status?.reason === 'Evicted');
  assert.equal(pod.status.message, 'Container app exceeded its local ephemeral storage limit "1Mi". ');
});
