import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { resources } from '../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';
import { type Agent, type AgentOptions, startAgent } from './agent.ts';
import { FakeRuntime } from './pods/testing/fake-runtime.ts';
import { FakeHooks, FakeProber, FakeVolumes } from './pods/testing/fakes.ts';
import { ProbeManager } from './probes/prober.ts';
import type { ProbeOutcome } from './probes/run-probe.ts';

let NODE = 'node-0';
let cluster: InProcessCluster;
let dataDir: string;
let runtime: FakeRuntime;
let prober: FakeProber;
let volumes: FakeVolumes;
let hooks: FakeHooks;
let agents: Agent[];
let namespace: string;
let nsCounter = 0;

before(async () => {
  cluster = await startInProcessCluster();
});
after(async () => {
  await cluster.stop();
});
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hale-agent-test-'));
  runtime = new FakeRuntime();
  prober = new FakeProber();
  volumes = new FakeVolumes(path.join(dataDir, 'volumes'));
  hooks = new FakeHooks();
  agents = [];
  namespace = `agent-test-${++nsCounter}`;
  // Each test has its own node, so earlier tests' pods are not this agent's business.
  NODE = `node-${nsCounter}`;
  await cluster.createNamespace(namespace);
});
afterEach(async () => {
  for (const agent of agents) await agent.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function runAgent(extra: Partial<AgentOptions> = {}): Promise<Agent> {
  const agent = await startAgent({
    client: cluster.client,
    nodeName: NODE,
    runtime,
    prober,
    volumes,
    hooks: hooks.run,
    dataDir,
    hostIP: '10.0.0.1',
    retryMs: 50,
    resyncMs: 60_000,
    ...extra,
  });
  agents.push(agent);
  return agent;
}

async function stopAgent(agent: Agent): Promise<void> {
  await agent.stop();
  agents = agents.filter((a) => a !== agent);
}

function container(name: string, extra: Record<string, unknown> = {}) {
  return { name, image: `img-${name}`, command: ['sh', '-c', `run ${name}`], ...extra };
}

async function createPod(name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Promise<KubeObject> {
  return cluster.client.create(resources.pods, namespace, {
    metadata: { name, namespace, ...metadata },
    spec: { nodeName: NODE, ...spec },
  });
}

const getPod = (name: string) => cluster.client.get(resources.pods, namespace, name);

/** Waits until the pod's status satisfies `check` and returns the pod. */
function podWhen(name: string, what: string, check: (pod: KubeObject) => boolean, limitMs = 5000): Promise<KubeObject> {
  return eventually(
    what,
    async () => {
      const pod = await getPod(name);
      return check(pod) ? pod : undefined;
    },
    limitMs,
  );
}

const statusOf = (pod: KubeObject, name: string) =>
  [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c: any) => c.name === name);
const condition = (pod: KubeObject, type: string) => pod.status?.conditions?.find((c: any) => c.type === type);

async function eventsOf(pod: KubeObject): Promise<KubeObject[]> {
  const list = await cluster.client.list(resources.events, namespace, { fieldSelector: `involvedObject.uid=${pod.metadata!.uid}` });
  return list.items;
}

function waitForEvent(pod: KubeObject, reason: string, message?: string): Promise<KubeObject> {
  return eventually(`event ${reason}`, async () =>
    (await eventsOf(pod)).find((e) => e.reason === reason && (message === undefined || e.message === message)),
  );
}

test('a pod starts and reports Running with its IPs, conditions and container status', async () => {
  await runAgent();
  const created = await createPod('web', { containers: [container('web')] });
  const pod = await podWhen('web', 'Running and Ready', (p) => p.status?.phase === 'Running' && condition(p, 'Ready')?.status === 'True');
  const cs = statusOf(pod, 'web');
  assert.ok(cs.state.running.startedAt);
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  assert.equal(cs.restartCount, 0);
  assert.equal(cs.image, 'img-web');
  assert.match(cs.containerID, /^process:\/\/c\d+$/);
  assert.equal(cs.imageID, 'process:///bin/sh');
  assert.equal(pod.status.podIP, runtime.sandboxes.get(runtime.running('web')!.status.sandboxId)!.ip);
  assert.deepEqual(pod.status.podIPs, [{ ip: pod.status.podIP }]);
  assert.equal(pod.status.hostIP, '10.0.0.1');
  assert.ok(pod.status.startTime);
  assert.equal(pod.status.qosClass, 'BestEffort');
  for (const type of ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'PodScheduled']) {
    assert.equal(condition(pod, type)?.status, 'True', type);
    assert.ok(condition(pod, type)?.lastTransitionTime, `${type} has a transition time`);
  }
  // The runtime got the final argv and the log path under the pod's directory.
  const config = runtime.running('web')!.config;
  assert.deepEqual(config.argv, ['sh', '-c', 'run web']);
  assert.equal(config.logPath, path.join(dataDir, 'pods', `${namespace}_web_${created.metadata!.uid}`, 'web', '0.log'));
  assert.ok(config.mounts.some((m) => m.containerPath === '/dev/termination-log'));
  await waitForEvent(pod, 'Pulled', 'Container image "img-web" already present on machine');
  await waitForEvent(pod, 'Created', 'Created container: web');
  const started = await waitForEvent(pod, 'Started', 'Started container web');
  assert.equal(started.source.component, 'kubelet');
  assert.equal(started.source.host, NODE);
});

test('a crashing container restarts at once, then with growing back-off shown as CrashLoopBackOff', async () => {
  await runAgent();
  const pod = await createPod(
    'crash',
    { containers: [container('app')] },
    { annotations: { 'hale.dev/restart-backoff': 'initial=300ms,max=600ms' } },
  );
  const uid = pod.metadata!.uid;
  await podWhen('crash', 'running', (p) => statusOf(p, 'app')?.state?.running !== undefined);

  runtime.exit(runtime.running('app')!.status.id, 1);
  // First crash: restarted immediately.
  let p = await podWhen('crash', 'first restart', (x) => statusOf(x, 'app')?.restartCount === 1 && !!statusOf(x, 'app')?.state?.running);
  assert.equal(statusOf(p, 'app').lastState.terminated.exitCode, 1);
  assert.equal(statusOf(p, 'app').lastState.terminated.reason, 'Error');

  // Second crash: back-off 300ms.
  runtime.exit(runtime.running('app')!.status.id, 2);
  p = await podWhen('crash', 'CrashLoopBackOff', (x) => statusOf(x, 'app')?.state?.waiting?.reason === 'CrashLoopBackOff');
  const waiting = statusOf(p, 'app').state.waiting;
  assert.equal(waiting.message, `back-off 300ms restarting failed container=app pod=crash_${namespace}(${uid})`);
  assert.equal(statusOf(p, 'app').lastState.terminated.exitCode, 2);
  assert.match(statusOf(p, 'app').lastState.terminated.containerID, /^process:\/\//);
  assert.equal(p.status.phase, 'Running');
  await waitForEvent(p, 'BackOff', `Back-off restarting failed container app in pod crash_${namespace}(${uid})`);
  p = await podWhen('crash', 'second restart', (x) => statusOf(x, 'app')?.restartCount === 2 && !!statusOf(x, 'app')?.state?.running);

  // Third crash: the delay doubled.
  runtime.exit(runtime.running('app')!.status.id, 3);
  p = await podWhen('crash', 'longer back-off', (x) => statusOf(x, 'app')?.state?.waiting?.reason === 'CrashLoopBackOff');
  assert.match(statusOf(p, 'app').state.waiting.message, /^back-off 600ms /);
  await podWhen('crash', 'third restart', (x) => statusOf(x, 'app')?.restartCount === 3 && !!statusOf(x, 'app')?.state?.running);
});

test('a crash is written (terminated, Error, not Ready) before the restart, and before the back-off', async () => {
  // Each status write of container app: its state, restartCount and the pod's Ready condition.
  const writes: string[] = [];
  const client = Object.create(cluster.client) as typeof cluster.client;
  client.request = (method, path, opts) => {
    const status = (opts?.body as KubeObject | undefined)?.status;
    if (method === 'PUT' && path.endsWith('/crash-shown/status') && status) {
      const cs = status.containerStatuses?.find((c: any) => c.name === 'app');
      const state = cs?.state?.terminated
        ? `terminated:${cs.state.terminated.reason}:${cs.state.terminated.exitCode}`
        : Object.keys(cs?.state ?? {})[0];
      const waiting = cs?.state?.waiting?.reason ? `:${cs.state.waiting.reason}` : '';
      writes.push(`${state}${waiting} restarts=${cs?.restartCount} Ready=${condition({ status } as KubeObject, 'Ready')?.status}`);
    }
    return cluster.client.request(method, path, opts);
  };
  await runAgent({ client });
  await createPod('crash-shown', { containers: [container('app')] }, { annotations: { 'hale.dev/restart-backoff': 'initial=5s,max=5s' } });
  await podWhen('crash-shown', 'running', (p) => condition(p, 'Ready')?.status === 'True');

  // First crash: shown, then restarted at once.
  runtime.exit(runtime.running('app')!.status.id, 1);
  await podWhen('crash-shown', 'restarted', (p) => statusOf(p, 'app')?.restartCount === 1 && condition(p, 'Ready')?.status === 'True');
  // Second crash: shown, then CrashLoopBackOff.
  runtime.exit(runtime.running('app')!.status.id, 2);
  await podWhen('crash-shown', 'backing off', (p) => statusOf(p, 'app')?.state?.waiting?.reason === 'CrashLoopBackOff');
  assert.deepEqual(writes, [
    'running restarts=0 Ready=True',
    'terminated:Error:1 restarts=0 Ready=False',
    'running restarts=1 Ready=True',
    'terminated:Error:2 restarts=1 Ready=False',
    'waiting:CrashLoopBackOff restarts=1 Ready=False',
  ]);
});

test('old exited containers are removed with their termination-message files; the newest ones keep theirs', async () => {
  await runAgent();
  const pod = await createPod(
    'churn',
    { containers: [container('app')] },
    { annotations: { 'hale.dev/restart-backoff': 'initial=10ms,max=10ms' } },
  );
  const dir = path.join(dataDir, 'pods', `${namespace}_churn_${pod.metadata!.uid}`, 'app');
  for (let attempt = 0; attempt < 4; attempt++) {
    await podWhen(
      'churn',
      `attempt ${attempt} running`,
      (p) => statusOf(p, 'app')?.restartCount === attempt && !!statusOf(p, 'app')?.state?.running,
    );
    runtime.exit(runtime.running('app')!.status.id, 1);
  }
  await podWhen('churn', 'attempt 4 running', (p) => statusOf(p, 'app')?.restartCount === 4 && !!statusOf(p, 'app')?.state?.running);
  const attempts = () => [...runtime.containers.values()].map((c) => c.status.attempt).sort();
  await eventually('old containers removed', async () => attempts().length === 3 || undefined);
  assert.deepEqual(attempts(), [2, 3, 4]);
  const files = async () => (await readdir(dir)).filter((f) => f.endsWith('.termination-log')).sort();
  await eventually('the old termination-message files removed', async () => (await files()).length === 3 || undefined);
  assert.deepEqual(await files(), ['2.termination-log', '3.termination-log', '4.termination-log']);
});

test('restartPolicy OnFailure restarts failures only, and the pod succeeds', async () => {
  await runAgent();
  await createPod('job', { restartPolicy: 'OnFailure', containers: [container('task')] });
  await podWhen('job', 'running', (p) => !!statusOf(p, 'task')?.state?.running);
  runtime.exit(runtime.running('task')!.status.id, 1);
  await podWhen('job', 'restarted after failure', (p) => statusOf(p, 'task')?.restartCount === 1 && !!statusOf(p, 'task')?.state?.running);
  runtime.exit(runtime.running('task')!.status.id, 0);
  const p = await podWhen('job', 'Succeeded', (x) => x.status?.phase === 'Succeeded');
  const cs = statusOf(p, 'task');
  assert.equal(cs.state.terminated.exitCode, 0);
  assert.equal(cs.state.terminated.reason, 'Completed');
  assert.equal(cs.lastState.terminated.exitCode, 1);
  assert.equal(condition(p, 'Ready')?.reason, 'PodCompleted');
  assert.equal(runtime.calls.filter((c) => c === 'start task').length, 2);
});

test('restartPolicy Never: a failure is final and the pod fails once every container ended', async () => {
  await runAgent();
  await createPod('once', { restartPolicy: 'Never', containers: [container('a'), container('b')] });
  await podWhen('once', 'both running', (p) => !!statusOf(p, 'a')?.state?.running && !!statusOf(p, 'b')?.state?.running);
  runtime.exit(runtime.running('a')!.status.id, 7);
  let p = await podWhen('once', 'a terminated', (x) => statusOf(x, 'a')?.state?.terminated?.exitCode === 7);
  assert.equal(p.status.phase, 'Running', 'still running while b runs');
  runtime.exit(runtime.running('b')!.status.id, 0);
  p = await podWhen('once', 'Failed', (x) => x.status?.phase === 'Failed');
  assert.equal(statusOf(p, 'a').restartCount, 0);
  assert.equal(runtime.calls.filter((c) => c.startsWith('start ')).length, 2);
});

test('init containers run in order before app containers; a failed one fails a Never pod', async () => {
  await runAgent();
  await createPod('init', {
    initContainers: [container('first'), container('second')],
    containers: [container('main')],
  });
  let p = await podWhen('init', 'first init running', (x) => !!statusOf(x, 'first')?.state?.running);
  assert.equal(statusOf(p, 'second').state.waiting.reason, 'PodInitializing');
  assert.equal(statusOf(p, 'main').state.waiting.reason, 'PodInitializing');
  assert.equal(condition(p, 'Initialized')?.status, 'False');
  assert.equal(condition(p, 'Initialized')?.message, 'containers with incomplete status: [first second]');
  assert.equal(p.status.phase, 'Pending');
  runtime.exit(runtime.running('first')!.status.id, 0);
  await podWhen('init', 'second init running', (x) => !!statusOf(x, 'second')?.state?.running);
  assert.equal(runtime.latest('main'), undefined, 'main waits for the init containers');
  runtime.exit(runtime.running('second')!.status.id, 0);
  p = await podWhen('init', 'main running', (x) => x.status?.phase === 'Running' && !!statusOf(x, 'main')?.state?.running);
  assert.equal(condition(p, 'Initialized')?.status, 'True');
  assert.equal(statusOf(p, 'first').state.terminated.reason, 'Completed');
  assert.deepEqual(
    runtime.calls.filter((c) => c.startsWith('start ')),
    ['start first', 'start second', 'start main'],
  );

  await createPod('init-fails', { restartPolicy: 'Never', initContainers: [container('setup')], containers: [container('app')] });
  await podWhen('init-fails', 'setup running', (x) => !!statusOf(x, 'setup')?.state?.running);
  runtime.exit(runtime.running('setup')!.status.id, 3);
  p = await podWhen('init-fails', 'Failed', (x) => x.status?.phase === 'Failed');
  assert.equal(statusOf(p, 'setup').state.terminated.exitCode, 3);
  assert.equal(runtime.latest('app'), undefined, 'app never started');
});

test('a failed init container is retried under restartPolicy Always', async () => {
  await runAgent();
  await createPod('init-retry', { initContainers: [container('setup')], containers: [container('app')] });
  await podWhen('init-retry', 'setup running', (x) => !!statusOf(x, 'setup')?.state?.running);
  runtime.exit(runtime.running('setup')!.status.id, 1);
  await podWhen('init-retry', 'setup restarted', (x) => statusOf(x, 'setup')?.restartCount === 1 && !!statusOf(x, 'setup')?.state?.running);
  runtime.exit(runtime.running('setup')!.status.id, 0);
  const p = await podWhen('init-retry', 'app running', (x) => !!statusOf(x, 'app')?.state?.running);
  assert.equal(p.status.phase, 'Running');
});

test('a sidecar init container keeps running next to the app container', async () => {
  await runAgent();
  await createPod('sidecar', {
    initContainers: [container('proxy', { restartPolicy: 'Always' })],
    containers: [container('app')],
  });
  let p = await podWhen('sidecar', 'both running', (x) => !!statusOf(x, 'proxy')?.state?.running && !!statusOf(x, 'app')?.state?.running);
  assert.equal(condition(p, 'Initialized')?.status, 'True');
  runtime.exit(runtime.running('proxy')!.status.id, 1);
  p = await podWhen(
    'sidecar',
    'sidecar restarted',
    (x) => statusOf(x, 'proxy')?.restartCount === 1 && !!statusOf(x, 'proxy')?.state?.running,
  );
  assert.equal(statusOf(p, 'app').restartCount, 0);
});

test('an ephemeral container added to a running pod starts once, is never restarted and leaves the pod Ready', async () => {
  await runAgent();
  await createPod('debugged', { containers: [container('app')] });
  await podWhen('debugged', 'Running', (p) => p.status?.phase === 'Running');
  const debug = { name: 'debugger', image: 'busybox', command: ['sh'], stdin: true, targetContainerName: 'app' };
  await cluster.client.patch(resources.pods, namespace, 'debugged', { spec: { ephemeralContainers: [debug] } }, 'strategic', {
    subresource: 'ephemeralcontainers',
  });
  const ephemeralStatus = (p: KubeObject) => p.status?.ephemeralContainerStatuses?.find((c: any) => c.name === 'debugger');
  let p = await podWhen('debugged', 'debugger running', (x) => !!ephemeralStatus(x)?.state?.running);
  assert.equal(ephemeralStatus(p).ready, false);
  assert.equal(ephemeralStatus(p).restartCount, 0);
  assert.equal(ephemeralStatus(p).started, undefined, 'the kubelet reports no started for ephemeral containers');
  assert.equal(statusOf(p, 'debugger'), undefined, 'not among the regular containers');
  assert.deepEqual(runtime.running('debugger')!.config.argv, ['sh']);
  await waitForEvent(p, 'Started', 'Started container debugger');

  runtime.exit(runtime.running('debugger')!.status.id, 1);
  p = await podWhen('debugged', 'debugger ended', (x) => ephemeralStatus(x)?.state?.terminated?.exitCode === 1);
  assert.equal(p.status.phase, 'Running');
  assert.equal(condition(p, 'Ready')?.status, 'True');
  // A later sync (another change to the pod) starts nothing again.
  await cluster.client.patch(resources.pods, namespace, 'debugged', { metadata: { labels: { touched: 'yes' } } }, 'merge');
  await podWhen('debugged', 'labels seen', (x) => x.metadata?.labels?.touched === 'yes');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(runtime.calls.filter((c) => c === 'start debugger').length, 1);
});

test('a container without command waits in CreateContainerConfigError and the agent carries on', async () => {
  await runAgent();
  const bad = await createPod('nocmd', { containers: [{ name: 'web', image: 'nginx' }] });
  const p = await podWhen('nocmd', 'config error', (x) => statusOf(x, 'web')?.state?.waiting?.reason === 'CreateContainerConfigError');
  assert.match(statusOf(p, 'web').state.waiting.message, /has no command/);
  assert.equal(p.status.phase, 'Pending');
  const failed = await waitForEvent(bad, 'Failed');
  assert.equal(failed.type, 'Warning');
  assert.match(failed.message, /^Error: container "web" has no command/);
  // Other pods still start.
  await createPod('fine', { containers: [container('ok')] });
  await podWhen('fine', 'running', (x) => x.status?.phase === 'Running');
});

test('a volume that cannot be set up gives FailedMount and ContainerCreating until it can', async () => {
  volumes.failing.set('config', 'configmap "settings" not found');
  await runAgent();
  const pod = await createPod('mounts', {
    volumes: [{ name: 'config', configMap: { name: 'settings' } }],
    containers: [container('web', { volumeMounts: [{ name: 'config', mountPath: '/etc/config', readOnly: true }] })],
  });
  const p = await podWhen('mounts', 'ContainerCreating', (x) => statusOf(x, 'web')?.state?.waiting?.reason === 'ContainerCreating');
  assert.equal(p.status.phase, 'Pending');
  await waitForEvent(pod, 'FailedMount', 'MountVolume.SetUp failed for volume "config" : configmap "settings" not found');
  volumes.failing.clear();
  await podWhen('mounts', 'running', (x) => x.status?.phase === 'Running');
  const mount = runtime.running('web')!.config.mounts.find((m) => m.containerPath === '/etc/config');
  assert.deepEqual(mount, {
    containerPath: '/etc/config',
    hostPath: path.join(dataDir, 'volumes', pod.metadata!.uid, 'config'),
    readOnly: true,
  });
});

test('every volume that cannot be set up gets its own FailedMount event', async () => {
  volumes.failing.set('config', 'configmap "settings" not found');
  volumes.failing.set('creds', 'secret "creds" not found');
  await runAgent();
  const pod = await createPod('two-mounts', {
    volumes: [
      { name: 'config', configMap: { name: 'settings' } },
      { name: 'creds', secret: { secretName: 'creds' } },
    ],
    containers: [container('web')],
  });
  await waitForEvent(pod, 'FailedMount', 'MountVolume.SetUp failed for volume "config" : configmap "settings" not found');
  await waitForEvent(pod, 'FailedMount', 'MountVolume.SetUp failed for volume "creds" : secret "creds" not found');
  volumes.failing.clear();
  await podWhen('two-mounts', 'running', (x) => x.status?.phase === 'Running');
});

test('a running pod whose volume refresh fails gets a FailedMount event and keeps running', async () => {
  await runAgent({ resyncMs: 100 });
  const pod = await createPod('refreshed', {
    volumes: [{ name: 'config', configMap: { name: 'settings' } }],
    containers: [container('web')],
  });
  await podWhen('refreshed', 'running', (x) => x.status?.phase === 'Running');
  const started = runtime.running('web')!.status.id;
  volumes.refreshFailing.set('config', 'configmap "settings" not found');
  await waitForEvent(pod, 'FailedMount', 'MountVolume.SetUp failed for volume "config" : configmap "settings" not found');
  volumes.refreshFailing.clear();
  assert.equal(runtime.running('web')!.status.id, started);
});

test('a pod placed by its author on a node without room is rejected as the kubelet does (OutOfcpu), the others run', async () => {
  await cluster.client.create(resources.nodes, undefined, {
    metadata: { name: NODE },
    status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' }, capacity: { cpu: '2', memory: '4Gi', pods: '110' } },
  });
  try {
    await runAgent();
    const cpu = (amount: string) => ({ resources: { requests: { cpu: amount } } });
    await createPod('big', { containers: [container('big', cpu('1500m'))] });
    await podWhen('big', 'running', (x) => x.status?.phase === 'Running');
    const extra = await createPod('extra', { containers: [container('extra', cpu('1'))] });
    const message = "Node didn't have enough resource: cpu, requested: 1000, used: 1500, capacity: 2000";
    const rejected = await podWhen('extra', 'rejected', (x) => x.status?.phase === 'Failed');
    assert.equal(rejected.status.reason, 'OutOfcpu');
    assert.equal(rejected.status.message, `Pod was rejected: ${message}`);
    const event = await waitForEvent(extra, 'OutOfcpu', message);
    assert.equal(event.type, 'Warning');
    assert.equal(runtime.running('extra'), undefined);
    // What is left still fits.
    await createPod('small', { containers: [container('small', cpu('500m'))] });
    await podWhen('small', 'running', (x) => x.status?.phase === 'Running');
  } finally {
    await cluster.client.delete(resources.nodes, undefined, NODE).catch(() => undefined);
  }
});

test('a pod deleted gracefully just as it completes is still confirmed gone (the deletion arrives during the sync that finishes it)', async () => {
  await runAgent();
  // The deletion and the exit at once, and a few ms apart, in turn: each lands during the sync
  // that winds the pod down at least once in these rounds.
  for (let i = 0; i < 6; i++) {
    const name = `done-${i}`;
    await createPod(name, { restartPolicy: 'Never', terminationGracePeriodSeconds: 30, containers: [container(name)] });
    await podWhen(name, 'running', (x) => x.status?.phase === 'Running');
    const id = runtime.running(name)!.status.id;
    const deleted = cluster.client.delete(resources.pods, namespace, name, { gracePeriodSeconds: 30 });
    if (i % 2) await new Promise((r) => setTimeout(r, i));
    runtime.exit(id, 0);
    await deleted;
    await eventually(`pod ${name} to be gone`, async () =>
      (await cluster.client.get(resources.pods, namespace, name).catch(() => undefined)) ? undefined : true,
    );
  }
});

test('a liveness failure kills the container with the kubelet message and restarts it', async () => {
  await runAgent();
  const pod = await createPod('live', {
    containers: [container('web', { livenessProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 5 } })],
  });
  await podWhen('live', 'running', (x) => !!statusOf(x, 'web')?.state?.running);
  const first = runtime.running('web')!.status.id;
  prober.emit({
    podUid: pod.metadata!.uid,
    containerName: 'web',
    containerId: first,
    probe: 'liveness',
    result: 'failure',
    message: 'boom',
  });
  const p = await podWhen('live', 'restarted', (x) => statusOf(x, 'web')?.restartCount === 1 && !!statusOf(x, 'web')?.state?.running);
  assert.equal(statusOf(p, 'web').lastState.terminated.exitCode, 143);
  assert.ok(runtime.calls.includes('stop web 5'), 'probe-level grace period used');
  await waitForEvent(pod, 'Killing', 'Container web failed liveness probe, will be restarted');
});

test('a second liveness kill waits out the crash back-off, as the kubelet does', async () => {
  await runAgent();
  const pod = await createPod(
    'live-again',
    { containers: [container('web', { livenessProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 1 } })] },
    { annotations: { 'hale.dev/restart-backoff': 'initial=2s,max=2s' } },
  );
  const kill = (containerId: string) =>
    prober.emit({ podUid: pod.metadata!.uid, containerName: 'web', containerId, probe: 'liveness', result: 'failure', message: 'boom' });
  await podWhen('live-again', 'running', (x) => !!statusOf(x, 'web')?.state?.running);
  kill(runtime.running('web')!.status.id);
  await podWhen('live-again', 'restarted at once', (x) => statusOf(x, 'web')?.restartCount === 1 && !!statusOf(x, 'web')?.state?.running);
  kill(runtime.running('web')!.status.id);
  const p = await podWhen('live-again', 'backing off', (x) => statusOf(x, 'web')?.state?.waiting?.reason === 'CrashLoopBackOff');
  assert.match(statusOf(p, 'web').state.waiting.message, /^back-off 2s restarting failed container=web /);
});

