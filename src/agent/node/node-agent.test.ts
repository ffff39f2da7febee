// The node agent against a real API server (in-process, memory store): registration,
// adoption on restart, the Lease heartbeat, condition transitions from injected readings
// and the rules that keep status writes rare.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { pino } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { type Clock, realClock } from '../../client/clock.ts';
import type { Lease } from '../../client/leader-election.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import type { HostInfo } from './host-info.ts';
import type { NodeReadings } from './host-readings.ts';
import {
  FENCING_TIMEOUT_ANNOTATION,
  type NodeAgent,
  type NodeAgentOptions,
  RESOURCE_LIMITS_NOT_ENFORCED_ANNOTATION,
  startNodeAgent,
} from './node-agent.ts';
import { NODE_LEASE_NAMESPACE, NodeLeaseLostError } from './node-lease.ts';
import { AGENT_ID_ANNOTATION, NodeNameInUseError } from './node-registrar.ts';

const GiB = 1024 ** 3;
const HOUR = 3_600_000;

const host: HostInfo = {
  hostname: 'box',
  internalIP: '10.9.8.7',
  machineID: 'machine-1',
  systemUUID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  bootID: 'boot-1',
  kernelVersion: '6.1.0-test',
  osImage: 'Test Linux 1',
  operatingSystem: 'linux',
  architecture: 'amd64',
};

/** Readings a test changes by hand. */
class FakeReadings implements NodeReadings {
  cpus = 4;
  mem = { totalBytes: 8 * GiB, availableBytes: 6 * GiB, swapTotalBytes: 0 };
  fs = { totalBytes: 100 * GiB, availableBytes: 60 * GiB };
  pid = { max: 100_000, inUse: 500 };
  cpuCount = () => this.cpus;
  memory = () => ({ ...this.mem });
  filesystem = () => ({ ...this.fs });
  pids = () => ({ ...this.pid });
}

/** Real timers, hand-set "now": condition times are exact and the transition period is testable. */
class SteppedClock implements Clock {
  nowMs = Date.UTC(2026, 0, 1);
  now = () => this.nowMs;
  setTimer = realClock.setTimer;
}

let cluster: InProcessCluster;
let dataDir: string;
let readings: FakeReadings;
let clock: SteppedClock;
let nodeName: string;
let counter = 0;
let running: NodeAgent[];

