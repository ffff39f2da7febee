// The controller-manager: every controller of the process shares one informer factory (one
// list+watch per resource) and runs only while this process holds the controller-manager
// Lease, so two servers on the same data never both act. They talk to the API server
// through the client, exactly as they would from another machine.

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { InformerFactory } from '../client/informer-factory.ts';
import { LeaderElector, restLeaseClient } from '../client/leader-election.ts';
import type { RestClient } from '../client/rest-client.ts';
import { CronJobController } from '../controllers/cronjob/cronjob-controller.ts';
import { DaemonSetController } from '../controllers/daemonset/daemonset-controller.ts';
import { DeploymentController } from '../controllers/deployment/deployment-controller.ts';
import { DisruptionController } from '../controllers/disruption/disruption-controller.ts';
import { EndpointsController } from '../controllers/endpoints/endpoints-controller.ts';
import { EndpointSliceController } from '../controllers/endpointslice/endpointslice-controller.ts';
import { EndpointSliceMirroringController } from '../controllers/endpointslice/endpointslice-mirroring-controller.ts';
import type { Controller } from '../controllers/framework/controller.ts';
import { GarbageCollector, type GarbageCollectorOptions } from '../controllers/garbage-collector.ts';
import { HorizontalPodAutoscalerController } from '../controllers/hpa/hpa-controller.ts';
import { JobController } from '../controllers/job/job-controller.ts';
import { NamespaceController, type NamespaceControllerOptions } from '../controllers/namespace-controller.ts';
import { NodeIpamController, type NodeIpamOptions } from '../controllers/nodeipam/node-ipam-controller.ts';
import { NodeLifecycleController, type NodeLifecycleOptions } from '../controllers/nodelifecycle/node-lifecycle-controller.ts';
import { StorageProtectionController } from '../controllers/persistentvolume/protection-controller.ts';
import { PersistentVolumeController } from '../controllers/persistentvolume/pv-controller.ts';
import { PodGarbageCollector, type PodGarbageCollectorOptions } from '../controllers/podgc/pod-gc-controller.ts';
import { ReplicaSetController, ReplicationManager } from '../controllers/replicaset/replica-set-controller.ts';
import { NamespaceDefaultsController } from '../controllers/serviceaccount/namespace-defaults-controller.ts';
import { ServiceLBController } from '../controllers/servicelb/servicelb-controller.ts';
import { StatefulSetController } from '../controllers/statefulset/statefulset-controller.ts';
import { Scheduler } from '../scheduler/scheduler.ts';

export interface ControllerManagerOptions {
  /**
   * Longest time startControllers waits for leadership, discovery and the informers' first
   * lists. Start-up goes on in the background after that (the controllers guard themselves
   * until their caches are synced), so a slow resource never holds up the server. Default 200 ms.
   */
  syncTimeoutMs?: number;
  namespace?: NamespaceControllerOptions;
  garbageCollector?: GarbageCollectorOptions;
  /** The cluster CA (PEM): enables the default ServiceAccount and kube-root-ca.crt in every namespace. */
  rootCaPem?: string;
  /** Node pod ranges (--cluster-cidr, a /24 per node by default). */
  nodeIpam?: NodeIpamOptions;
  /** Node failure detection and taint eviction (docs/failover.md). */
  nodeLifecycle?: NodeLifecycleOptions;
  /** The pod garbage collector (--terminated-pod-gc-threshold). */
  podGC?: PodGarbageCollectorOptions;
  /** The scheduler's logger (default: the controller-manager's, with controller "scheduler"). */
  schedulerLogger?: Logger;
  /** Leader election timing (defaults: lease 15 s, renew deadline 10 s, retry 2 s, as Kubernetes). */
  leaderElection?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number; identity?: string };
}

export interface RunningControllers {
  /** Resolves true once leading with every informer listed; false if stopped first or discovery failed. */
  synced: Promise<boolean>;
  isLeader(): boolean;
  stop(): Promise<void>;
}

interface Component {
  run(): void;
  stop(): Promise<void>;
}

/** One term of leadership: a fresh informer factory and every controller. */
class ControllerSet {
  private readonly factory: InformerFactory;
  private readonly components: Component[];
  private readonly stopSync = new AbortController();
  readonly synced: Promise<boolean>;