test('a running sidecar whose image changes is restarted with the new one, as the kubelet does', async () => {
  await runAgent();
  const pod = await createPod('sidecar-image', {
    terminationGracePeriodSeconds: 1,
    initContainers: [container('proxy', { restartPolicy: 'Always' })],
    containers: [container('app')],
  });
  await podWhen('sidecar-image', 'running', (x) => !!statusOf(x, 'proxy')?.state?.running && !!statusOf(x, 'app')?.state?.running);
  const spec = { initContainers: [{ name: 'proxy', image: 'img-proxy-2' }] };
  await cluster.client.patch(resources.pods, namespace, 'sidecar-image', { spec }, 'strategic');
  await waitForEvent(pod, 'Killing', 'Init container proxy definition changed');
  await podWhen(
    'sidecar-image',
    'sidecar restarted',
    (x) => statusOf(x, 'proxy')?.restartCount === 1 && !!statusOf(x, 'proxy')?.state?.running,
  );
  assert.equal(runtime.running('proxy')!.config.image, 'img-proxy-2');
  assert.equal(statusOf(await getPod('sidecar-image'), 'app').restartCount, 0, 'the app container keeps running');
});

test('a probe kill says "will be restarted" only when it will be, and names a sidecar an init container', async () => {
  await runAgent();
  const never = await createPod('live-never', {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 1,
    containers: [container('web', { livenessProbe: { exec: { command: ['true'] } } })],
  });
  const withSidecar = await createPod('live-sidecar', {
    initContainers: [container('proxy', { restartPolicy: 'Always', livenessProbe: { exec: { command: ['true'] } } })],
    containers: [container('app')],
  });
  await podWhen('live-never', 'running', (x) => !!statusOf(x, 'web')?.state?.running);
  await podWhen('live-sidecar', 'running', (x) => !!statusOf(x, 'proxy')?.state?.running && !!statusOf(x, 'app')?.state?.running);
  const fail = (pod: KubeObject, containerName: string) =>
    prober.emit({
      podUid: pod.metadata!.uid,
      containerName,
      containerId: runtime.running(containerName)!.status.id,
      probe: 'liveness',
      result: 'failure',
      message: 'boom',
    });
  fail(never, 'web');
  fail(withSidecar, 'proxy');
  // As the kubelet's computePodActions: restartPolicy Never leaves the suffix off; a sidecar's
  // kill (computeInitContainerActions) never had it.
  await waitForEvent(never, 'Killing', 'Container web failed liveness probe');
  await waitForEvent(withSidecar, 'Killing', 'Init container proxy failed liveness probe');
  const p = await podWhen('live-never', 'Failed', (x) => x.status?.phase === 'Failed');
  assert.equal(statusOf(p, 'web').restartCount, 0);
  await podWhen(
    'live-sidecar',
    'sidecar restarted',
    (x) => statusOf(x, 'proxy')?.restartCount === 1 && !!statusOf(x, 'proxy')?.state?.running,
  );
});

