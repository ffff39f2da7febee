// Volumes and environment end to end: the agent with the real ProcessRuntime, this volume
// manager and the full env resolver. A container sees a ConfigMap at its mountPath, follows
// live updates of it, gets env from ConfigMaps with $(VAR) expansion in its args, and pods
// referencing missing objects report FailedMount / CreateContainerConfigError.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { type Agent, startAgent } from '../agent.ts';
import { containerEnvResolver } from '../env/container-env.ts';
import { expandArgs } from '../env/expansion.ts';
import { FakeHooks, FakeProber } from '../pods/testing/fakes.ts';
import { ProcessRuntime } from '../runtime/process/process-runtime.ts';
import { ensureShimBuilt } from '../runtime/process/shim.ts';
import { ConfigObjects } from './config-objects.ts';
import { NodeVolumeManager } from './volume-manager.ts';

const NODE = 'volume-node';
const ns = 'default';
let cluster: InProcessCluster;
let dataDir: string;
let runtime: ProcessRuntime;
let agent: Agent;

before(async () => {
  const shimPath = ensureShimBuilt();
  cluster = await startInProcessCluster();
  dataDir = await mkdtemp(path.join(tmpdir(), 'hale-agent-volumes-'));
  runtime = new ProcessRuntime({
    rootDir: path.join(dataDir, 'runtime'),
    shimPath,
    cgroups: false,
    podCidr: `127.${151 + (process.pid % 50)}.0.0/16`,
    exitPollMs: 100,
  });
  const objects = new ConfigObjects(cluster.client, { ttlMs: 0 });
  agent = await startAgent({
    client: cluster.client,
    nodeName: NODE,
    runtime,
    prober: new FakeProber(),
    volumes: new NodeVolumeManager({ client: cluster.client, dataDir, nodeName: NODE, objects }),
    resolveEnv: containerEnvResolver(cluster.client, { objects }),
    expandArgs,
    hooks: new FakeHooks().run,
    dataDir,
    hostIP: '10.0.0.1',
    retryMs: 100,
    resyncMs: 200,
  });
});

after(async () => {
  await agent?.stop();
  for (const s of await runtime.listPodSandboxes()) {
    for (const c of await runtime.listContainers({ sandboxId: s.id })) await runtime.stopContainer(c.id, 0).catch(() => {});
    await runtime.removePodSandbox(s.id).catch(() => {});
  }
  runtime?.close();
  await cluster?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function podWhen(name: string, what: string, check: (pod: KubeObject) => boolean): Promise<KubeObject> {
  return eventually(
    what,
    async () => {
      const pod = await cluster.client.get(resources.pods, ns, name);
      return check(pod) ? pod : undefined;
    },
    15_000,
  );
}

const waitingReason = (pod: KubeObject) => pod.status?.containerStatuses?.[0]?.state?.waiting;

test('a container reads its ConfigMap at mountPath, follows updates, and gets env with $(VAR) args', async () => {
  const { client } = cluster;
  const cm = await client.create(resources.configMaps, ns, { metadata: { name: 'web' }, data: { 'app.conf': 'v1', greeting: 'hello' } });
  const mountPath = path.join(dataDir, 'mnt', 'config');
  const outPath = path.join(dataDir, 'mnt', 'out');
  const outHost = path.join(dataDir, 'out-host');
  await client.create(resources.pods, ns, {
    metadata: { name: 'reader' },
    spec: {
      nodeName: NODE,
      volumes: [
        { name: 'config', configMap: { name: 'web' } },
        { name: 'out', hostPath: { path: outHost, type: 'DirectoryOrCreate' } },
      ],
      containers: [
        {
          name: 'main',
          image: 'busybox',
          command: ['sh', '-c'],
          args: [
            "echo '$(GREETING) $$(GREETING)' > $(OUT)/args.txt; while true; do cat $(CONF)/app.conf > $(OUT)/conf.tmp && mv $(OUT)/conf.tmp $(OUT)/conf.txt; sleep 0.1; done",
          ],
          env: [
            { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'web', key: 'greeting' } } },
            { name: 'CONF', value: mountPath },
            { name: 'OUT', value: outPath },
          ],
          volumeMounts: [
            { name: 'config', mountPath, readOnly: true },
            { name: 'out', mountPath: outPath },
          ],
        },
      ],
    },
  });
  await podWhen('reader', 'Running', (p) => p.status?.phase === 'Running');
  const confFile = path.join(outHost, 'conf.txt');
  await eventually('the container to copy the ConfigMap file', async () => (await readFile(confFile, 'utf8').catch(() => '')) === 'v1');
  // The agent expanded $(GREETING) and turned the escaped $$(GREETING) into literal text.
  assert.equal(await readFile(path.join(outHost, 'args.txt'), 'utf8'), 'hello $(GREETING)\n');

  await client.update(resources.configMaps, { ...cm, data: { 'app.conf': 'v2', greeting: 'hello' } });
  await eventually('the mounted file to follow the ConfigMap', async () => (await readFile(confFile, 'utf8').catch(() => '')) === 'v2');
});

test('a missing ConfigMap volume is a FailedMount; a missing env ConfigMap is CreateContainerConfigError', async () => {
  const { client } = cluster;
  await client.create(resources.pods, ns, {
    metadata: { name: 'no-volume' },
    spec: {
      nodeName: NODE,
      volumes: [{ name: 'config', configMap: { name: 'absent-volume' } }],
      containers: [
        {
          name: 'main',
          image: 'busybox',
          command: ['sleep', '60'],
          volumeMounts: [{ name: 'config', mountPath: path.join(dataDir, 'mnt', 'x') }],
        },
      ],
    },
  });
  await client.create(resources.pods, ns, {
    metadata: { name: 'no-env' },
    spec: {
      nodeName: NODE,
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '60'], envFrom: [{ configMapRef: { name: 'absent-env' } }] }],
    },
  });
  await eventually('the FailedMount event', async () => {
    const events = await client.list(resources.events, ns);
    return events.items.some(
      (e) =>
        e.reason === 'FailedMount' &&
        e.involvedObject?.name === 'no-volume' &&
        e.message === 'MountVolume.SetUp failed for volume "config" : configmap "absent-volume" not found',
    );
  });
  const pod = await podWhen('no-env', 'CreateContainerConfigError', (p) => waitingReason(p)?.reason === 'CreateContainerConfigError');
  assert.equal(waitingReason(pod).message, 'configmap "absent-env" not found');

  // Once the ConfigMap exists the container starts.
  await client.create(resources.configMaps, ns, { metadata: { name: 'absent-env' }, data: { A: '1' } });
  await podWhen('no-env', 'Running', (p) => p.status?.phase === 'Running' && !!p.status?.containerStatuses?.[0]?.state?.running);
});