before(async () => {
  cluster = await startInProcessCluster();
});
after(async () => {
  await cluster.stop();
});
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hale-node-test-'));
  readings = new FakeReadings();
  clock = new SteppedClock();
  nodeName = `node-${++counter}`;
  running = [];
});
afterEach(async () => {
  for (const agent of running) await agent.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(extra: Partial<NodeAgentOptions> = {}, client = cluster.client): Promise<NodeAgent> {
  const agent = await startNodeAgent(client, {
    nodeName,
    dataDir,
    agentPort: 10250,
    cgroupsEnforced: true,
    logger: pino({ level: 'silent' }),
    host,
    readings,
    clock,
    // Nothing periodic unless a test asks for it: syncs happen when the test says.
    leaseRenewIntervalMs: HOUR,
    statusUpdateIntervalMs: HOUR,
    statusReportIntervalMs: HOUR,
    pressureTransitionPeriodMs: 0,
    ...extra,
  });
  running.push(agent);
  return agent;
}

async function stopAgent(agent: NodeAgent): Promise<void> {
  running = running.filter((a) => a !== agent);
  await agent.stop();
}

const getNode = () => cluster.client.get(resources.nodes, undefined, nodeName);
const getLease = () => cluster.client.get<Lease>(resources.leases, NODE_LEASE_NAMESPACE, nodeName);
const condition = (node: KubeObject, type: string) => (node.status?.conditions ?? []).find((c: KubeObject) => c.type === type);

async function nodeEvents(): Promise<KubeObject[]> {
  const list = await cluster.client.list(resources.events, 'default');
  return list.items.filter((e) => e.involvedObject?.name === nodeName);
}

/** Waits until `reason` was recorded `count` times (over one or more Event objects) and returns the latest. */
async function eventuallyEvent(reason: string, count = 1): Promise<KubeObject> {
  return eventually(`event ${reason} x${count}`, async () => {
    const matching = (await nodeEvents()).filter((ev) => ev.reason === reason);
    const total = matching.reduce((sum, ev) => sum + (ev.count ?? 1), 0);
    return total >= count ? matching.at(-1) : undefined;
  });
}

test('registers the Node with labels, capacity, allocatable, addresses, nodeInfo and conditions', async () => {
  const agent = await start({ agentPort: 12345 });
  const node = await getNode();
  assert.equal(node.metadata?.uid, agent.node.metadata?.uid);
  assert.deepEqual(node.metadata?.labels, {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
  });
  assert.equal(node.metadata?.annotations?.[RESOURCE_LIMITS_NOT_ENFORCED_ANNOTATION], undefined);
  assert.deepEqual(node.status.capacity, { cpu: '4', 'ephemeral-storage': '100Gi', memory: '8Gi', pods: '110' });
  assert.deepEqual(node.status.allocatable, { cpu: '4', 'ephemeral-storage': '90Gi', memory: '8092Mi', pods: '110' });
  assert.deepEqual(node.status.addresses, [
    { type: 'InternalIP', address: '10.9.8.7' },
    { type: 'Hostname', address: nodeName },
  ]);
  assert.deepEqual(node.status.daemonEndpoints, { kubeletEndpoint: { Port: 12345 } });
  const info = node.status.nodeInfo;
  assert.equal(info.machineID, 'machine-1');
  assert.equal(info.bootID, 'boot-1');
  assert.equal(info.kernelVersion, '6.1.0-test');
  assert.equal(info.osImage, 'Test Linux 1');
  assert.equal(info.containerRuntimeVersion, 'process://0.1.0');
  assert.equal(info.kubeletVersion, 'v1.33.1-hale');
  assert.equal(info.architecture, 'amd64');
  assert.deepEqual(
    node.status.conditions.map((c: KubeObject) => `${c.type}=${c.status}/${c.reason}`),
    [
      'MemoryPressure=False/KubeletHasSufficientMemory',
      'DiskPressure=False/KubeletHasNoDiskPressure',
      'PIDPressure=False/KubeletHasSufficientPID',
      'Ready=True/KubeletReady',
    ],
  );
  assert.equal(condition(node, 'Ready').lastHeartbeatTime, '2026-01-01T00:00:00Z');

  const starting = await eventuallyEvent('Starting');
  assert.equal(starting.message, 'Starting kubelet.');
  assert.equal(starting.source?.component, 'kubelet');
  assert.deepEqual([starting.involvedObject.kind, starting.involvedObject.uid], ['Node', nodeName]);
  const memory = await eventuallyEvent('NodeHasSufficientMemory');
  assert.equal(memory.message, `Node ${nodeName} status is now: NodeHasSufficientMemory`);
  await eventuallyEvent('NodeHasNoDiskPressure');
  await eventuallyEvent('NodeHasSufficientPID');
});

test('says on the Node when resource limits are not enforced', async () => {
  await start({ cgroupsEnforced: false, cgroupsReason: 'no writable cgroup hierarchy' });
  const node = await getNode();
  assert.equal(node.metadata?.annotations?.[RESOURCE_LIMITS_NOT_ENFORCED_ANNOTATION], 'no writable cgroup hierarchy');
  assert.equal(
    condition(node, 'Ready').message,
    'kubelet is posting ready status. WARNING: resource limits are not enforced: no writable cgroup hierarchy',
  );
});

test('creates the Lease owned by the Node and renews it', async () => {
  const agent = await start({ leaseRenewIntervalMs: 20 });
  const node = await getNode();
  const first = await eventually('lease', async () => {
    try {
      return await getLease();
    } catch {
      return undefined;
    }
  });
  // The agent's identity, not the node name: an agent renews only a Lease it holds.
  assert.equal(first.spec?.holderIdentity, node.metadata?.annotations?.[AGENT_ID_ANNOTATION]);
  assert.equal(first.spec?.leaseDurationSeconds, 4);
  assert.match(first.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.deepEqual(first.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: node.metadata?.uid }]);

  clock.nowMs += 1500;
  const renewed = await eventually('a renewal', async () => {
    const lease = await getLease();
    return lease.spec?.renewTime !== first.spec?.renewTime ? lease : undefined;
  });
  assert.equal(renewed.spec?.renewTime, '2026-01-01T00:00:01.500000Z');
  assert.ok(agent.stats.leaseRenewals >= 2);
});

test('a Lease changed by someone else is re-read and renewed (optimistic concurrency)', async () => {
  const agent = await start();
  await agent.renewLease();
  const lease = await getLease();
  const agentId = (await getNode()).metadata?.annotations?.[AGENT_ID_ANNOTATION];
  assert.equal(lease.spec?.holderIdentity, agentId);
  await cluster.client.update(resources.leases, { ...lease, metadata: { ...lease.metadata, labels: { touched: 'yes' } } });
  clock.nowMs += 2000;
  const renewed = await agent.renewLease();
  assert.equal(renewed.spec?.holderIdentity, agentId);
  assert.equal(renewed.spec?.renewTime, '2026-01-01T00:00:02.000000Z');
  await cluster.client.delete(resources.leases, NODE_LEASE_NAMESPACE, nodeName);
  const recreated = await agent.renewLease();
  assert.notEqual(recreated.metadata?.uid, lease.metadata?.uid);
});

test('a Lease held by a node name (an agent of an earlier version) or an expired one of another agent is taken over', async () => {
  await cluster.client.create(resources.leases, NODE_LEASE_NAMESPACE, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE },
    spec: { holderIdentity: 'previous-agent', leaseDurationSeconds: 4, renewTime: '2025-12-31T23:59:50.000000Z' },
  });
  const agent = await start();
  const lease = await agent.renewLease();
  assert.equal(lease.spec?.holderIdentity, agent.node.metadata?.annotations?.[AGENT_ID_ANNOTATION]);
});