test('a container that exited by itself is no longer probed', async () => {
  await runAgent();
  await createPod(
    'probed-exit',
    { containers: [container('web', { livenessProbe: { exec: { command: ['true'] } } })] },
    { annotations: { 'hale.dev/restart-backoff': 'initial=5s,max=5s' } },
  );
  await podWhen('probed-exit', 'running', (x) => !!statusOf(x, 'web')?.state?.running);
  const first = runtime.running('web')!.status.id;
  assert.ok(prober.targets.has(first));
  runtime.exit(first, 1);
  await podWhen('probed-exit', 'restarted', (x) => statusOf(x, 'web')?.restartCount === 1 && !!statusOf(x, 'web')?.state?.running);
  assert.ok(!prober.targets.has(first), 'the exited container lost its probes');
  assert.ok(prober.targets.has(runtime.running('web')!.status.id), 'the new one is probed');
});

test('readiness from the prober drives ready and the Ready conditions', async () => {
  await runAgent();
  const pod = await createPod('ready', { containers: [container('web')] });
  await podWhen('ready', 'ready', (x) => condition(x, 'Ready')?.status === 'True');
  const id = runtime.running('web')!.status.id;
  prober.notReady.add(id);
  prober.emit({ podUid: pod.metadata!.uid, containerName: 'web', containerId: id, probe: 'readiness', result: 'failure', message: '' });
  const p = await podWhen('ready', 'not ready', (x) => condition(x, 'Ready')?.status === 'False');
  assert.equal(statusOf(p, 'web').ready, false);
  assert.equal(condition(p, 'ContainersReady')?.reason, 'ContainersNotReady');
  assert.equal(condition(p, 'Ready')?.message, 'containers with unready status: [web]');
});

