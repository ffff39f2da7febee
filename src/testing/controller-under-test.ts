// One controller against an in-process API server with its own informer factory: the set-up
// and tear-down every controller test shares.
import { InformerFactory } from '../client/informer-factory.ts';
import type { Controller } from '../controllers/framework/controller.ts';
import { type InProcessCluster, startInProcessCluster } from './in-process-cluster.ts';

export interface ControllerUnderTest<C extends Controller> {
  cluster: InProcessCluster;
  factory: InformerFactory;
  controller: C;
}

/** Starts the cluster, builds the controller with `make`, syncs its informers and runs `workers` workers. */
export async function startControllerUnderTest<C extends Controller>(
  make: (cluster: InProcessCluster, factory: InformerFactory) => C,
  workers: number,
): Promise<ControllerUnderTest<C>> {
  const cluster = await startInProcessCluster();
  const factory = new InformerFactory(cluster.client);
  const controller = make(cluster, factory);
  factory.start();
  if (!(await factory.waitForSync())) throw new Error('the informers did not sync');
  controller.run(workers);
  return { cluster, factory, controller };
}

export async function stopControllerUnderTest(running: ControllerUnderTest<Controller>): Promise<void> {
  await running.controller.stop();
  await running.factory.stop();
  await running.cluster.stop();
}