/** An agent with fencing on (no watchdog process) that records when it fences. */
async function startFenced(): Promise<{ agent: NodeAgent; fenced: () => number }> {
  let fences = 0;
  const agent = await start({
    fencing: {
      timeoutMs: 20_000,
      containersDir: path.join(dataDir, 'containers'),
      watchdog: false,
      onFence: async () => {
        fences++;
      },
    },
  });
  return { agent, fenced: () => fences };
}

test('an agent whose Lease another agent took over stops renewing, stops writing the Node and stays fenced', async () => {
  const { agent, fenced } = await startFenced();
  await agent.renewLease();
  // The replacement (same node name, another data dir) took the Lease while this agent was frozen.
  const lease = await getLease();
  const taken = await cluster.client.update<Lease>(resources.leases, {
    ...lease,
    spec: { ...lease.spec, holderIdentity: 'the-replacement', renewTime: '2026-01-01T00:00:30.000000Z' },
  });
  clock.nowMs += 30_000;
  await assert.rejects(
    agent.renewLease(),
    (err: Error) => err instanceof NodeLeaseLostError && /held by another agent \(the-replacement\)/.test(err.message),
  );
  const after = await getLease();
  assert.equal(after.metadata?.resourceVersion, taken.metadata?.resourceVersion, 'the Lease is not written again');
  assert.equal(after.spec?.holderIdentity, 'the-replacement');
  assert.equal(agent.fence?.isFenced(), true);
  assert.equal(agent.fence?.isReplaced(), true);
  await eventually('fenced', async () => fenced() === 1 || undefined);
  // A renewal attempt later (the API answering again) never lifts the fence.
  await assert.rejects(agent.renewLease());
  assert.equal(agent.fence?.isFenced(), true);
  const writes = agent.stats.statusWrites;
  await agent.setReady(false, 'something');
  await agent.syncStatus();
  assert.equal(agent.stats.statusWrites, writes, 'no Node status write after the takeover');
});

test('an agent whose Node names another agent stops writing it and stays fenced', async () => {
  const { agent } = await startFenced();
  await agent.renewLease();
  const node = await getNode();
  node.metadata!.annotations = { ...node.metadata!.annotations, [AGENT_ID_ANNOTATION]: 'the-replacement' };
  await cluster.client.update(resources.nodes, node);
  await eventually('replaced', async () => agent.fence?.isReplaced() || undefined);
  const writes = agent.stats.statusWrites;
  await agent.setReady(false, 'something');
  assert.equal(agent.stats.statusWrites, writes);
  assert.equal(condition(await getNode(), 'Ready')?.status, 'True');
  await assert.rejects(agent.renewLease());
});

