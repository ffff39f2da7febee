// Keeps NodeRoutes in step with the cluster's Nodes: an informer over all Nodes, and a sync
// (one at a time) whenever a node's podCIDR or InternalIP appears, changes or goes. Heartbeat
// updates of Node status change neither, so they cost nothing. A periodic full sync repairs
// what changed underneath (an address that moved on or off the LAN, a route someone deleted).
import type { KubeObject } from '../../api/resource-type.ts';
import { Informer, type ListWatchClient } from '../../client/informer.ts';
import { resources } from '../../client/resources.ts';
import type { NodeRoutes } from './node-routes.ts';
import type { NetworkLogger } from './pod-network.ts';

const DEFAULT_RESYNC_MS = 30_000;
const RETRY_MS = 5000;

export interface NodeRoutesWatchOptions {
  logger?: NetworkLogger;
  /** Full sync this often even without changes (default 30 s). */
  resyncMs?: number;
}

export interface NodeRoutesWatch {
  /** Resolves after the first successful sync (for tests and start-up ordering). */
  readonly firstSync: Promise<void>;
  /** Stops following; with removeRoutes, also undoes the routes, rules and forwarding (see NodeRoutes.removeAll). */
  stop(opts: { removeRoutes: boolean }): Promise<void>;
}

export function watchNodeRoutes(
  client: ListWatchClient,
  routes: Pick<NodeRoutes, 'sync' | 'removeAll'>,
  opts: NodeRoutesWatchOptions = {},
): NodeRoutesWatch {
  const informer = new Informer<KubeObject>(client, resources.nodes, { logger: opts.logger });
  let lastKey: string | undefined;
  let chain: Promise<void> = Promise.resolve();
  let queued = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let markSynced: () => void = () => {};
  const firstSync = new Promise<void>((resolve) => {
    markSynced = resolve;
  });

  const run = async (force: boolean) => {
    queued = false;
    if (stopped || !informer.hasSynced()) return;
    const nodes = informer.list();
    const key = routingKey(nodes);
    if (!force && key === lastKey) return;
    try {
      await routes.sync(nodes);
      lastKey = key;
      markSynced();
    } catch (err) {
      lastKey = undefined;
      opts.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot update the routes to other nodes; retrying');
      clearTimeout(retry);
      if (!stopped) retry = setTimeout(() => schedule(true), RETRY_MS);
    }
  };
  // Syncs run one after another; events arriving meanwhile fold into one more run.
  const schedule = (force = false) => {
    if (stopped || (queued && !force)) return;
    queued = true;
    chain = chain.then(() => run(force));
  };

  informer.addEventHandler({ onAdd: () => schedule(), onUpdate: () => schedule(), onDelete: () => schedule() });
  informer.start();
  void informer.waitForSync().then((synced) => synced && schedule());
  const resync = setInterval(() => schedule(true), opts.resyncMs ?? DEFAULT_RESYNC_MS);

  return {
    firstSync,
    async stop({ removeRoutes }) {
      stopped = true;
      clearInterval(resync);
      clearTimeout(retry);
      await informer.stop();
      await chain;
      if (removeRoutes) await routes.removeAll();
    },
  };
}

/** What routing depends on: each node's name, podCIDR and addresses. */
function routingKey(nodes: readonly KubeObject[]): string {
  return JSON.stringify(
    nodes.map((n) => [n.metadata?.name, n.spec?.podCIDR, n.status?.addresses]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
}
