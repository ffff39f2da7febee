// The node heartbeat: a Lease named after the node in kube-node-lease, renewed on a short
// interval, as the kubelet's lease controller does. The node-lifecycle controller reads its
// renewTime to decide whether the node is alive.
//
// Hale renews every 1 s with leaseDurationSeconds 4 (Kubernetes: 10 s and 40 s) so a dead
// node is noticed within seconds; both are flags. Writes are conditional on the
// resourceVersion; a conflict re-reads the Lease and tries again at once, and other failures
// retry with a short back-off instead of waiting a whole interval.
//
// Each request has its own short time limit (half the lease duration, at least 500 ms): in a
// partition a request hangs rather than fails, and a renewal stuck for the whole duration
// would let the Lease expire although the next attempt, on a fresh connection, might get
// through. A timeout also makes the client drop its idle connections and silent watches.
//
// The Lease's holderIdentity is the agent's identity (the id kept in its data dir), not the
// node name: an agent renews only a Lease it holds. It takes over a Lease held by another
// identity only before it has held it itself, and only once that Lease has expired (the
// registrar has just checked the same). Once it has held the Lease, finding another holder
// means another agent took the node name over while this one was frozen or cut off: it stops
// for good (`onLost`), and never renews again, so that its fence is never lifted.
import type { KubeObject } from '../../api/resource-type.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/api-error.ts';
import { type Clock, realClock, sleep } from '../../client/clock.ts';
import { type Lease, microTime } from '../../client/leader-election.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLeaseOptions {
  nodeName: string;
  /** Written as holderIdentity; the agent's id (default: the node name). */
  holderIdentity?: string;
  /**
   * Called once when the Lease is found held by another identity: the heartbeat has stopped
   * for good. The agent must keep (or raise) its fence and stop writing the Node.
   */
  onLost?: (holder: string) => void;
  /** Default 4 (Kubernetes: 40). */
  leaseDurationSeconds?: number;
  /** Default 1000 (Kubernetes: 10 000, a quarter of the duration). */
  renewIntervalMs?: number;
  /** The Node's uid once known, for the Lease's owner reference (the Lease goes when the Node does). */
  nodeUid?: () => string | undefined;
  clock?: Clock;
  logger?: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
  /** Called after every successful renewal with the time the request was sent (fencing, tests, metrics). */
  onRenew?: (lease: Lease, sentAt: number) => void;
  /** Called when a renewal attempt failed (timed out, refused, unreachable). */
  onRenewFailed?: (err: unknown) => void;
}

const FIRST_RETRY_MS = 200;

/** The node's Lease is held by another agent: this one has been replaced and must not renew it. */
export class NodeLeaseLostError extends Error {
  constructor(
    readonly nodeName: string,
    readonly holder: string,
  ) {
    super(
      `the lease of node "${nodeName}" is held by another agent (${holder}): this agent was replaced under the same node name ` +
        'and stops renewing the lease and writing the node',
    );
  }
}
const MIN_REQUEST_TIMEOUT_MS = 500;

export class NodeLeaseHeartbeat {
  private readonly abort = new AbortController();
  private readonly clock: Clock;
  private readonly durationSeconds: number;
  private readonly intervalMs: number;
  private readonly requestTimeoutMs: number;
  private readonly identity: string;
  private latest?: Lease;
  private loop?: Promise<void>;
  /** This heartbeat has renewed the Lease at least once. */
  private held = false;
  private lost?: NodeLeaseLostError;

  constructor(
    private readonly client: RestClient,
    private readonly opts: NodeLeaseOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.durationSeconds = opts.leaseDurationSeconds ?? 4;
    this.intervalMs = opts.renewIntervalMs ?? 1000;
    this.requestTimeoutMs = Math.max((this.durationSeconds * 1000) / 2, MIN_REQUEST_TIMEOUT_MS);
    this.identity = opts.holderIdentity ?? opts.nodeName;
  }