  constructor(client: RestClient, logger: Logger, opts: ControllerManagerOptions) {
    const factory = new InformerFactory(client, { logger });
    const child = (name: string) => logger.child({ controller: name });
    const gc = new GarbageCollector(client, factory, child('garbage-collector'), opts.garbageCollector);
    this.factory = factory;
    const controller = (c: Controller, workers: number): Component => ({ run: () => c.run(workers), stop: () => c.stop() });
    this.components = [
      controller(new NamespaceController(client, factory, child('namespace'), opts.namespace), 2),
      controller(gc, 4),
      controller(new ReplicaSetController(client, factory, child('replicaset')), 4),
      controller(new ReplicationManager(client, factory, child('replicationcontroller')), 2),
      controller(new DeploymentController(client, factory, child('deployment')), 4),
      controller(new StatefulSetController(client, factory, child('statefulset')), 2),
      controller(new DaemonSetController(client, factory, child('daemonset')), 2),
      controller(new JobController(client, factory, child('job')), 2),
      controller(new CronJobController(client, factory, child('cronjob')), 1),
      controller(new DisruptionController(client, factory, child('disruption')), 1),
      controller(new HorizontalPodAutoscalerController(client, factory, child('horizontal-pod-autoscaler')), 1),
      controller(new PodGarbageCollector(client, factory, child('pod-garbage-collector'), opts.podGC), 1),
      controller(new NodeLifecycleController(client, factory, child('node-lifecycle'), opts.nodeLifecycle), 1),
      controller(new EndpointSliceController(client, factory, child('endpointslice')), 4),
      controller(new EndpointsController(client, factory, child('endpoint')), 2),
      controller(new EndpointSliceMirroringController(client, factory, child('endpointslicemirroring')), 1),
      controller(new ServiceLBController(client, factory, child('servicelb')), 1),
      controller(new NodeIpamController(client, factory, child('node-ipam'), opts.nodeIpam), 1),
      controller(new PersistentVolumeController(client, factory, child('persistentvolume-binder')), 1),
      controller(new StorageProtectionController(client, factory, child('storage-protection')), 1),
      ...(opts.rootCaPem
        ? [controller(new NamespaceDefaultsController(client, factory, child('namespace-defaults'), opts.rootCaPem), 1)]
        : []),
      new Scheduler(client, factory, opts.schedulerLogger ?? logger.child({ controller: 'scheduler' })),
    ];
    // Every informer listens on this signal while waiting for its sync.
    const stopSignal = this.stopSync.signal;
    setMaxListeners(0, stopSignal);
    this.synced = (async () => {
      const discovered = await gc.start();
      if (stopSignal.aborted) return false;
      factory.start();
      return (await factory.waitForSync(stopSignal)) && discovered;
    })();
    // Workers may start at once: each controller waits for its own caches before acting.
    for (const component of this.components) component.run();
  }

  async stop(): Promise<void> {
    this.stopSync.abort();
    await Promise.all(this.components.map((c) => c.stop()));
    await this.factory.stop();
  }
}

export async function startControllers(
  client: RestClient,
  logger: Logger,
  opts: ControllerManagerOptions = {},
): Promise<RunningControllers> {
  let current: ControllerSet | undefined;
  let resolveFirstTerm!: (synced: Promise<boolean>) => void;
  const firstTerm = new Promise<Promise<boolean>>((resolve) => (resolveFirstTerm = resolve));
  const election = opts.leaderElection ?? {};
  const elector = new LeaderElector(restLeaseClient(client), {
    namespace: 'kube-system',
    name: 'hale-controller-manager',
    identity: election.identity ?? `${hostname()}_${randomUUID()}`,
    // Only the timings given: an undefined value must not override the elector's defaults.
    ...definedOnly({
      leaseDurationMs: election.leaseDurationMs,
      renewDeadlineMs: election.renewDeadlineMs,
      retryPeriodMs: election.retryPeriodMs,
    }),
    logger,
    callbacks: {
      onStartedLeading: () => {
        logger.info('became leader; starting controllers');
        current = new ControllerSet(client, logger, opts);
        resolveFirstTerm(current.synced);
      },
      onStoppedLeading: () => {
        logger.warn('stopped leading; stopping controllers');
        const stopping = current;
        current = undefined;
        void stopping?.stop();
      },
    },
  });
  elector.start();

  const synced = firstTerm.then((s) => s);
  const inTime = await Promise.race([synced, delay(opts.syncTimeoutMs ?? 200)]);
  if (inTime !== true) logger.debug('controllers are not running yet (waiting for leadership or caches)');

  let resolveStopped!: (synced: boolean) => void;
  const stopped = new Promise<boolean>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  return {
    synced: Promise.race([synced, stopped]),
    isLeader: () => elector.isLeader(),
    stop() {
      stopping ??= (async () => {
        resolveStopped(false);
        await elector.stop();
        await current?.stop();
        current = undefined;
      })();
      return stopping;
    },
  };
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
