// The node side of the agent: registers this machine as a Node, keeps its status honest and
// its Lease fresh, and records the node events users see in `kubectl describe node`
// (Starting, NodeHasSufficientMemory, NodeReady, …). A pure API client, like the rest of the
// agent: it runs the same embedded in `hale server` and in a remote `hale agent`.
//
// Defaults, each an option (and a flag of `hale agent`/`hale server`):
//   leaseDurationSeconds 4, leaseRenewIntervalMs 1000   (Kubernetes: 40 s and 10 s)
//   statusUpdateIntervalMs 10 000, statusReportIntervalMs 300 000   (as Kubernetes)
//   maxPods 110; eviction thresholds memory.available 100Mi, nodefs.available 10%,
//   pid.available 5%; pressure transition period 5 min (as Kubernetes).

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { type Clock, realClock } from '../../client/clock.ts';
import { Informer } from '../../client/informer.ts';
import type { Lease } from '../../client/leader-election.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { EventRecorder } from '../../controllers/framework/event-recorder.ts';
import { LOCAL_VOLUME_DIR_ANNOTATION } from '../../controllers/persistentvolume/local-path-volume.ts';
import { localVolumeDir } from '../volumes/local-path-cleanup.ts';
import { type FencingOptions, NodeFence } from './fencing.ts';
import { type HostInfo, readHostInfo } from './host-info.ts';
import { type NodeReadings, systemReadings } from './host-readings.ts';
import { nodeStatusEventMessage } from './node-conditions.ts';
import { NodeLeaseHeartbeat } from './node-lease.ts';
import {
  defaultEvictionThresholds,
  defaultNodeLabels,
  defaultReservations,
  type EvictionThresholds,
  type Reservations,
} from './node-object.ts';
import { AGENT_ID_ANNOTATION } from './node-registrar.ts';
import { NodeStatusReporter, type NodeStatusStats } from './node-status-reporter.ts';

/**
 * Re-list/re-watch back-off of the agent's informers: a node that lost the API server must
 * catch up within seconds of its return (client-go's 800 ms doubling to 30 s could leave it
 * blind for a minute after a long outage). Jitter still spreads the agents of a cluster.
 */
export const AGENT_INFORMER_BACKOFF = { initialMs: 200, maxMs: 4000 };

/** Set on the Node: seconds without a Lease renewal after which the agent kills its pods. */
export const FENCING_TIMEOUT_ANNOTATION = 'hale.dev/fencing-timeout-seconds';

/** This data dir's agent identity: the same agent restarting keeps its node name. */
function agentId(dataDir: string): string {
  const file = join(dataDir, 'agent-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {
    // first start
  }
  const id = randomUUID();
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}

/** Present on the Node (with the reason) when the runtime cannot enforce CPU/memory/pids limits. */
export const RESOURCE_LIMITS_NOT_ENFORCED_ANNOTATION = 'hale.dev/resource-limits-not-enforced';

export interface NodeAgentOptions {
  nodeName: string;
  /** The agent's data directory: its filesystem is the node's ephemeral storage. */
  dataDir: string;
  /** Port of the agent's own server (logs, exec, port-forward): status.daemonEndpoints.kubeletEndpoint.Port. */
  agentPort: number;
  /** Whether the runtime enforces resource limits (cgroups usable). */
  cgroupsEnforced: boolean;
  /** Why limits are not enforced, when `cgroupsEnforced` is false. */
  cgroupsReason?: string;
  logger: Logger;
  /** nodeInfo.containerRuntimeVersion; default "process://0.1.0". */
  runtimeVersion?: string;
  /** Extra labels to set on the Node (e.g. from --node-labels). */
  labels?: Record<string, string>;
  maxPods?: number;
  reservations?: Partial<Reservations>;
  eviction?: Partial<EvictionThresholds>;
  pressureTransitionPeriodMs?: number;
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
  statusUpdateIntervalMs?: number;
  statusReportIntervalMs?: number;
  /** Ready from the start (default true); the pod side may report otherwise with setReady. */
  ready?: boolean;
  /** Machine identity and readings; the real machine's by default (tests inject fakes). */
  host?: HostInfo;
  readings?: NodeReadings;
  events?: EventRecorder;
  clock?: Clock;
  /**
   * The pod range the node's network serves (isolated mode, once set up): a Node registered
   * again after `kubectl delete node` keeps it in spec.podCIDR (see node-registrar.ts).
   */
  podCidr?: () => string | undefined;
  /**
   * Self-fencing (fencing.ts): with timeoutMs 0 only a replaced agent fences (no fencing on
   * silence, no watchdog). Without it nothing is fenced, not even by a replaced agent (tests).
   */
  fencing?: Pick<FencingOptions, 'timeoutMs' | 'containersDir' | 'onFence' | 'watchdog'>;
}