  /** Set once the Lease was found held by another agent. */
  get lostTo(): string | undefined {
    return this.lost?.holder;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('node lease heartbeat stopped'));
    await this.loop;
  }

  /** Creates or renews the Lease once; throws when the API refuses, or NodeLeaseLostError once replaced. */
  async renew(): Promise<Lease> {
    if (this.lost) throw this.lost;
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(Math.max(this.durationSeconds * 1000, 1000))]);
    for (let attempt = 0; ; attempt++) {
      const current = this.latest ?? (await this.read(signal));
      if (current) this.checkHolder(current);
      const sentAt = this.clock.now();
      try {
        const timeoutMs = this.requestTimeoutMs;
        const lease = current
          ? await this.client.update<Lease>(resources.leases, this.renewed(current), { signal, timeoutMs })
          : await this.client.create<Lease>(resources.leases, NODE_LEASE_NAMESPACE, this.renewed(undefined), { signal, timeoutMs });
        this.latest = lease;
        this.held = true;
        this.opts.onRenew?.(lease, sentAt);
        return lease;
      } catch (err) {
        this.latest = undefined;
        if (err instanceof NodeLeaseLostError) throw err;
        // Someone else wrote the Lease (or removed it): read it again and retry once at once.
        if (attempt === 0 && (isConflict(err) || isNotFound(err) || isAlreadyExists(err))) continue;
        throw err;
      }
    }
  }

  /** Throws (and stops the heartbeat for good) when `current` may not be renewed by this agent. */
  private checkHolder(current: Lease): void {
    const holder = current.spec?.holderIdentity ?? '';
    // Empty: released; the node name: written by an agent of an earlier version (upgrade).
    if (holder === this.identity || holder === '' || holder === this.opts.nodeName) return;
    if (!this.held) {
      const renewed = Date.parse(current.spec?.renewTime ?? '');
      const durationMs = Number(current.spec?.leaseDurationSeconds ?? this.durationSeconds) * 1000;
      // Before this agent has held it: a previous agent's expired Lease is taken over.
      if (Number.isNaN(renewed) || this.clock.now() - renewed > durationMs) return;
    }
    this.lost = new NodeLeaseLostError(this.opts.nodeName, holder);
    this.latest = undefined;
    this.abort.abort(this.lost);
    this.opts.onLost?.(holder);
    throw this.lost;
  }

  private async read(signal: AbortSignal): Promise<Lease | undefined> {
    try {
      return await this.client.get<Lease>(resources.leases, NODE_LEASE_NAMESPACE, this.opts.nodeName, {
        signal,
        timeoutMs: this.requestTimeoutMs,
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A copy of `current` (or a new Lease) held by this node and renewed now. */
  private renewed(current: Lease | undefined): Lease {
    const lease: Lease = current
      ? structuredClone(current)
      : { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.nodeName, namespace: NODE_LEASE_NAMESPACE } };
    lease.spec = {
      ...lease.spec,
      holderIdentity: this.identity,
      leaseDurationSeconds: this.durationSeconds,
      renewTime: microTime(this.clock.now()),
    };
    const uid = this.opts.nodeUid?.();
    if (uid) {
      lease.metadata ??= {};
      const meta = lease.metadata;
      const others = (meta.ownerReferences ?? []).filter((r: KubeObject) => !(r.kind === 'Node' && r.apiVersion === 'v1'));
      meta.ownerReferences = [...others, { apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid }];
    }
    return lease;
  }

  private async run(): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    while (!this.abort.signal.aborted) {
      let waitMs = this.intervalMs;
      try {
        await this.renew();
        retryMs = FIRST_RETRY_MS;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.opts.onRenewFailed?.(err);
        this.opts.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'failed to renew the node lease');
        waitMs = Math.min(retryMs, this.intervalMs);
        retryMs = Math.min(retryMs * 2, 7000);
      }
      try {
        await sleep(this.clock, waitMs, this.abort.signal);
      } catch {
        return;
      }
    }
  }
}
