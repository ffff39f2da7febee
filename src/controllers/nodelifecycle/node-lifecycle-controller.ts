// The node-lifecycle controller (Kubernetes' node_lifecycle_controller, Hale's timing): it
// watches every node's Lease, feeds the renewals it sees into a φ-accrual failure detector
// (phi-accrual.ts), counts a new heartbeat in the agent's status as a sign of life too, and,
// when a node is suspected,
//   - marks the conditions the agent owns Unknown ("NodeStatusUnknown", "Kubelet stopped
//     posting node status.") and, when the node was Ready, records NodeNotReady,
//   - marks the node's pods Ready=False at once, so they leave Service endpoints,
//   - taints the node node.kubernetes.io/unreachable (not-ready when the agent itself
//     reports Ready=False) NoSchedule, and NoExecute at the zone's eviction rate
//     (zone-eviction.ts); the taints go when Ready is True again.
// On every node, as Kubernetes' TaintNodesByCondition, it also keeps the NoSchedule taints that
// follow the other conditions (memory-pressure, disk-pressure, pid-pressure,
// network-unavailable when True) and node.kubernetes.io/unschedulable while the node is
// cordoned (spec.unschedulable), and removes them when that is no longer so.
// The NoExecute taints drive the taint-eviction controller it runs beside it. As Kubernetes'
// controller, it records RegisteredNode for every node it first sees (each new leader sees them
// all) and RemovingNode when one is deleted.
//
// Detector (node-health.ts): a node silent for at least `minGracePeriodMs` whose φ reached
// `phiThreshold`, or silent for `gracePeriodMs` whatever φ says, is suspected. Renewals are
// timed with this process's clock when they are seen, so clock skew between machines does not
// matter; a new leader starts every node with a fresh heartbeat, as Kubernetes does.
import type { Logger } from 'pino';
import { metaTime } from '../../api/meta-time.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import { indexByField } from '../../client/indexer.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import {
  condition,
  conditionTaintKey,
  type DetectorSettings,
  desiredTaints,
  hasNoExecuteTaint,
  judge,
  readyStatus,
  sameTaints,
  type Taint,
  unknownConditions,
} from './node-health.ts';
import { PhiAccrualDetector } from './phi-accrual.ts';
import { fencedAt } from './pod-safety.ts';
import { NODE_NAME_INDEX, type NodeSilence, TaintEvictionController } from './taint-eviction-controller.ts';
import { EvictionGate, type EvictionSettings, type ZoneState, zoneEvictionRate, zoneOf, zoneState } from './zone-eviction.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLifecycleOptions {
  detector?: Partial<DetectorSettings>;
  /** Floor of the detector's σ in ms (default 200). */
  minStdDeviationMs?: number;
  eviction?: Partial<EvictionSettings>;
  /** How often every node is judged (default 200 ms; Kubernetes' --node-monitor-period is 5 s). */
  nodeMonitorPeriodMs?: number;
  /**
   * A monitor pass this much later than the previous one means the controller itself was
   * stalled (process paused, event loop blocked): every node not yet suspected starts with a
   * fresh heartbeat, as with a new leader. Default: 10 periods, at least 1 s.
   */
  stallThresholdMs?: number;
  now?: () => number;
}

export const defaultDetectorSettings: DetectorSettings = { phiThreshold: 8, minGracePeriodMs: 2000, gracePeriodMs: 5000 };
export const defaultEvictionSettings: EvictionSettings = {
  nodeEvictionRate: 1,
  secondaryNodeEvictionRate: 0.01,
  unhealthyZoneThreshold: 0.55,
  largeClusterSizeThreshold: 50,
};

interface NodeHealth {
  detector: PhiAccrualDetector;
  renewTime?: string;
  leaseDurationMs: number;
  suspect: boolean;
  /** When the node was last heard from again after a silence (see NodeSilence.silenceEndedAt). */
  silenceEndedAt?: number;
}

