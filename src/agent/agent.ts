// The node agent's pod side (Hale's kubelet): watches the pods bound to this node, runs one
// worker per pod that converges the runtime towards the pod spec, and reports status and
// events. A pure API client: the same code runs embedded in `hale server` and in `hale agent`.
//
// On start it re-adopts what the runtime already runs: containers still running keep their
// pid and restart count (both live in the runtime), and sandboxes of pods that are no longer
// bound here are stopped and removed.
import { type Logger, pino } from 'pino';
import type { KubeObject } from '../api/resource-type.ts';
import { isNotFound } from '../client/api-error.ts';
import { Informer } from '../client/informer.ts';
import { resources } from '../client/resources.ts';
import type { RestClient } from '../client/rest-client.ts';
import { EventRecorder } from '../controllers/framework/event-recorder.ts';
import type { MeasureDiskUsage } from './eviction/disk-usage.ts';
import { EvictionManager } from './eviction/eviction-manager.ts';
import { EVICTED_REASON } from './eviction/local-storage.ts';
import type { HookRunner } from './lifecycle/types.ts';
import { AGENT_INFORMER_BACKOFF } from './node/node-agent.ts';
import { resolveBasicEnv } from './pods/basic-env.ts';
import { type BackoffSettings, CrashBackoff, defaultBackoffSettings } from './pods/crash-backoff.ts';
import type { EndpointDrain } from './pods/endpoint-drain.ts';
import { expandArgvLocal } from './pods/expand-vars.ts';
import type { AdmittedRequests } from './pods/pod-admission.ts';
import { type ExpandArgs, PodSyncer, type ResolveEnv } from './pods/pod-sync.ts';
import { type PodWorkerState, PodWorkers } from './pods/pod-workers.ts';
import { isOwnStatusEcho } from './pods/status-echo.ts';
import { PodStatusWriter } from './pods/status-writer.ts';
import type { Prober } from './probes/types.ts';
import type { Runtime } from './runtime/runtime.ts';
import type { VolumeManager } from './volumes/types.ts';

export interface AgentOptions {
  client: RestClient;
  nodeName: string;
  runtime: Runtime;
  prober: Prober;
  volumes: VolumeManager;
  hooks: HookRunner;
  /** Container environment resolution; defaults to a basic resolver (value and fieldRef only). */
  resolveEnv?: ResolveEnv;
  /** $(VAR) expansion of command/args; defaults to Kubernetes' rules. */
  expandArgs?: ExpandArgs;
  /** Root of the agent's files: container logs live under `<dataDir>/pods/`. */
  dataDir: string;
  logger?: Logger;
  /** status.hostIP; read from the Node's InternalIP address when not given. */
  hostIP?: string;
  /** The runtime cannot run image entrypoints, so containers need `command` (default true). */
  requireCommand?: boolean;
  /** CrashLoopBackOff defaults (10 s doubling to 5 min); pods may tune theirs by annotation. */
  backoff?: BackoffSettings;
  /** Retry delay after a failed step (sandbox, mount, container config). Default 2 s. */
  retryMs?: number;
  /** Periodic re-sync of every pod (also refreshes configMap/secret volumes). Default 10 s. */
  resyncMs?: number;
  events?: EventRecorder;
  /** Zero-drop termination (pods/endpoint-drain.ts); without it SIGTERM follows preStop at once. */
  endpointDrain?: EndpointDrain;
  /** Self-fencing: asked before each pod sync (see node/fencing.ts). */
  fence?: { mayRun(pod: KubeObject): Promise<boolean> };
  /** Each pod's /etc/resolv.conf (agent/dns/pod-resolv-conf.ts); without it the runtime uses the host's. */
  resolvConf?: (pod: KubeObject) => string;
  /**
   * Told of every sandbox or container start (waiting or running), released when it ended:
   * the node agent holds its Events back while pods are being started (limited-client.ts).
   */
  startActivity?: () => () => void;
  /** Local-storage limit checks (emptyDir sizeLimit, ephemeral-storage), every N ms. Default 10 s. */
  evictionIntervalMs?: number;
  /** Disk usage of a path, for those checks (tests give fake sizes). */
  measureDiskUsage?: MeasureDiskUsage;
}

export interface Agent {
  /** Stops watching and syncing. Containers keep running: a new agent re-adopts them. */
  stop(): Promise<void>;
  /** Resolves when no pod sync is running (tests). */
  idle(): Promise<void>;
}

const NODE_INFO_TTL_MS = 30_000;

