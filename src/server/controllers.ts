// The controller-manager: every controller of the process shares one informer factory (one
// list+watch per resource). They talk to the API server through the client, exactly as
// they would from another machine.
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { InformerFactory } from '../client/informer-factory.ts';
import type { RestClient } from '../client/rest-client.ts';
import { GarbageCollector, type GarbageCollectorOptions } from '../controllers/garbage-collector.ts';
import { NamespaceController, type NamespaceControllerOptions } from '../controllers/namespace-controller.ts';

export interface ControllerManagerOptions {
  /**
   * Longest time startControllers waits for discovery and the informers' first lists.
   * Start-up goes on in the background after that (the controllers guard themselves
   * until their caches are synced), so a slow or broken resource never holds up the
   * server. Default 200 ms.
   */
  syncTimeoutMs?: number;
  namespace?: NamespaceControllerOptions;
  garbageCollector?: GarbageCollectorOptions;
}

export interface RunningControllers {
  /** Resolves true once every informer has listed, false if stopped first or discovery failed. */
  synced: Promise<boolean>;
  stop(): Promise<void>;
}

export async function startControllers(
  client: RestClient,
  logger: Logger,
  opts: ControllerManagerOptions = {},
): Promise<RunningControllers> {
  const factory = new InformerFactory(client, { logger });
  const namespaces = new NamespaceController(client, factory, logger.child({ controller: 'namespace' }), opts.namespace);
  const gc = new GarbageCollector(client, factory, logger.child({ controller: 'garbage-collector' }), opts.garbageCollector);
  const stopSync = new AbortController();
  // Every informer listens on this signal while waiting for its sync.
  setMaxListeners(0, stopSync.signal);

  const synced = (async () => {
    const discovered = await gc.start();
    if (stopSync.signal.aborted) return false;
    factory.start();
    return (await factory.waitForSync(stopSync.signal)) && discovered;
  })();
  // Workers may start at once: each controller waits for its own caches before acting.
  namespaces.run(2);
  gc.run(4);

  const inTime = await Promise.race([synced, delay(opts.syncTimeoutMs ?? 200)]);
  if (inTime !== true) {
    logger.debug('controller caches are still syncing; controllers start acting once they are');
    synced.then((ok) => ok && logger.debug('controller caches synced'));
  }

  let stopping: Promise<void> | undefined;
  return {
    synced,
    stop() {
      stopping ??= (async () => {
        stopSync.abort();
        // Once stopped, the collector starts no informers even if discovery is still in flight.
        await Promise.all([namespaces.stop(), gc.stop()]);
        await factory.stop();
      })();
      return stopping;
    },
  };
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