const iso = (ms: number) => metaTime(ms);
/**
 * A taint's timeAdded (whole seconds, as metav1.Time): rounded up, so that a toleration
 * counted from it never runs out early (rounded down, a 2 s toleration lasted 1–2 s).
 */
export const taintTime = (ms: number) => iso(Math.ceil(ms / 1000) * 1000);

export class NodeLifecycleController extends Controller {
  private readonly nodes: Informer;
  private readonly leases: Informer;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;
  private readonly detector: DetectorSettings;
  private readonly eviction: EvictionSettings;
  private readonly minStd: number;
  private readonly periodMs: number;
  private readonly now: () => number;
  private readonly health = new Map<string, NodeHealth>();
  private readonly gates = new Map<string, EvictionGate>();
  /** The nodes this controller has seen (name → uid): Kubernetes' knownNodeSet. */
  private readonly known = new Map<string, string>();
  private zoneStates = new Map<string, { state: ZoneState; size: number }>();
  private allFullyDisrupted = false;
  private ticker?: NodeJS.Timeout;
  private readonly stallThresholdMs: number;
  /** When the monitor last ran (this process's clock); undefined before `run`. */
  private lastMonitorAt?: number;
  readonly evictions: TaintEvictionController;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: NodeLifecycleOptions = {},
  ) {
    super('node-lifecycle', logger);
    this.detector = { ...defaultDetectorSettings, ...definedOnly(opts.detector ?? {}) };
    this.eviction = { ...defaultEvictionSettings, ...definedOnly(opts.eviction ?? {}) };
    this.minStd = opts.minStdDeviationMs ?? 200;
    this.periodMs = opts.nodeMonitorPeriodMs ?? 200;
    this.now = opts.now ?? Date.now;
    this.stallThresholdMs = opts.stallThresholdMs ?? Math.max(10 * this.periodMs, 1000);
    this.recorder = new EventRecorder(client, 'node-controller', logger);
    this.nodes = informers.informerFor(resources.nodes);
    this.leases = informers.informerFor(resources.leases, { namespace: NODE_LEASE_NAMESPACE });
    this.pods = informers.informerFor(resources.pods, { indexers: { [NODE_NAME_INDEX]: indexByField('spec.nodeName') } });
    this.nodes.addEventHandler({
      onAdd: (node) => this.enqueue(node.metadata?.name ?? ''),
      onUpdate: (old, node) => {
        this.statusSeen(old, node);
        this.enqueue(node.metadata?.name ?? '');
      },
      onDelete: (node) => {
        this.health.delete(node.metadata?.name ?? '');
        this.enqueue(node.metadata?.name ?? '');
      },
    });
    this.leases.addEventHandler({
      onAdd: (lease) => this.leaseSeen(lease),
      onUpdate: (_old, lease) => this.leaseSeen(lease),
    });
    // Kubernetes runs its taint manager as its own controller (1.29+): its events come from
    // "taint-eviction-controller", not "node-controller".
    this.evictions = new TaintEvictionController(
      client,
      informers,
      logger.child({ controller: 'taint-eviction' }),
      new EventRecorder(client, 'taint-eviction-controller', logger),
      (n) => this.silence(n),
    );
  }

  override run(workers = 1): void {
    super.run(workers);
    this.evictions.run(2);
    this.lastMonitorAt = this.now();
    this.ticker = setInterval(() => this.tick(), this.periodMs);
    this.ticker.unref();
  }

  override async stop(): Promise<void> {
    clearInterval(this.ticker);
    await this.evictions.stop();
    await super.stop();
  }

  /** The node's silence as the taint-eviction controller needs it. */
  silence(nodeName: string): NodeSilence {
    const h = this.health.get(nodeName);
    const paused = this.allFullyDisrupted;
    const node = this.nodes.get(undefined, nodeName);
    // Judged now, not only as of the last reconcile: a renewal seen since then ends the silence.
    if (!h?.suspect || !judge(h.detector, this.now(), this.detector).suspect) {
      const silenceEndedAt = h?.suspect
        ? h.detector.lastHeartbeatAt // heard from a moment ago; the reconcile that records it is yet to come
        : (h?.silenceEndedAt ?? (readyStatus(node) === 'Unknown' ? this.now() : undefined));
      return { silent: false, paused, silenceEndedAt };
    }
    const last = h.detector.lastHeartbeatAt ?? this.now();
    return { silent: true, paused, fencedAt: fencedAt(node, last, h.leaseDurationMs) };
  }

  private entry(nodeName: string): NodeHealth {
    let h = this.health.get(nodeName);
    if (!h) {
      h = {
        detector: new PhiAccrualDetector({ minStdDeviationMs: this.minStd }),
        leaseDurationMs: 40_000,
        suspect: false,
      };
      // First sight counts as a heartbeat: every node starts with a full grace period.
      h.detector.heartbeat(this.now());
      this.health.set(nodeName, h);
    }
    return h;
  }

  private leaseSeen(lease: KubeObject): void {
    const name = lease.metadata?.name;
    if (!name) return;
    const h = this.entry(name);
    const renewTime: string | undefined = lease.spec?.renewTime;
    if (lease.spec?.leaseDurationSeconds) h.leaseDurationMs = Number(lease.spec.leaseDurationSeconds) * 1000;
    if (renewTime && renewTime !== h.renewTime) {
      const first = h.renewTime === undefined;
      h.renewTime = renewTime;
      if (h.suspect) h.detector.resume(this.now());
      else if (!first) h.detector.heartbeat(this.now());
      if (h.suspect) this.enqueue(name);
    }
  }

  /**
   * A new heartbeat time on the agent's Ready condition is a sign of life too, as in
   * Kubernetes (which counts a changed lastHeartbeatTime like a Lease renewal). It matters
   * when an agent comes back: its first status write can arrive before the controller sees
   * its Lease renewed, and must not be overwritten with Unknown. The controller's own
   * Unknown writes do not count: they keep the heartbeat time, or (for a condition never
   * posted) are Unknown themselves.
   */
  private statusSeen(old: KubeObject, node: KubeObject): void {
    const name = node.metadata?.name;
    const ready = condition(node, 'Ready');
    const heartbeat: string | undefined = ready?.lastHeartbeatTime;
    if (!name || !heartbeat || ready?.status === 'Unknown' || heartbeat === condition(old, 'Ready')?.lastHeartbeatTime) return;
    const h = this.entry(name);
    if (h.suspect) h.detector.resume(this.now());
    else h.detector.signOfLife(this.now());
  }

  /**
   * The controller's own silence is not the nodes': when the monitor did not run for much
   * longer than its period (this process was paused, its event loop blocked), the Lease
   * renewals that arrived meanwhile may still wait in the watch, and judging the nodes now by
   * this clock would suspect healthy ones. Every node not already suspected then starts with a
   * fresh heartbeat, as a newly elected controller does; suspected nodes stay suspected.
   */
  private noticeStall(now: number): void {
    if (this.lastMonitorAt === undefined) return;
    const gapMs = now - this.lastMonitorAt;
    this.lastMonitorAt = Math.max(this.lastMonitorAt, now);
    if (gapMs < this.stallThresholdMs) return;
    let restarted = 0;
    for (const h of this.health.values()) {
      if (h.suspect) continue;
      h.detector.resume(now);
      restarted++;
    }
    this.logger.warn(
      { stalledMs: Math.round(gapMs), nodes: restarted },
      'the node monitor did not run for a while (this process was paused or busy): nodes start with a fresh heartbeat',
    );
  }

  /** Every period: recompute the zones' states and judge every node again. */
  private tick(): void {
    this.noticeStall(this.now());
    if (!this.nodes.hasSynced() || !this.leases.hasSynced()) return;
    const counts = new Map<string, { ready: number; notReady: number }>();
    for (const node of this.nodes.list()) {
      const zone = zoneOf(node.metadata?.labels);
      const c = counts.get(zone) ?? { ready: 0, notReady: 0 };
      if (readyStatus(node) === 'True' && !this.health.get(node.metadata?.name ?? '')?.suspect) c.ready++;
      else c.notReady++;
      counts.set(zone, c);
    }
    const next = new Map<string, { state: ZoneState; size: number }>();
    for (const [zone, c] of counts) {
      const state = zoneState(c.ready, c.notReady, this.eviction.unhealthyZoneThreshold);
      if (this.zoneStates.get(zone)?.state !== state && (state !== 'Normal' || this.zoneStates.has(zone))) {
        this.logger.warn({ zone, state }, `controller detected that zone "${zone}" is now in state ${state}`);
      }
      next.set(zone, { state, size: c.ready + c.notReady });
    }
    const all = next.size > 0 && [...next.values()].every((z) => z.state === 'FullDisruption');
    if (all !== this.allFullyDisrupted) {
      this.logger.warn(
        all
          ? 'controller detected that all nodes are not ready; no evictions until some return'
          : 'some nodes are ready again; evictions resume',
      );
    }
    this.allFullyDisrupted = all;
    this.zoneStates = next;
    for (const node of this.nodes.list()) this.enqueue(node.metadata?.name ?? '');
  }

  protected async reconcile(nodeName: string): Promise<ReconcileResult | undefined> {
    if (!nodeName) return undefined;
    if (!this.nodes.hasSynced() || !this.leases.hasSynced() || !this.pods.hasSynced()) return { requeueAfterMs: 100 };
    const node = this.nodes.get(undefined, nodeName);
    if (!node) {
      this.health.delete(nodeName);
      const uid = this.known.get(nodeName);
      if (uid !== undefined) {
        this.known.delete(nodeName);
        this.nodeEvent(nodeName, uid, 'RemovingNode', `Removing Node ${nodeName} from Controller`);
      }
      return undefined;
    }
    // By name, as Kubernetes' classifyNodes: a node deleted and registered again before this
    // reconcile ran is the same node to it.
    const uid: string = node.metadata?.uid ?? '';
    const seen = this.known.has(nodeName);
    this.known.set(nodeName, uid);
    if (!seen) this.nodeEvent(nodeName, uid, 'RegisteredNode', `Registered Node ${nodeName} in Controller`);
    const now = this.now();
    // A reconcile may run before the monitor after a stall: check here too.
    this.noticeStall(now);
    const h = this.entry(nodeName);
    const verdict = judge(h.detector, now, this.detector);
    const wasSuspect = h.suspect;
    h.suspect = verdict.suspect;
    if (wasSuspect && !verdict.suspect) h.silenceEndedAt = h.detector.lastHeartbeatAt ?? now;
    // Marked Unknown by a previous controller (this one just started): silent until now, as far as this one knows.
    else if (!verdict.suspect && h.silenceEndedAt === undefined && readyStatus(node) === 'Unknown') h.silenceEndedAt = now;
    if (verdict.suspect !== wasSuspect) {
      this.logger[verdict.suspect ? 'warn' : 'info'](
        { node: nodeName, silentMs: Math.round(verdict.silentMs), phi: Number(verdict.phi.toFixed(2)) },
        verdict.suspect ? 'node stopped renewing its lease' : 'node is heard from again (lease renewed or status posted)',
      );
    }

    let current = node;
    if (verdict.suspect) current = await this.markUnknown(node, now);
    const ready = readyStatus(current);
    if (verdict.suspect && ready === 'Unknown') await this.markPodsNotReady(nodeName, now);
    // A node heard from again loses its unreachable NoExecute taint at once, before its agent
    // has posted Ready=True: it is reachable, and the taint would evict pods whose toleration
    // ran out meanwhile (StatefulSet pods held back while it was silent, among others).
    // NoSchedule stays until the agent reports Ready.
    await this.syncTaints(current, ready, now, !verdict.suspect && ready === 'Unknown');
    // After the taints: the taint-eviction controller also re-reads the node before deleting.
    if (verdict.suspect !== wasSuspect) this.evictions.enqueueNode(nodeName);
    return undefined;
  }

  /** Kubernetes' RecordNodeEvent: a Normal event on the Node (its uid), "Node NAME event: …". */
  private nodeEvent(name: string, uid: string, reason: string, what: string): void {
    this.recorder.normal({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid } }, reason, `Node ${name} event: ${what}`);
  }

  /**
   * Writes the agent's conditions as Unknown (once) and, when the node was Ready, records
   * NodeNotReady on it (Kubernetes records it only on the Ready → not Ready change).
   */
  private async markUnknown(node: KubeObject, now: number): Promise<KubeObject> {
    const conditions = unknownConditions(node.status?.conditions ?? [], iso(now), node.metadata?.creationTimestamp);
    if (!conditions) return node;
    const name = node.metadata?.name;
    const copy = structuredClone(node);
    copy.status = { ...(copy.status ?? {}), conditions };
    const written = await this.client.updateStatus(resources.nodes, copy);
    if (readyStatus(node) === 'True') {
      const ref = { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: node.metadata?.uid } };
      this.recorder.normal(ref, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }
    this.logger.warn({ node: name }, 'marked the node Unknown: its agent stopped posting status');
    return written;
  }

  /** Ready=False on every pod of the node, so they leave Service endpoints at once. */
  private async markPodsNotReady(nodeName: string, now: number): Promise<void> {
    for (const pod of this.pods.byIndex(NODE_NAME_INDEX, nodeName)) {
      const conditions: Record<string, any>[] = pod.status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const copy = structuredClone(pod);
      copy.status.conditions = conditions.map((c) =>
        c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: iso(now), reason: undefined, message: undefined } : c,
      );
      try {
        await this.client.updateStatus(resources.pods, copy);
        this.recorder.warning(pod, 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (isNotFound(err)) continue;
        if (isConflict(err)) throw err; // retried with a fresh cache
        throw err;
      }
    }
  }

  /**
   * NoSchedule taints follow the conditions and spec.unschedulable at once (Kubernetes'
   * doNoScheduleTaintingPass); NoExecute follows Ready at the zone's eviction rate.
   */
  private async syncTaints(node: KubeObject, ready: string | undefined, now: number, heardFromAgain = false): Promise<void> {
    const taints: Taint[] = node.spec?.taints ?? [];
    let noExecute = false;
    if (conditionTaintKey(ready) && !this.allFullyDisrupted && !heardFromAgain) {
      if (hasNoExecuteTaint(taints))
        noExecute = true; // swapping not-ready ↔ unreachable needs no token
      else {
        const zone = zoneOf(node.metadata?.labels);
        const z = this.zoneStates.get(zone) ?? { state: 'Normal' as ZoneState, size: 1 };
        const rate = zoneEvictionRate(z.state, z.size, this.allFullyDisrupted, this.eviction);
        const gate = this.gates.get(zone) ?? new EvictionGate();
        this.gates.set(zone, gate);
        noExecute = gate.take(rate, now);
      }
    }
    const next = desiredTaints(node, noExecute, taintTime(now));
    if (sameTaints(next, taints)) return;
    // A NoExecute taint lifted from a node that is heard from may have been put there by a user
    // a moment ago: the pods it condemns go first, as Kubernetes' slower pass lets them.
    const lifted = taints.filter((t) => t.effect === 'NoExecute' && !next.some((n) => n.key === t.key && n.effect === t.effect));
    if (lifted.length > 0) await this.evictions.evictBeforeLift(node);
    const copy = structuredClone(node);
    copy.spec = { ...(copy.spec ?? {}), taints: next };
    if (next.length === 0) delete copy.spec.taints;
    await this.client.update(resources.nodes, copy);
    this.logger.info({ node: node.metadata?.name, taints: next.map((t) => `${t.key}:${t.effect}`) }, 'updated the node taints');
  }
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
