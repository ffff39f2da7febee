// Keeps the Node's status true to the machine: capacity and allocatable, addresses, nodeInfo,
// the agent's port and the conditions it owns (Ready and the three pressures from live
// readings), like the kubelet's node status loop.
//
// Status is computed every `statusUpdateIntervalMs` (and at once on setReady or when someone
// else changes the conditions this agent owns, e.g. the node-lifecycle controller marking
// them Unknown), but written only when something other than heartbeat times changed, or
// when `statusReportIntervalMs` has passed since the last write; the Lease is the frequent
// liveness signal. Requests that arrive while a sync runs collapse into one follow-up sync.
// After a failed write, or when the agent regains the API server after an outage, the Node
// is read again before comparing: the copy in hand may predate changes others made meanwhile
// (the node-lifecycle controller marking it Unknown), and comparing with it would skip the
// write that sets the truth back.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { metaTime } from '../../api/meta-time.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import type { Clock, TimerHandle } from '../../client/clock.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import type { HostInfo } from './host-info.ts';
import type { NodeReadings } from './host-readings.ts';
import { type NodeCondition, nextNodeConditions, OWNED_CONDITION_TYPES, withoutHeartbeats } from './node-conditions.ts';
import { type EvictionThresholds, nodeAddresses, nodeCapacity, nodeSystemInfo, type Reservations } from './node-object.ts';
import { AGENT_ID_ANNOTATION, type NodeRegistration, registerNodeWithRetry } from './node-registrar.ts';

export interface NodeStatusReporterOptions {
  client: RestClient;
  nodeName: string;
  dataDir: string;
  agentPort: number;
  /** nodeInfo.containerRuntimeVersion, e.g. "process://0.1.0". */
  runtimeVersion: string;
  host: HostInfo;
  readings: NodeReadings;
  maxPods: number;
  reservations: Reservations;
  eviction: EvictionThresholds;
  /** A pressure condition stays True this long after its threshold was last crossed (kubelet: 5 min). */
  pressureTransitionPeriodMs: number;
  statusUpdateIntervalMs: number;
  statusReportIntervalMs: number;
  /** Labels and annotations the agent owns (see node-registrar.ts). */
  registration: Omit<NodeRegistration, 'status'>;
  /** Shown in Ready's message while ready (e.g. resource limits not enforced). */
  readyWarning?: string;
  initiallyReady: boolean;
  clock: Clock;
  logger: Logger;
  /** Records a node status event ("Node x status is now: <reason>"). */
  recordEvent: (reason: string) => void;
  /**
   * Called once (and the reporter stops writing) when the Node names another agent
   * (hale.dev/agent-id): that agent took the node name over while this one was away.
   */
  onReplaced?: (otherAgentId: string) => void;
}

export interface NodeStatusStats {
  /** Status computations (periodic, requested, retried). */
  syncs: number;
  /** Status writes that reached the API server. */
  statusWrites: number;
}

type Pressure = 'memory' | 'disk' | 'pid';

const MAX_WRITE_ATTEMPTS = 5;

/** metav1.Time: RFC 3339 in whole seconds. */
export function rfc3339(ms: number): string {
  return metaTime(ms);
}

export class NodeStatusReporter {
  readonly stats: NodeStatusStats = { syncs: 0, statusWrites: 0 };
  private ready: boolean;
  private notReadyMessage?: string;
  private current?: KubeObject;
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private readonly lastPressureAt: Partial<Record<Pressure, number>> = {};
  private pending = false;
  private draining?: Promise<void>;
  private stopped = false;
  private readonly abort = new AbortController();
  private tickTimer?: TimerHandle;
  private retryTimer?: TimerHandle;
  private failures = 0;
  /** The Node in hand may differ from the API server's: read it before the next comparison. */
  private stale = false;
  /**
   * Counts Nodes the watch delivered. One that arrives while a request is in flight may be
   * newer than the request's answer (the node-lifecycle controller can mark the node Unknown
   * right after our write, and its event can overtake our write's response): the answer must
   * not replace it, or the next comparison would find nothing to correct.
   */
  private observations = 0;

  constructor(private readonly opts: NodeStatusReporterOptions) {
    this.ready = opts.initiallyReady;
  }