/** The pod statuses the agent writes (pods/status), in order: phase and the Ready condition. */
function recordStatusWrites(): { client: typeof cluster.client; writes: string[] } {
  const writes: string[] = [];
  const client = Object.create(cluster.client) as typeof cluster.client;
  client.request = (method, path, opts) => {
    if (method === 'PUT' && path.endsWith('/status')) {
      const status = (opts?.body as KubeObject | undefined)?.status ?? {};
      writes.push(`${status.phase} Ready=${status.conditions?.find((c: any) => c.type === 'Ready')?.status}`);
    }
    return cluster.client.request(method, path, opts);
  };
  return { client, writes };
}

test('a started container is Running and Ready in one status write when its first readiness attempt passes', async () => {
  const real = new ProbeManager({ check: async () => ({ result: 'success', output: '' }) });
  const { client, writes } = recordStatusWrites();
  await runAgent({ prober: real, client });
  await createPod('one-write', { containers: [container('web', { readinessProbe: { exec: { command: ['true'] } } })] });
  await podWhen('one-write', 'Running and Ready', (p) => p.status?.phase === 'Running' && condition(p, 'Ready')?.status === 'True');
  assert.deepEqual(writes, ['Running Ready=True']);
  real.stop();
});

test('a first readiness attempt that takes long does not hold back the Running status', async () => {
  let answer!: (outcome: ProbeOutcome) => void;
  const real = new ProbeManager({ check: () => new Promise<ProbeOutcome>((resolve) => (answer = resolve)) });
  const { client, writes } = recordStatusWrites();
  await runAgent({ prober: real, client });
  await createPod('slow-probe', { containers: [container('web', { readinessProbe: { exec: { command: ['true'] } } })] });
  await podWhen('slow-probe', 'Running, not ready', (p) => p.status?.phase === 'Running' && condition(p, 'Ready')?.status === 'False');
  answer({ result: 'success', output: '' });
  await podWhen('slow-probe', 'Ready', (p) => condition(p, 'Ready')?.status === 'True');
  assert.deepEqual(writes, ['Running Ready=False', 'Running Ready=True']);
  real.stop();
});

