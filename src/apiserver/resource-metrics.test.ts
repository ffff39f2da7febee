// metrics.k8s.io answered from real agent servers (fake runtimes, fixed readings): what a node
// that answers, one that does not, names and label selectors give.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { ResourceUsageReport } from '../agent/metrics/resource-usage.ts';
import { FakeRuntime } from '../agent/pods/testing/fake-runtime.ts';
import { type AgentServer, startAgentServer } from '../agent/server/agent-server.ts';
import { resources } from '../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';
import type { StatusError } from './errors.ts';
import type { ResourceRequest } from './request-info.ts';
import { ResourceMetrics } from './resource-metrics.ts';

const TOKEN = 'agent-token';
let cluster: InProcessCluster;
let agent: AgentServer;
let dir: string;
let metrics: ResourceMetrics;

const report: ResourceUsageReport = {
  node: { cpuNanoCores: 1_500_000_000, memoryWorkingSetBytes: 512 * 1024 * 1024, timestamp: '2026-11-27T08:00:10.123Z', windowSeconds: 10 },
  pods: [
    {
      namespace: 'shop',
      name: 'web',
      uid: 'uid-web',
      timestamp: '2026-11-27T08:00:10.123Z',
      windowSeconds: 10,
      containers: [{ name: 'app', cpuNanoCores: 250_000_000, memoryWorkingSetBytes: 10 * 1024 * 1024 }],
    },
    { namespace: 'shop', name: 'gone', uid: 'uid-gone', timestamp: '2026-11-27T08:00:10Z', windowSeconds: 10, containers: [] },
  ],
};

async function addNode(name: string, port: number): Promise<void> {
  const node = await cluster.client.create(resources.nodes, undefined, { metadata: { name, labels: { zone: name } } });
  await cluster.client.updateStatus(resources.nodes, {
    ...node,
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
  });
}

async function addPod(name: string, uid: string, nodeName: string, labels: Record<string, string>): Promise<void> {
  const pod = await cluster.client.create(resources.pods, 'shop', {
    metadata: { name, labels },
    spec: { nodeName, containers: [{ name: 'app', image: 'busybox', command: ['sleep', '60'] }] },
  });
  // The agent's report names pods by uid; the API server gave this one its own.
  if (uid === 'uid-web') report.pods[0].uid = pod.metadata!.uid as string;
}

/** Calls the handler as the API server does and returns what it wrote (or throws its StatusError). */
async function request(info: Partial<ResourceRequest>, query = ''): Promise<any> {
  let body = '';
  const res = { writeHead: () => res, end: (text: string) => (body = text) } as unknown as ServerResponse;
  await metrics.handle(
    res,
    { kind: 'resource', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods', verb: 'list', ...info },
    new URLSearchParams(query),
  );
  return JSON.parse(body);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hale-metrics-'));
  cluster = await startInProcessCluster();
  await cluster.createNamespace('shop');
  agent = await startAgentServer({
    runtime: new FakeRuntime(),
    token: TOKEN,
    port: 0,
    bind: '127.0.0.1',
    dataDir: dir,
    resourceUsage: () => report,
  });
  await addNode('alive', agent.port);
  // Nothing listens there: its node and pods are left out.
  await addNode('silent', 1);
  await addPod('web', 'uid-web', 'alive', { app: 'web' });
  await addPod('lonely', 'uid-lonely', 'silent', { app: 'web' });
  metrics = new ResourceMetrics({ registry: cluster.api.registry, agentToken: TOKEN, logger: pino({ level: 'silent' }) });
});

after(async () => {
  await agent.stop();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('nodes: the answering node, in metrics-server units', async () => {
  const list = await request({ resource: 'nodes' });
  assert.equal(list.kind, 'NodeMetricsList');
  assert.deepEqual(
    list.items.map((n: any) => [n.metadata.name, n.metadata.labels, n.timestamp, n.window, n.usage]),
    [['alive', { zone: 'alive' }, '2026-11-27T08:00:10Z', '10s', { cpu: '1500000000n', memory: '524288Ki' }]],
  );
  const one = await request({ resource: 'nodes', name: 'alive', verb: 'get' });
  assert.equal(one.kind, 'NodeMetrics');
  await assert.rejects(request({ resource: 'nodes', name: 'silent', verb: 'get' }), (err: StatusError) => err.code === 404);
});

test('pods: only pods the API knows, with their labels; a label selector filters; a name is looked up', async () => {
  const list = await request({ namespace: 'shop' });
  assert.deepEqual(
    list.items.map((p: any) => [p.metadata.namespace, p.metadata.name, p.metadata.labels, p.containers]),
    [['shop', 'web', { app: 'web' }, [{ name: 'app', usage: { cpu: '250000000n', memory: '10240Ki' } }]]],
  );
  assert.equal((await request({ namespace: 'shop' }, 'labelSelector=app%3Dother')).items.length, 0);
  assert.equal((await request({})).items.length, 1, 'all namespaces');
  assert.equal((await request({ namespace: 'shop', name: 'web', verb: 'get' })).kind, 'PodMetrics');
  await assert.rejects(request({ namespace: 'shop', name: 'lonely', verb: 'get' }), /podmetrics.metrics.k8s.io "shop\/lonely" not found/);
});

test('only get and list; other paths are not found', async () => {
  await assert.rejects(request({ verb: 'watch' }), (err: StatusError) => err.code === 405);
  await assert.rejects(request({ resource: 'services' }), (err: StatusError) => err.code === 404);
  await assert.rejects(request({ resource: 'nodes', namespace: 'shop' }), (err: StatusError) => err.code === 404);
});