export interface NodeAgent {
  /** The Node as last read or written. */
  readonly node: KubeObject;
  /** Stops the heartbeat and status loop (the Node and its pods stay; the Lease expires). */
  stop(): Promise<void>;
  /** Reports the node ready or not ready (with the reason as Ready's message); written at once. */
  setReady(ready: boolean, reason?: string): Promise<void>;
  /** Computes the status now and writes it if it changed. */
  syncStatus(): Promise<void>;
  /** Renews the Lease now. */
  renewLease(): Promise<Lease>;
  readonly stats: NodeStatusStats & { leaseRenewals: number };
  /** The fence (when `fencing` was given): the pod workers ask it before running a pod. */
  readonly fence?: NodeFence;
}

export async function startNodeAgent(client: RestClient, opts: NodeAgentOptions): Promise<NodeAgent> {
  const logger = opts.logger.child({ subsystem: 'node-status' });
  const { nodeName } = opts;
  const clock = opts.clock ?? realClock;
  const host = opts.host ?? readHostInfo();
  mkdirSync(opts.dataDir, { recursive: true });
  const recorder = opts.events ?? new EventRecorder(client, 'kubelet', logger, nodeName);
  // The kubelet's node reference: the uid of a node's events is the node's name.
  const nodeRef: KubeObject = { kind: 'Node', metadata: { name: nodeName, uid: nodeName } };
  recorder.normal(nodeRef, 'Starting', 'Starting kubelet.');

  let readyWarning: string | undefined;
  const id = agentId(opts.dataDir);
  const annotations: Record<string, string> = {
    [AGENT_ID_ANNOTATION]: id,
    // Where the local-path provisioner's volumes for this node go.
    [LOCAL_VOLUME_DIR_ANNOTATION]: localVolumeDir(opts.dataDir),
  };
  const staleAnnotations: string[] = [];
  // The control plane may force-delete this node's stateful pods once it has been silent for
  // lease + fencing timeout: published only when the agent fences itself on silence.
  if (opts.fencing && opts.fencing.timeoutMs > 0) annotations[FENCING_TIMEOUT_ANNOTATION] = String(opts.fencing.timeoutMs / 1000);
  else staleAnnotations.push(FENCING_TIMEOUT_ANNOTATION);
  if (!opts.cgroupsEnforced) {
    const why = opts.cgroupsReason || 'cgroups are not available';
    readyWarning = `resource limits are not enforced: ${why}`;
    annotations[RESOURCE_LIMITS_NOT_ENFORCED_ANNOTATION] = why;
    logger.warn({ reason: why }, 'container resource limits are not enforced on this node; containers run unlimited');
  }

  let informer: Informer | undefined;
  const reporter = new NodeStatusReporter({
    client,
    nodeName,
    dataDir: opts.dataDir,
    agentPort: opts.agentPort,
    runtimeVersion: opts.runtimeVersion ?? 'process://0.1.0',
    host,
    readings: opts.readings ?? systemReadings(),
    maxPods: opts.maxPods ?? 110,
    reservations: { ...defaultReservations, ...opts.reservations },
    eviction: { ...defaultEvictionThresholds, ...opts.eviction },
    pressureTransitionPeriodMs: opts.pressureTransitionPeriodMs ?? 5 * 60_000,
    statusUpdateIntervalMs: opts.statusUpdateIntervalMs ?? 10_000,
    statusReportIntervalMs: opts.statusReportIntervalMs ?? 5 * 60_000,
    registration: {
      nodeName,
      labels: { ...(opts.labels ?? {}), ...defaultNodeLabels(nodeName, host) },
      annotations,
      staleAnnotations: [...staleAnnotations, ...(opts.cgroupsEnforced ? [RESOURCE_LIMITS_NOT_ENFORCED_ANNOTATION] : [])],
      ...(opts.podCidr ? { podCidr: opts.podCidr } : {}),
    },
    readyWarning,
    initiallyReady: opts.ready ?? true,
    clock,
    logger,
    recordEvent: (reason) => recorder.normal(nodeRef, reason, nodeStatusEventMessage(nodeName, reason)),
    onReplaced: (other) => replaced(other, 'the Node'),
  });

  // Another agent took this node name over (this one was frozen or cut off past its Lease):
  // stop renewing, stop writing the Node, and keep the pods stopped for good (with
  // --fencing-timeout 0 too: the new agent runs them now). The agent stays up, fenced, rather
  // than exiting: its pod workers keep refusing to run pods, and a supervisor restarting it
  // would be refused at registration anyway.
  let replacedBy: string | undefined;
  function replaced(other: string, where: string): void {
    if (replacedBy !== undefined) return;
    replacedBy = other;
    logger.error(
      { agentId: id, otherAgent: other, foundOn: where },
      'another agent has taken over this node name: this agent stops renewing the node lease and writing the node, and stops every pod',
    );
    fence?.replacedByAnotherAgent(other);
    void lease.stop();
    void reporter.stop();
    void informer?.stop();
  }

  const fence = opts.fencing ? new NodeFence({ client, nodeName, dataDir: opts.dataDir, logger, ...opts.fencing }) : undefined;
  let leaseRenewals = 0;
  let leaseFailing = false;
  const lease = new NodeLeaseHeartbeat(client, {
    nodeName,
    holderIdentity: id,
    onLost: (holder) => replaced(holder, 'the node lease'),
    leaseDurationSeconds: opts.leaseDurationSeconds,
    renewIntervalMs: opts.leaseRenewIntervalMs,
    nodeUid: () => reporter.node?.metadata?.uid,
    clock,
    logger,
    onRenew: (_lease, sentAt) => {
      leaseRenewals++;
      fence?.renewed(sentAt);
      if (leaseFailing) {
        leaseFailing = false;
        // Back after an outage: the control plane may have marked the node Unknown meanwhile.
        void reporter.resyncAfterOutage();
      }
    },
    onRenewFailed: () => {
      leaseFailing = true;
    },
  });

  await reporter.register();
  fence?.start();
  lease.start();
  reporter.start();

  // Watch our own Node so changes by others (the node-lifecycle controller marking it
  // Unknown, a deletion) are answered at once rather than at the next status interval.
  informer = new Informer(client, resources.nodes, {
    fieldSelector: `metadata.name=${nodeName}`,
    logger,
    backoff: AGENT_INFORMER_BACKOFF,
  });
  informer.addEventHandler({
    onAdd: (node) => reporter.observe(node),
    onUpdate: (_old, node) => reporter.observe(node),
    onDelete: () => reporter.observe(undefined),
  });
  if (replacedBy === undefined) informer.start();

  logger.info({ leaseDurationSeconds: opts.leaseDurationSeconds ?? 4 }, 'node agent started');
  return {
    get node() {
      return reporter.node!;
    },
    async stop() {
      await informer?.stop();
      fence?.stop();
      await lease.stop();
      await reporter.stop();
    },
    setReady: (ready, reason) => reporter.setReady(ready, reason),
    syncStatus: () => reporter.requestSync(),
    renewLease: () => lease.renew(),
    get stats() {
      return { ...reporter.stats, leaseRenewals };
    },
    fence,
  };
}