test('graceful deletion runs preStop, stops containers, cleans up and confirms the delete', async () => {
  await runAgent();
  const pod = await createPod('bye', {
    terminationGracePeriodSeconds: 20,
    containers: [container('web', { lifecycle: { preStop: { exec: { command: ['drain'] } } } })],
    volumes: [{ name: 'scratch', emptyDir: {} }],
  });
  await podWhen('bye', 'running', (x) => x.status?.phase === 'Running');
  await cluster.client.delete(resources.pods, namespace, 'bye');
  await eventually('pod removed', async () => (await cluster.tryGet(resources.pods, namespace, 'bye')) === undefined);
  assert.deepEqual(hooks.calls, [{ kind: 'preStop', container: 'web' }]);
  // The pod's grace period (minus the instant preStop) goes to the runtime, and removal follows the stop.
  const stopAt = runtime.calls.indexOf('stop web 20');
  assert.ok(stopAt >= 0, runtime.calls.join(', '));
  assert.ok(stopAt < runtime.calls.indexOf('remove web'));
  assert.equal(runtime.containers.size, 0);
  assert.equal(runtime.sandboxes.size, 0);
  assert.deepEqual(volumes.tornDown, [pod.metadata!.uid]);
  await waitForEvent(pod, 'Killing', 'Stopping container web');
});