test('a restarted agent adopts its Node: same object, user labels kept, conditions reported again', async () => {
  const first = await start({ cgroupsEnforced: false, cgroupsReason: 'none' });
  const original = first.node;
  await stopAgent(first);

  // What the node-lifecycle controller does when the heartbeat stops, plus a user's label.
  const stale = await getNode();
  stale.metadata!.labels = { ...stale.metadata!.labels, team: 'edge', 'kubernetes.io/os': 'wrong' };
  const relabeled = await cluster.client.update(resources.nodes, stale);
  relabeled.status.conditions = relabeled.status.conditions.map((c: KubeObject) => ({
    ...c,
    status: 'Unknown',
    reason: 'NodeStatusUnknown',
    message: 'Kubelet stopped posting node status.',
  }));
  await cluster.client.updateStatus(resources.nodes, relabeled);

  clock.nowMs += 60_000;
  const second = await start({ cgroupsEnforced: true });
  const node = await getNode();
  assert.equal(node.metadata?.uid, original.metadata?.uid);
  assert.equal(node.metadata?.creationTimestamp, original.metadata?.creationTimestamp);
  assert.equal(node.metadata?.labels?.team, 'edge');
  assert.equal(node.metadata?.labels?.['kubernetes.io/os'], 'linux');
  assert.equal(node.metadata?.annotations?.[RESOURCE_LIMITS_NOT_ENFORCED_ANNOTATION], undefined);
  const ready = condition(node, 'Ready');
  assert.deepEqual([ready.status, ready.reason, ready.message], ['True', 'KubeletReady', 'kubelet is posting ready status']);
  assert.equal(ready.lastTransitionTime, '2026-01-01T00:01:00Z');
  assert.equal(condition(node, 'MemoryPressure').status, 'False');
  assert.equal(second.node.metadata?.uid, original.metadata?.uid);
  const nodes = await cluster.client.list(resources.nodes);
  assert.equal(nodes.items.filter((n) => n.metadata?.name === nodeName).length, 1);
  await eventuallyEvent('NodeReady');
  await eventuallyEvent('NodeHasSufficientMemory', 2);
  await eventuallyEvent('Starting', 2);
});

test('pressure conditions follow the readings, with kubelet reasons, transition times and events', async () => {
  const agent = await start();
  readings.mem.availableBytes = 50 * 1024 * 1024;
  readings.fs.availableBytes = 5 * GiB;
  readings.pid.inUse = 99_000;
  clock.nowMs += 10_000;
  await agent.syncStatus();
  let node = await getNode();
  const mem = condition(node, 'MemoryPressure');
  assert.deepEqual(
    [mem.status, mem.reason, mem.message],
    ['True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'],
  );
  assert.equal(mem.lastTransitionTime, '2026-01-01T00:00:10Z');
  assert.equal(condition(node, 'DiskPressure').reason, 'KubeletHasDiskPressure');
  assert.equal(condition(node, 'PIDPressure').reason, 'KubeletHasInsufficientPID');
  assert.equal(condition(node, 'Ready').lastTransitionTime, '2026-01-01T00:00:00Z', 'Ready did not change');
  await eventuallyEvent('NodeHasInsufficientMemory');
  await eventuallyEvent('NodeHasDiskPressure');
  await eventuallyEvent('NodeHasInsufficientPID');

  readings.mem.availableBytes = 4 * GiB;
  clock.nowMs += 10_000;
  await agent.syncStatus();
  node = await getNode();
  assert.equal(condition(node, 'MemoryPressure').status, 'False');
  assert.equal(condition(node, 'MemoryPressure').lastTransitionTime, '2026-01-01T00:00:20Z');
  assert.equal(condition(node, 'DiskPressure').status, 'True');
  await eventuallyEvent('NodeHasSufficientMemory', 2);
});

test('a pressure condition holds for the transition period before clearing', async () => {
  const agent = await start({ pressureTransitionPeriodMs: 300_000 });
  readings.fs.availableBytes = 1 * GiB;
  await agent.syncStatus();
  readings.fs.availableBytes = 50 * GiB;
  clock.nowMs += 299_000;
  await agent.syncStatus();
  assert.equal(condition(await getNode(), 'DiskPressure').status, 'True');
  clock.nowMs += 1000;
  await agent.syncStatus();
  assert.equal(condition(await getNode(), 'DiskPressure').status, 'False');
});

