// Late watch events must not make the replica controller create duplicates: while its pod
// cache lags behind its own creations, expectations hold it back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import type { ListWatchClient } from '../../client/informer.ts';
import { InformerFactory } from '../../client/informer-factory.ts';
import type { ResourceDescriptor } from '../../client/resource-path.ts';
import { resources } from '../../client/resources.ts';
import type { WatchOptions } from '../../client/rest-client.ts';
import type { WatchEvent, WatchStream } from '../../client/watch-stream.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { ReplicaSetController } from './replica-set-controller.ts';

/** Holds back watch events while closed; lets them through in order once opened. */
class Gate {
  private open = true;
  private waiters: (() => void)[] = [];
  close(): void {
    this.open = false;
  }
  release(): void {
    this.open = true;
    for (const wake of this.waiters.splice(0)) wake();
  }
  async pass(): Promise<void> {
    while (!this.open) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

function gatedStream<T extends KubeObject>(stream: WatchStream<T>, gate: Gate): WatchStream<T> {
  async function* events(): AsyncGenerator<WatchEvent<T>> {
    for await (const event of stream) {
      await gate.pass();
      yield event;
    }
  }
  const iterable = events();
  return Object.assign(iterable, { close: () => stream.close() }) as unknown as WatchStream<T>;
}

let cluster: InProcessCluster;
let factory: InformerFactory;
let controller: ReplicaSetController;
const podEvents = new Gate();

before(async () => {
  cluster = await startInProcessCluster();
  const client = cluster.client;
  // The controller's view of pods comes through the gate; everything else is live.
  const lagging: ListWatchClient = {
    listAll: (res, ns, opts) => client.listAll(res, ns, opts),
    watch: async <T extends KubeObject>(res: ResourceDescriptor, ns?: string, opts?: WatchOptions) => {
      const stream = await client.watch<T>(res, ns, opts);
      return res.plural === 'pods' ? gatedStream(stream, podEvents) : stream;
    },
  };
  factory = new InformerFactory(lagging);
  controller = new ReplicaSetController(client, factory, cluster.logger);
  factory.start();
  assert.equal(await factory.waitForSync(), true);
  controller.run(2);
});

after(async () => {
  podEvents.release();
  await controller.stop();
  await factory.stop();
  await cluster.stop();
});

test('no duplicate pods while the pod cache lags behind the controller’s own creations', async () => {
  const ns = 'lagging';
  await cluster.createNamespace(ns);
  const countPods = async () => (await cluster.client.list(resources.pods, ns)).items.length;

  podEvents.close();
  await cluster.client.create(resources.replicaSets, ns, {
    metadata: { name: 'web' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] } },
    },
  });
  await eventually('3 pods created', async () => (await countPods()) === 3);

  // Scaling makes the controller look again while its cache still shows no pods.
  await cluster.client.patch(resources.replicaSets, ns, 'web', { spec: { replicas: 4 } }, 'merge');
  await eventually('the scale seen (observedGeneration 2)', async () => {
    const rs = await cluster.client.get(resources.replicaSets, ns, 'web');
    return rs.status?.observedGeneration === 2;
  });
  assert.equal(await countPods(), 3, 'nothing more is created before the first creations are observed');

  podEvents.release();
  await eventually('4 pods reported', async () => {
    const rs = await cluster.client.get(resources.replicaSets, ns, 'web');
    return rs.status?.replicas === 4;
  });
  assert.equal(await countPods(), 4);
});