test('a second delete with a shorter grace period cuts short the termination in progress', async () => {
  await runAgent();
  hooks.hanging.add('web');
  await createPod('slow', {
    terminationGracePeriodSeconds: 60,
    containers: [container('web', { lifecycle: { preStop: { exec: { command: ['drain'] } } } })],
  });
  await podWhen('slow', 'running', (x) => x.status?.phase === 'Running');
  await cluster.client.delete(resources.pods, namespace, 'slow');
  await eventually('preStop running', async () => hooks.calls.some((c) => c.kind === 'preStop'));
  await cluster.client.delete(resources.pods, namespace, 'slow', { gracePeriodSeconds: 1 });
  // Within the 5 s the check waits, not the 60 s the preStop hook would have had.
  await eventually('pod removed', async () => (await cluster.tryGet(resources.pods, namespace, 'slow')) === undefined);
  assert.ok(runtime.calls.includes('stop web 2'), runtime.calls.join(', '));
});

test('a new agent re-adopts running containers: same container, same restart count', async () => {
  const first = await runAgent();
  await createPod('keep', { containers: [container('web')] });
  await podWhen('keep', 'running', (x) => !!statusOf(x, 'web')?.state?.running);
  runtime.exit(runtime.running('web')!.status.id, 1);
  await podWhen('keep', 'restarted once', (x) => statusOf(x, 'web')?.restartCount === 1 && !!statusOf(x, 'web')?.state?.running);
  await first.idle();
  await stopAgent(first);
  const running = runtime.running('web')!;
  const creates = runtime.calls.filter((c) => c === 'create web').length;

  const second = await runAgent();
  await second.idle();
  assert.equal(runtime.running('web'), running, 'the same container keeps running');
  assert.equal(running.pid, runtime.running('web')!.pid);
  assert.equal(runtime.calls.filter((c) => c === 'create web').length, creates, 'nothing was re-created');
  const p = await getPod('keep');
  assert.equal(statusOf(p, 'web').restartCount, 1);
  assert.equal(statusOf(p, 'web').containerID, `process://${running.status.id}`);
  // The new agent watches the adopted container: its exit is noticed and restarted.
  runtime.exit(running.status.id, 1);
  await podWhen(
    'keep',
    'restarted by the new agent',
    (x) => statusOf(x, 'web')?.restartCount === 2 || statusOf(x, 'web')?.state?.waiting?.reason === 'CrashLoopBackOff',
  );
});

test('on start the agent removes sandboxes of pods no longer bound to it', async () => {
  const sandboxId = await runtime.runPodSandbox({
    podUid: 'gone-uid',
    name: 'gone',
    namespace,
    attempt: 0,
    hostname: 'gone',
    logDirectory: path.join(dataDir, 'pods', 'gone'),
    labels: {},
    annotations: {},
  });
  const cid = await runtime.createContainer(sandboxId, {
    name: 'old',
    attempt: 0,
    image: 'x',
    argv: ['x'],
    env: [],
    mounts: [],
    logPath: path.join(dataDir, 'x.log'),
    tty: false,
    stdin: false,
    stdinOnce: false,
    resources: {},
    labels: {},
    annotations: {},
  });
  await runtime.startContainer(cid);
  const agent = await runAgent();
  await eventually('orphan removed', async () => runtime.sandboxes.size === 0);
  await agent.idle();
  assert.ok(runtime.calls.some((c) => c.startsWith('stop old')));
  assert.deepEqual(volumes.tornDown, ['gone-uid']);
});