test('setReady reports NotReady with the reason and back, each as one write', async () => {
  const agent = await start();
  const before = agent.stats.statusWrites;
  clock.nowMs += 5000;
  await Promise.all([agent.setReady(false, 'container runtime is down'), agent.setReady(false, 'container runtime is down')]);
  let ready = condition(await getNode(), 'Ready');
  assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'KubeletNotReady', 'container runtime is down']);
  assert.equal(ready.lastTransitionTime, '2026-01-01T00:00:05Z');
  assert.equal(agent.stats.statusWrites, before + 1);
  await eventuallyEvent('NodeNotReady');

  await agent.setReady(true);
  ready = condition(await getNode(), 'Ready');
  assert.deepEqual([ready.status, ready.reason], ['True', 'KubeletReady']);
  assert.equal(agent.stats.statusWrites, before + 2);
  await eventuallyEvent('NodeReady');
});

test('unchanged status is not written until the report interval has passed', async () => {
  const agent = await start({ statusReportIntervalMs: 60_000 });
  const rv = (await getNode()).metadata?.resourceVersion;
  const writes = agent.stats.statusWrites;
  clock.nowMs += 10_000;
  await Promise.all([agent.syncStatus(), agent.syncStatus(), agent.syncStatus()]);
  await agent.syncStatus();
  assert.equal(agent.stats.statusWrites, writes);
  assert.equal((await getNode()).metadata?.resourceVersion, rv);
  assert.ok(agent.stats.syncs >= 2);

  // Only heartbeat times differ, but the report is due: one write refreshes them.
  clock.nowMs += 50_000;
  await agent.syncStatus();
  assert.equal(agent.stats.statusWrites, writes + 1);
  const ready = condition(await getNode(), 'Ready');
  assert.equal(ready.lastHeartbeatTime, '2026-01-01T00:01:00Z');
  assert.equal(ready.lastTransitionTime, '2026-01-01T00:00:00Z');
});

test('the periodic loop computes often and writes only on change', async () => {
  const agent = await start({ statusUpdateIntervalMs: 10 });
  const writes = agent.stats.statusWrites;
  const syncsBefore = agent.stats.syncs;
  await eventually('several periodic syncs', async () => agent.stats.syncs >= syncsBefore + 5);
  assert.equal(agent.stats.statusWrites, writes);
  readings.cpus = 2;
  const node = await eventually('the new capacity', async () => {
    const n = await getNode();
    return n.status.capacity.cpu === '2' ? n : undefined;
  });
  assert.equal(node.status.allocatable.cpu, '2');
  await eventually('the write counted', async () => agent.stats.statusWrites > writes);
  const syncsAfterWrite = agent.stats.syncs;
  await eventually('more periodic syncs', async () => agent.stats.syncs >= syncsAfterWrite + 3);
  assert.equal(agent.stats.statusWrites, writes + 1);
});

test('conditions overwritten by the control plane are restored at once, and a deleted Node registers again', async () => {
  const agent = await start();
  const node = await getNode();
  node.status.conditions = node.status.conditions.map((c: KubeObject) =>
    c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c,
  );
  await cluster.client.updateStatus(resources.nodes, node);
  await eventually('Ready restored', async () => condition(await getNode(), 'Ready').status === 'True');

  await cluster.client.delete(resources.nodes, undefined, nodeName);
  const again = await eventually('the node registered again', async () => {
    const n = await cluster.tryGet(resources.nodes, undefined, nodeName);
    return n && n.metadata?.uid !== node.metadata?.uid ? n : undefined;
  });
  assert.equal(condition(again, 'Ready').status, 'True');
  assert.equal(agent.node.metadata?.uid, again.metadata?.uid);
});