  /** The Node as last read or written. */
  get node(): KubeObject | undefined {
    return this.current;
  }

  /** Registers (or adopts) the Node and brings its status up to date; retries until the API answers. */
  async register(): Promise<KubeObject> {
    // At start an error no retry can fix (bad token, CA, node name) ends the agent, as the
    // kubelet exits on bad credentials; later (the Node deleted) it retries as for the rest.
    const created = await this.registerOnce(true);
    // An adopted Node's status is stale by definition: report now.
    if (!created) await this.requestSync();
    return this.current!;
  }

  /** Creates or adopts the Node; true when it was created (with its status already written). */
  private async registerOnce(first = false): Promise<boolean> {
    const initial = this.computeStatus(undefined, this.opts.clock.now());
    const { node, created, warning } = await registerNodeWithRetry(
      this.opts.client,
      { ...this.opts.registration, status: initial.status },
      {
        signal: this.abort.signal,
        clock: this.opts.clock,
        failOnPermanentErrors: first,
        onError: (err) => this.opts.logger.warn({ err: errorText(err) }, 'unable to register the node with the API server; retrying'),
      },
    );
    this.current = node;
    if (warning) this.opts.logger.warn(warning);
    if (created) {
      this.lastReportAt = this.opts.clock.now();
      this.stats.statusWrites++;
      for (const reason of initial.events) this.opts.recordEvent(reason);
      this.opts.logger.info('registered the node');
    } else {
      this.lastReportAt = Number.NEGATIVE_INFINITY;
      this.opts.logger.info({ uid: node.metadata?.uid }, 'adopted the existing node');
    }
    return created;
  }