export async function startAgent(opts: AgentOptions): Promise<Agent> {
  // The caller's logger already names the component (and the node).
  const logger = opts.logger ?? pino({ level: 'silent' });
  const { client, nodeName, runtime, prober } = opts;
  const recorder = opts.events ?? new EventRecorder(client, 'kubelet', logger, nodeName);
  const statusWriter = new PodStatusWriter(client, logger);

  type NodeInfo = { at: number; node?: KubeObject; hostIP?: string };
  let nodeCache: NodeInfo | undefined;
  // One read at a time: a burst of pod syncs all missing the cache would each read the node.
  let nodeReading: Promise<NodeInfo> | undefined;
  const readNodeInfo = async (): Promise<NodeInfo> => {
    let node: KubeObject | undefined;
    try {
      node = await client.get(resources.nodes, undefined, nodeName);
    } catch (err) {
      // Unreachable API: keep what we knew rather than forgetting the node.
      if (!isNotFound(err)) {
        logger.debug({ err: String(err) }, 'reading the node failed');
        node = nodeCache?.node;
      }
    }
    const addresses: { type: string; address: string }[] = node?.status?.addresses ?? [];
    const hostIP = opts.hostIP ?? addresses.find((a) => a.type === 'InternalIP')?.address;
    nodeCache = { at: Date.now(), node, hostIP };
    return nodeCache;
  };
  const nodeInfo = (): Promise<NodeInfo> => {
    if (nodeCache && Date.now() - nodeCache.at < NODE_INFO_TTL_MS) return Promise.resolve(nodeCache);
    nodeReading ??= readNodeInfo().finally(() => {
      nodeReading = undefined;
    });
    // A stale copy serves while it is refreshed: an API outage must not hold container restarts.
    return nodeCache ? Promise.resolve(nodeCache) : nodeReading;
  };

  let workers: PodWorkers | undefined;
  const syncer = new PodSyncer({
    client,
    nodeName,
    runtime,
    prober,
    volumes: opts.volumes,
    hooks: opts.hooks,
    recorder,
    statusWriter,
    backoff: new CrashBackoff(),
    backoffDefaults: opts.backoff ?? defaultBackoffSettings,
    resolveEnv: opts.resolveEnv ?? ((pod, container) => resolveBasicEnv(pod, container)),
    expandArgs: opts.expandArgs ?? expandArgvLocal,
    dataDir: opts.dataDir,
    logger,
    requireCommand: opts.requireCommand ?? true,
    wake: (uid) => workers?.wake(uid),
    nodeInfo,
    admittedPods: (uid) => {
      const out: AdmittedRequests[] = [];
      for (const other of workers?.uids() ?? []) {
        const state = other === uid ? undefined : workers?.get(other);
        if (state?.admitted && holdsResources(state)) out.push(state.admitted);
      }
      return out;
    },
    retryMs: opts.retryMs ?? 2000,
    resyncMs: opts.resyncMs ?? 10_000,
    volumeRefreshMs: opts.resyncMs ?? 10_000,
    endpointDrain: opts.endpointDrain,
    fence: opts.fence,
    resolvConf: opts.resolvConf,
    startActivity: opts.startActivity,
  });
  workers = new PodWorkers(syncer.sync, logger, opts.retryMs ?? 2000);
  const podWorkers = workers;

  prober.onTransition((t) => {
    const state = podWorkers.get(t.podUid);
    if (!state) return;
    if ((t.probe === 'liveness' || t.probe === 'startup') && t.result === 'failure') {
      state.pendingKills.set(t.containerId, { probe: t.probe, message: t.message });
    }
    podWorkers.wake(t.podUid);
  });

  const informer = new Informer(client, resources.pods, {
    fieldSelector: `spec.nodeName=${nodeName}`,
    logger,
    backoff: AGENT_INFORMER_BACKOFF,
  });
  informer.addEventHandler({
    onAdd: (pod) => {
      statusWriter.observe(pod);
      podWorkers.update(pod);
    },
    onUpdate: (old, pod) => {
      if (old.metadata?.uid !== pod.metadata?.uid) podWorkers.markDeleted(old);
      // Our own status write coming back: the sync that wrote it already knew all of it.
      const echo = isOwnStatusEcho(old, pod, statusWriter.latest(pod.metadata?.uid));
      statusWriter.observe(pod);
      podWorkers.update(pod, { sync: !echo });
      const state = podWorkers.get(pod.metadata?.uid);
      if (state) syncer.deletionUpdated(state);
    },
    onDelete: (pod) => podWorkers.markDeleted(pod),
  });
  const eviction = new EvictionManager({
    dataDir: opts.dataDir,
    intervalMs: opts.evictionIntervalMs,
    measure: opts.measureDiskUsage,
    logger,
    pods: () =>
      podWorkers
        .uids()
        .map((uid) => podWorkers.get(uid))
        .filter((s) => s !== undefined && isActive(s))
        .map((s) => s!.pod),
    evict: (pod, violation) => {
      const state = podWorkers.get(pod.metadata?.uid);
      if (!state || !isActive(state)) return;
      state.eviction = { reason: EVICTED_REASON, message: violation.message };
      podWorkers.wake(state.uid);
    },
  });

  informer.start();
  await informer.waitForSync();
  await removeOrphans(runtime, informer, podWorkers, logger);
  eviction.start();
  logger.info({ pods: informer.list().length }, 'agent started');

  return {
    async stop() {
      await eviction.stop();
      await informer.stop();
      await podWorkers.stop();
      await statusWriter.stop();
    },
    idle: () => podWorkers.idle(),
  };
}

/** A pod whose containers may still run here (terminating ones too), as the kubelet's admission counts them. */
function holdsResources(s: PodWorkerState): boolean {
  const phase = s.pod.status?.phase;
  return !s.finished && !s.terminated && phase !== 'Succeeded' && phase !== 'Failed';
}

/** A pod the eviction manager may check: running here, not terminating, not terminal, not evicted. */
function isActive(s: PodWorkerState): boolean {
  const phase = s.pod.status?.phase;
  return !s.deleted && !s.finished && !s.eviction && !s.pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Sandboxes of pods the API no longer binds here (deleted while no agent ran): stop and remove them. */
async function removeOrphans(runtime: Runtime, informer: Informer, workers: PodWorkers, logger: Logger): Promise<void> {
  const known = new Set(informer.list().map((p) => p.metadata?.uid));
  const seen = new Set<string>();
  for (const sandbox of await runtime.listPodSandboxes()) {
    if (known.has(sandbox.podUid) || seen.has(sandbox.podUid)) continue;
    seen.add(sandbox.podUid);
    logger.info({ pod: `${sandbox.namespace}/${sandbox.name}`, uid: sandbox.podUid }, 'removing the sandbox of a pod no longer bound here');
    workers.markDeleted({ metadata: { uid: sandbox.podUid, name: sandbox.name, namespace: sandbox.namespace } });
  }
}