test('a Node deleted while its agent runs registers again with the pod range its network serves, unless another Node holds it', async () => {
  let served: string | undefined;
  await start({ podCidr: () => served });
  const first = await getNode();
  // Created before the network is set up: the IPAM controller picks the range (here: the test).
  assert.equal(first.spec?.podCIDR, undefined);
  served = '10.251.7.0/24';
  first.spec = { podCIDR: '10.251.7.0/24', podCIDRs: ['10.251.7.0/24'] };
  await cluster.client.update(resources.nodes, first);

  const recreated = async (uid: string | undefined) =>
    eventually('the node registered again', async () => {
      const n = await cluster.tryGet(resources.nodes, undefined, nodeName);
      return n && n.metadata?.uid !== uid ? n : undefined;
    });
  await cluster.client.delete(resources.nodes, undefined, nodeName);
  const again = await recreated(first.metadata?.uid);
  assert.equal(again.spec?.podCIDR, '10.251.7.0/24');
  assert.deepEqual(again.spec?.podCIDRs, ['10.251.7.0/24']);

  // Meanwhile another Node got the range: the agent does not claim it a second time.
  const other = `${nodeName}-other`;
  served = '10.251.8.0/24';
  await cluster.client.create(resources.nodes, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: other },
    spec: { podCIDR: served, podCIDRs: [served] },
  });
  try {
    await cluster.client.delete(resources.nodes, undefined, nodeName);
    const third = await recreated(again.metadata?.uid);
    assert.equal(third.spec?.podCIDR, undefined);
  } finally {
    await cluster.client.delete(resources.nodes, undefined, other);
  }
});

test("a second agent (another data dir) is refused the name while the first one's lease is live, and accepted once it expired", async () => {
  const live = { clock: realClock, leaseDurationSeconds: 1 };
  const first = await start(live);
  await first.renewLease();
  const otherDir = await mkdtemp(path.join(tmpdir(), 'hale-node-test-other-'));
  try {
    await assert.rejects(start({ ...live, dataDir: otherDir }), (err: Error) => {
      assert.ok(err instanceof NodeNameInUseError);
      assert.match(err.message, new RegExp(`node "${nodeName}" is already registered by another live agent`));
      return true;
    });
    // The same agent (same data dir) restarting is accepted at once.
    await stopAgent(first);
    const again = await start(live);
    await again.renewLease();
    await stopAgent(again);
    await new Promise((r) => setTimeout(r, 1200));
    const taker = await start({ ...live, dataDir: otherDir });
    assert.equal(taker.node.metadata?.annotations?.[AGENT_ID_ANNOTATION], readFileSync(path.join(otherDir, 'agent-id'), 'utf8').trim());
  } finally {
    for (const agent of running) await agent.stop();
    running = [];
    await rm(otherDir, { recursive: true, force: true });
  }
});

