// The per-node service proxy (Hale's kube-proxy): follows Services, EndpointSlices and Pods
// (for canary weight labels) through informers, rebuilds the service table on every change
// (coalesced), and hands it to the chosen mode. Problems with a Service (an invalid
// traffic-weights annotation) become Warning events on it; nothing here throws on bad input.

import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { DEFAULT_SERVICE_CIDR } from '../api/cluster-network.ts';
import { InformerFactory } from '../client/informer-factory.ts';
import { resources } from '../client/resources.ts';
import type { RestClient } from '../client/rest-client.ts';
import type { EventRecorder } from '../controllers/framework/event-recorder.ts';
import { NftablesProxy, nftTableName } from './nftables-proxy.ts';
import { type ConcreteProxyMode, type ProxyMode, resolveProxyMode } from './proxy-mode.ts';
import { ServiceRoutes } from './service-routes.ts';
import { buildServiceTable, type ProxyServicePort, podLabelsFrom } from './service-table.ts';
import type { ProxyLogger } from './userspace-proxy.ts';
import { UserspaceProxyThread } from './userspace-proxy-thread.ts';

export interface ServiceProxyOptions {
  client: Pick<RestClient, 'listAll' | 'watch'>;
  nodeName: string;
  dataDir: string;
  mode?: ProxyMode;
  serviceCidr?: string;
  logger: ProxyLogger & { error(obj: object, msg: string): void };
  events?: Pick<EventRecorder, 'event'>;
  /** Coalesces bursts of informer events into one sync (default 20 ms). */
  syncDelayMs?: number;
  /** Install the host route for the service CIDR (default: when root on Linux). */
  manageRoutes?: boolean;
}

const RESYNC_MS = 15_000;

interface Backend {
  apply(ports: readonly ProxyServicePort[]): Promise<void>;
  stop(): Promise<void>;
}

export interface RunningServiceProxy {
  mode: ConcreteProxyMode;
  /** The table last applied, for tests. */
  current(): readonly ProxyServicePort[];
  /** Resolves after the next sync that starts after this call completes. */
  synced(): Promise<void>;
  stop(): Promise<void>;
}

export async function startServiceProxy(opts: ServiceProxyOptions): Promise<RunningServiceProxy> {
  const logger = opts.logger;
  const mode = await resolveProxyMode(opts.mode ?? 'auto');
  // Routes need root; without it NodePorts still work and ClusterIPs cannot be bound (logged).
  const manageRoutes = opts.manageRoutes ?? (process.platform === 'linux' && process.getuid?.() === 0);
  if (!manageRoutes) logger.warn({}, 'not root: Service ClusterIPs are not reachable on this node, NodePorts are');
  const routes = manageRoutes ? new ServiceRoutes(opts.serviceCidr ?? DEFAULT_SERVICE_CIDR, logger) : undefined;
  let backend: Backend;
  if (mode === 'nftables') {
    const nft = new NftablesProxy(nftTableName(opts.nodeName, opts.dataDir));
    await nft.start();
    backend = nft;
  } else {
    // The data path runs on its own thread, away from this busy event loop.
    backend = new UserspaceProxyThread({ logger });
  }
  await routes?.start();

  const factory = new InformerFactory(opts.client);
  const services = factory.informerFor<Service>(resources.services);
  const slices = factory.informerFor<EndpointSlice>(resources.endpointSlices);
  const pods = factory.informerFor<Pod>(resources.pods);

  let current: ProxyServicePort[] = [];
  const reported = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let dirty = false;
  let stopped = false;
  let waiters: (() => void)[] = [];

  const sync = async () => {
    dirty = false;
    const done = waiters;
    waiters = [];
    try {
      const table = buildServiceTable({
        nodeName: opts.nodeName,
        services: services.list(),
        slices: slices.list(),
        podLabels: podLabelsFrom((ns, name) => pods.get(ns, name)),
      });
      reportProblems(table.problems);
      await routes?.sync(table.ports.flatMap((p) => p.clusterIPs));
      await backend.apply(table.ports);
      current = table.ports;
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'service proxy sync failed; retrying');
      schedule(1000);
    } finally {
      for (const w of done) w();
    }
  };
  const schedule = (delay = opts.syncDelayMs ?? 20) => {
    if (stopped) return;
    dirty = true;
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = running.then(() => (dirty && !stopped ? sync() : undefined));
    }, delay);
  };
  const reportProblems = (problems: ReturnType<typeof buildServiceTable>['problems']) => {
    const seen = new Set<string>();
    for (const p of problems) {
      const uid = p.service.metadata?.uid ?? `${p.service.metadata?.namespace}/${p.service.metadata?.name}`;
      seen.add(uid);
      if (reported.get(uid) === p.message) continue;
      reported.set(uid, p.message);
      logger.warn({ service: `${p.service.metadata?.namespace}/${p.service.metadata?.name}`, reason: p.reason }, p.message);
      opts.events?.event(p.service as never, 'Warning', p.reason, p.message).catch(() => undefined);
    }
    for (const uid of reported.keys()) if (!seen.has(uid)) reported.delete(uid);
  };

  const onChange = { onAdd: () => schedule(), onUpdate: () => schedule(), onDelete: () => schedule() };
  services.addEventHandler(onChange);
  slices.addEventHandler(onChange);
  // Pod label changes only matter for canary weights; a resync of the table is cheap.
  pods.addEventHandler({
    onAdd: () => schedule(),
    onUpdate: (a, b) => {
      if (JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels)) schedule();
    },
    onDelete: () => schedule(),
  });
  factory.start();
  await factory.waitForSync();
  schedule(0);
  // A periodic sync also re-checks the host routes (see ServiceRoutes.sync).
  const resync = setInterval(() => schedule(), RESYNC_MS);
  resync.unref();
  logger.info({ mode }, 'service proxy started');

  return {
    mode,
    current: () => current,
    synced: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        schedule(0);
      }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(resync);
      await factory.stop();
      await running;
      await backend.stop().catch((err) => logger.warn({ err: (err as Error).message }, 'cannot remove proxy rules'));
      await routes?.stop();
      for (const w of waiters) w();
    },
  };
}