  /** Starts the periodic status loop. */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      void this.requestSync();
      this.tickTimer = this.opts.clock.setTimer(tick, this.opts.statusUpdateIntervalMs);
    };
    this.tickTimer = this.opts.clock.setTimer(tick, this.opts.statusUpdateIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort(new Error('node status reporter stopped'));
    this.tickTimer?.cancel();
    this.retryTimer?.cancel();
    await this.draining;
  }

  /** Ready or not, and why not (Ready's message); the change is written at once. */
  setReady(ready: boolean, reason?: string): Promise<void> {
    this.ready = ready;
    this.notReadyMessage = ready ? undefined : reason;
    return this.requestSync();
  }

  /** The API server was unreachable for a while: read the Node again and write the truth. */
  resyncAfterOutage(): Promise<void> {
    this.stale = true;
    return this.requestSync();
  }

  /** Stops for good when `node` names another agent; true then. */
  private replacedIn(node: KubeObject): boolean {
    const ours = this.opts.registration.annotations[AGENT_ID_ANNOTATION];
    const theirs = node.metadata?.annotations?.[AGENT_ID_ANNOTATION];
    if (!ours || !theirs || ours === theirs) return false;
    if (!this.stopped) {
      void this.stop();
      this.opts.onReplaced?.(theirs);
    }
    return true;
  }

  /** The Node as the API server now has it (from a watch): resync when others changed our conditions. */
  observe(node: KubeObject | undefined): void {
    if (this.stopped) return;
    if (node && this.replacedIn(node)) return;
    if (!node) {
      this.current = undefined;
      void this.requestSync();
      return;
    }
    const ours = (n: KubeObject | undefined) =>
      withoutHeartbeats((n?.status?.conditions ?? []).filter((c: NodeCondition) => OWNED_CONDITION_TYPES.includes(c.type)));
    const changedByOthers = !isDeepStrictEqual(ours(node), ours(this.current));
    this.current = node;
    this.observations++;
    if (changedByOthers) void this.requestSync();
  }

  /** Computes the status and writes it if needed; concurrent requests share one follow-up sync. */
  requestSync(): Promise<void> {
    this.pending = true;
    this.draining ??= (async () => {
      try {
        while (this.pending && !this.stopped) {
          this.pending = false;
          try {
            await this.syncOnce();
            this.failures = 0;
          } catch (err) {
            if (this.stopped) return;
            this.stale = true;
            this.failures++;
            const delay = Math.min(500 * 2 ** (this.failures - 1), this.opts.statusUpdateIntervalMs);
            this.opts.logger.warn({ err: errorText(err), retryInMs: delay }, 'unable to update the node status');
            this.retryTimer?.cancel();
            this.retryTimer = this.opts.clock.setTimer(() => void this.requestSync(), delay);
          }
        }
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  private async syncOnce(): Promise<void> {
    const { client, nodeName } = this.opts;
    const signal = this.abort.signal;
    for (let attempt = 0; ; attempt++) {
      this.stats.syncs++;
      let node = attempt === 0 && !this.stale ? this.current : undefined;
      const observationsBefore = this.observations;
      if (!node) {
        try {
          node = await client.get(resources.nodes, undefined, nodeName, { signal });
          this.stale = false;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          // Deleted while this agent runs: the agent is still here, so the node comes back.
          this.opts.logger.warn('the node was deleted; registering it again');
          this.current = undefined;
          if (await this.registerOnce()) return;
          continue;
        }
        if (this.observations === observationsBefore) this.current = node;
      }
      if (this.replacedIn(node)) return;
      const now = this.opts.clock.now();
      const next = this.computeStatus(node.status, now);
      const reportDue = now - this.lastReportAt >= this.opts.statusReportIntervalMs;
      if (!reportDue && sameIgnoringHeartbeats(node.status, next.status)) return;
      try {
        const written = await client.updateStatus(resources.nodes, { ...node, status: next.status }, { signal });
        if (this.observations === observationsBefore) this.current = written;
        this.lastReportAt = now;
        this.stats.statusWrites++;
        for (const reason of next.events) this.opts.recordEvent(reason);
        return;
      } catch (err) {
        if (!(isConflict(err) || isNotFound(err)) || attempt + 1 >= MAX_WRITE_ATTEMPTS) throw err;
        this.current = undefined;
      }
    }
  }

  /** The status to report on top of `previous` (fields the agent does not own are kept). */
  private computeStatus(previous: Record<string, any> | undefined, now: number): { status: Record<string, any>; events: string[] } {
    const { readings, eviction } = this.opts;
    const memory = readings.memory();
    const filesystem = readings.filesystem(this.opts.dataDir);
    const pids = readings.pids();
    const memoryPressure = this.pressure('memory', memory.availableBytes < eviction.memoryAvailableBytes, now);
    const diskPressure = this.pressure(
      'disk',
      filesystem.totalBytes > 0 && filesystem.availableBytes < (filesystem.totalBytes * eviction.nodefsAvailablePercent) / 100,
      now,
    );
    const pidPressure = this.pressure('pid', pids.max > 0 && pids.max - pids.inUse < (pids.max * eviction.pidAvailablePercent) / 100, now);
    const { conditions, events } = nextNodeConditions(
      previous?.conditions ?? [],
      {
        ready: this.ready,
        notReadyMessage: this.notReadyMessage,
        readyWarning: this.opts.readyWarning,
        memoryPressure,
        diskPressure,
        pidPressure,
      },
      rfc3339(now),
    );
    const { capacity, allocatable } = nodeCapacity(
      { cpuCount: readings.cpuCount(), memory, filesystem, maxPods: this.opts.maxPods },
      this.opts.reservations,
      eviction,
    );
    const status = {
      ...(previous ?? {}),
      capacity,
      allocatable,
      conditions,
      addresses: nodeAddresses(this.opts.nodeName, this.opts.host),
      daemonEndpoints: { kubeletEndpoint: { Port: this.opts.agentPort } },
      nodeInfo: nodeSystemInfo(this.opts.host, this.opts.runtimeVersion, memory.swapTotalBytes),
    };
    return { status, events };
  }

  /** Pressure holds for the transition period after the threshold was last crossed, so it does not flap. */
  private pressure(kind: Pressure, observed: boolean, now: number): boolean {
    if (observed) {
      this.lastPressureAt[kind] = now;
      return true;
    }
    const last = this.lastPressureAt[kind];
    return last !== undefined && now - last < this.opts.pressureTransitionPeriodMs;
  }
}

function sameIgnoringHeartbeats(a: Record<string, any> | undefined, b: Record<string, any>): boolean {
  const strip = (s: Record<string, any> | undefined) => ({ ...(s ?? {}), conditions: withoutHeartbeats(s?.conditions) });
  return isDeepStrictEqual(strip(a), strip(b));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