test('a new agent taking over a node name waits until the previous agent has fenced itself (lease + fencing timeout)', async () => {
  const fencing = { timeoutMs: 1000, containersDir: path.join(dataDir, 'containers'), watchdog: false, onFence: async () => {} };
  const first = await start({ leaseDurationSeconds: 1, fencing });
  const lease = await first.renewLease();
  const renewedAt = Date.parse(lease.spec!.renewTime!);
  await stopAgent(first);
  const otherDir = await mkdtemp(path.join(tmpdir(), 'hale-node-test-other-'));
  try {
    // Its Lease has expired (1 s), but it may still run its pods until it fences (1 s later).
    clock.nowMs = renewedAt + 1500;
    let registered = false;
    const taking = start({ leaseDurationSeconds: 1, dataDir: otherDir }).then((agent) => {
      registered = true;
      return agent;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(registered, false, 'not before the previous agent has fenced');
    const node = await getNode();
    assert.notEqual(node.metadata?.annotations?.[AGENT_ID_ANNOTATION], readFileSync(path.join(otherDir, 'agent-id'), 'utf8').trim());
    clock.nowMs = renewedAt + 2100;
    const taker = await taking;
    assert.equal(taker.node.metadata?.annotations?.[AGENT_ID_ANNOTATION], readFileSync(path.join(otherDir, 'agent-id'), 'utf8').trim());
  } finally {
    for (const agent of running) await agent.stop();
    running = [];
    await rm(otherDir, { recursive: true, force: true });
  }
});

test('with --fencing-timeout 0 the name is taken over at Lease expiry, with a warning, and the replaced agent still stops its pods', async () => {
  let fences = 0;
  const live = { clock: realClock, leaseDurationSeconds: 1 };
  const noFencingOnSilence = {
    timeoutMs: 0,
    containersDir: path.join(dataDir, 'containers'),
    watchdog: false,
    onFence: async () => {
      fences++;
    },
  };
  const first = await start({ ...live, fencing: noFencingOnSilence });
  await first.renewLease();
  assert.equal(first.node.metadata?.annotations?.[FENCING_TIMEOUT_ANNOTATION], undefined, 'nothing tells the control plane it fences');
  // Cut off (it renews once an hour here): its Lease expires, and nothing bounds how long its pods run.
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(first.fence?.isFenced(), false, 'not fenced on silence');
  const otherDir = await mkdtemp(path.join(tmpdir(), 'hale-node-test-other-'));
  const logLines: string[] = [];
  try {
    const taker = await start({
      ...live,
      dataDir: otherDir,
      logger: pino({ level: 'warn' }, { write: (line: string) => logLines.push(line) }),
    });
    await taker.renewLease();
    assert.ok(
      logLines.some((line) => /does not fence itself \(--fencing-timeout 0\): its pods may still run/.test(line)),
      logLines.join(''),
    );
    // The old agent hears from the API again (its Node's watch, or its next renewal): it finds
    // itself replaced, stops every pod for good and renews no more.
    await eventually('replaced', async () => first.fence?.isReplaced() || undefined);
    await assert.rejects(first.renewLease());
    await eventually('its pods stopped', async () => fences === 1 || undefined);
    assert.equal(first.fence?.isFenced(), true);
  } finally {
    for (const agent of running) await agent.stop();
    running = [];
    await rm(otherDir, { recursive: true, force: true });
  }
});

test('after an outage the agent reads its Node again and writes the truth, even without a working watch', async () => {
  // A client whose watches never answer (the informer sees only its first list) and whose
  // Lease writes fail while `outage` is set.
  let outage = false;
  const client = Object.create(cluster.client) as typeof cluster.client;
  client.watch = (_res, _ns, opts) =>
    new Promise((_resolve, reject) => opts?.signal?.addEventListener('abort', () => reject(opts.signal?.reason), { once: true }));
  client.update = (res, obj, opts) =>
    outage && res === resources.leases ? Promise.reject(new Error('connect ETIMEDOUT')) : cluster.client.update(res, obj, opts);
  const agent = await start({ leaseRenewIntervalMs: 20 }, client);
  await eventually('a renewal', async () => agent.stats.leaseRenewals > 0);

  // The node-lifecycle controller marks the silent node Unknown; the agent does not see it.
  outage = true;
  const node = await getNode();
  node.status.conditions = node.status.conditions.map((c: KubeObject) =>
    c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c,
  );
  await cluster.client.updateStatus(resources.nodes, node);
  // Its own copy says Ready: comparing with it, a sync writes nothing.
  await agent.syncStatus();
  assert.equal(condition(await getNode(), 'Ready').status, 'Unknown');

  const renewals = agent.stats.leaseRenewals;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(agent.stats.leaseRenewals, renewals, 'no renewal during the outage');
  outage = false;
  await eventually('Ready written again', async () => condition(await getNode(), 'Ready').status === 'True');
});

test("a Node marked Unknown right after the agent's write is corrected, even when the watch event overtakes the write's answer", async () => {
  // The node-lifecycle controller, still judging the node silent, marks it Unknown from the
  // agent's fresh write; its watch event reaches the agent before the write's own answer.
  let overtake = false;
  let agent: NodeAgent | undefined;
  const client = Object.create(cluster.client) as typeof cluster.client;
  client.updateStatus = (async (res, obj, opts) => {
    const written = await cluster.client.updateStatus(res, obj, opts);
    if (!overtake || res !== resources.nodes) return written;
    overtake = false;
    const unknown = structuredClone(written);
    unknown.status.conditions = unknown.status.conditions.map((c: KubeObject) =>
      c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' } : c,
    );
    await cluster.client.updateStatus(resources.nodes, unknown);
    await eventually('the agent saw Unknown', async () => condition(agent!.node, 'Ready').status === 'Unknown');
    return written;
  }) as typeof client.updateStatus;
  agent = await start({}, client);
  await eventually('Ready', async () => condition(await getNode(), 'Ready').status === 'True');

  overtake = true;
  await agent.setReady(false, 'runtime is down');
  await eventually('NotReady written again over Unknown', async () => {
    const ready = condition(await getNode(), 'Ready');
    return ready.status === 'False' && ready.message === 'runtime is down';
  });
  assert.equal(overtake, false, 'the controller wrote Unknown after the agent');
});
