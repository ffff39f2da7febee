// Lease-based leader election (coordination.k8s.io/v1), following client-go: candidates
// race to write their identity into one Lease with optimistic concurrency; the holder
// renews it every retryPeriod and steps down when it cannot renew within renewDeadline;
// the others take over once they have seen the lease unchanged for leaseDuration.
//
// Safety depends on leaseDuration > retryPeriod + renewDeadline: a leader that loses
// contact stops leading before any other candidate may consider the lease expired.
// Expiry is judged by when *this* process last saw the record change, never by comparing
// timestamps written by another machine, so clock skew between nodes does not matter.
import type { KubeObject } from '../api/resource-type.ts';
import { isAlreadyExists, isConflict, isNotFound } from './api-error.ts';
import { type Clock, realClock, sleep } from './clock.ts';
import { resources } from './resources.ts';
import type { RestClient } from './rest-client.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** The Lease operations election needs; restLeaseClient() implements them over the API. */
export interface LeaseClient {
  /** Resolves undefined when the Lease does not exist. */
  get(namespace: string, name: string, signal?: AbortSignal): Promise<Lease | undefined>;
  /** Rejects with AlreadyExists when another candidate created it first. */
  create(lease: Lease, signal?: AbortSignal): Promise<Lease>;
  /** Conditional on metadata.resourceVersion: rejects with Conflict when stale. */
  update(lease: Lease, signal?: AbortSignal): Promise<Lease>;
}

export function restLeaseClient(client: RestClient): LeaseClient {
  return {
    async get(namespace, name, signal) {
      try {
        return await client.get<Lease>(resources.leases, namespace, name, { signal });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    create: (lease, signal) => client.create<Lease>(resources.leases, lease.metadata?.namespace, lease, { signal }),
    update: (lease, signal) => client.update<Lease>(resources.leases, lease, { signal }),
  };
}

export interface LeaderCallbacks {
  /** Start leader-only work; stop it when the signal aborts (leadership lost or stop()). */
  onStartedLeading(signal: AbortSignal): void;
  /** Called after leading ends, once per onStartedLeading. */
  onStoppedLeading(): void;
  /** The observed holder changed (including to ourselves). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  /** Unique per process (e.g. hostname + random suffix). */
  identity: string;
  /** How long others wait, after the lease last changed, before taking it. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a failed renewal before it steps down. Default 10 s. */
  renewDeadlineMs?: number;
  /** Interval between attempts. Default 2 s. */
  retryPeriodMs?: number;
  /** Give the lease up on stop() so a successor need not wait for it to expire. Default true. */
  releaseOnCancel?: boolean;
  callbacks: LeaderCallbacks;
  clock?: Clock;
  random?: () => number;
  logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

const JITTER = 1.2;

type Attempt = 'acquired' | 'held-by-other' | 'failed';

export class LeaderElector {
  private readonly client: LeaseClient;
  private readonly config: Required<Omit<LeaderElectionConfig, 'logger'>> & Pick<LeaderElectionConfig, 'logger'>;
  private readonly stopController = new AbortController();
  private leading = false;
  private observedRecord?: LeaseSpec;
  private observedAt = 0;
  private observedLeader = '';
  private loop?: Promise<void>;

  constructor(client: LeaseClient, config: LeaderElectionConfig) {
    this.client = client;
    this.config = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnCancel: true,
      clock: realClock,
      random: Math.random,
      ...config,
    };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs, identity } = this.config;
    if (!identity) throw new Error('leader election: identity must not be empty');
    if (leaseDurationMs <= renewDeadlineMs) throw new Error('leader election: leaseDuration must be greater than renewDeadline');
    if (renewDeadlineMs <= JITTER * retryPeriodMs)
      throw new Error(`leader election: renewDeadline must be greater than retryPeriod*${JITTER}`);
    if (leaseDurationMs < 1000) throw new Error('leader election: leaseDuration must be at least 1 s (Leases count whole seconds)');
  }

  /** Campaigns until stop(): leads while it can, and campaigns again after losing the lease. */
  start(): void {
    if (!this.loop && !this.stopped) this.loop = this.run();
  }

  /** Stops campaigning; a leader steps down (and releases the lease unless configured not to). */
  async stop(): Promise<void> {
    this.stopController.abort(new Error('leader election stopped'));
    await this.loop;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder this elector last saw in the Lease ('' when none). */
  getLeader(): string {
    return this.observedLeader;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.acquire())) break;
      const leadership = new AbortController();
      this.leading = true;
      this.config.logger?.info({ lease: this.leaseName(), identity: this.config.identity }, 'became leader');
      this.safely('onStartedLeading', () => this.config.callbacks.onStartedLeading(leadership.signal));
      await this.renewUntilLost();
      this.leading = false;
      leadership.abort(new Error('leadership lost'));
      if (this.stopped && this.config.releaseOnCancel) await this.release();
      this.config.logger?.info({ lease: this.leaseName(), identity: this.config.identity }, 'stopped leading');
      this.safely('onStoppedLeading', () => this.config.callbacks.onStoppedLeading());
    }
  }

  /** Tries every retryPeriod (jittered) until the lease is ours; false when stopped first. */
  private async acquire(): Promise<boolean> {
    while (!this.stopped) {
      if ((await this.attempt(this.stopController.signal)) === 'acquired') return true;
      const wait = this.config.retryPeriodMs * (1 + (JITTER - 1) * this.config.random());
      try {
        await sleep(this.config.clock, wait, this.stopController.signal);
      } catch {
        return false;
      }
    }
    return false;
  }

  /** Renews every retryPeriod; returns when a renewal window of renewDeadline passes without success, or on stop. */
  private async renewUntilLost(): Promise<void> {
    const { clock, retryPeriodMs, renewDeadlineMs } = this.config;
    while (!this.stopped) {
      try {
        await sleep(clock, retryPeriodMs, this.stopController.signal);
      } catch {
        return;
      }
      const windowEnd = clock.now() + renewDeadlineMs;
      for (;;) {
        const remaining = windowEnd - clock.now();
        if (this.stopped) return;
        if (remaining <= 0) {
          this.config.logger?.warn({ lease: this.leaseName() }, 'failed to renew the lease within the renew deadline');
          return;
        }
        const result = await this.attemptWithin(remaining);
        if (result === 'acquired') break;
        if (result === 'held-by-other') return;
        try {
          await sleep(clock, Math.min(retryPeriodMs, Math.max(0, windowEnd - clock.now())), this.stopController.signal);
        } catch {
          return;
        }
      }
    }
  }

  /** One attempt that gives up after ms even if the API call hangs. */
  private async attemptWithin(ms: number): Promise<Attempt> {
    const timeout = new AbortController();
    const timer = this.config.clock.setTimer(() => timeout.abort(new Error('lease renewal timed out')), ms);
    const signal = AbortSignal.any([timeout.signal, this.stopController.signal]);
    const gaveUp = new Promise<Attempt>((resolve) => signal.addEventListener('abort', () => resolve('failed'), { once: true }));
    try {
      return await Promise.race([this.attempt(signal), gaveUp]);
    } finally {
      timer.cancel();
      timeout.abort();
    }
  }

  /** client-go's tryAcquireOrRenew. */
  private async attempt(signal: AbortSignal): Promise<Attempt> {
    const { clock, identity, namespace, name } = this.config;
    const leaseDurationSeconds = Math.round(this.config.leaseDurationMs / 1000);
    try {
      const now = clock.now();
      const current = await this.client.get(namespace, name, signal);
      if (!current) {
        const spec: LeaseSpec = {
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        };
        await this.client.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { namespace, name }, spec }, signal);
        this.observe(spec, clock.now());
        return 'acquired';
      }

      const record = current.spec ?? {};
      if (!sameRecord(record, this.observedRecord)) this.observe(record, clock.now());
      const holder = record.holderIdentity ?? '';
      const validForMs = (record.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
      if (holder !== '' && holder !== identity && this.observedAt + validForMs > clock.now()) return 'held-by-other';

      const renewing = holder === identity;
      const spec: LeaseSpec = {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: renewing && record.acquireTime ? record.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: renewing ? (record.leaseTransitions ?? 0) : (record.leaseTransitions ?? 0) + 1,
      };
      await this.client.update({ ...current, spec: { ...current.spec, ...spec } }, signal);
      this.observe(spec, clock.now());
      return 'acquired';
    } catch (err) {
      // Another candidate won the race (409) or the API is unreachable: try again later.
      if (!isConflict(err) && !isAlreadyExists(err) && !signal.aborted) {
        this.config.logger?.warn({ lease: this.leaseName(), err: String(err) }, 'lease attempt failed');
      }
      return 'failed';
    }
  }

  /** Gives the lease up: an empty holder lets a successor acquire it at once. */
  private async release(): Promise<void> {
    const { namespace, name, identity, clock, renewDeadlineMs } = this.config;
    const signal = AbortSignal.timeout(renewDeadlineMs);
    try {
      const current = await this.client.get(namespace, name, signal);
      if (!current || current.spec?.holderIdentity !== identity) return;
      const now = microTime(clock.now());
      const spec: LeaseSpec = { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now };
      await this.client.update({ ...current, spec }, signal);
      this.observe(spec, clock.now());
    } catch (err) {
      this.config.logger?.warn({ lease: this.leaseName(), err: String(err) }, 'failed to release the lease');
    }
  }

  private observe(record: LeaseSpec, at: number): void {
    this.observedRecord = { ...record };
    this.observedAt = at;
    const holder = record.holderIdentity ?? '';
    if (holder !== this.observedLeader) {
      this.observedLeader = holder;
      if (holder) this.safely('onNewLeader', () => this.config.callbacks.onNewLeader?.(holder));
    }
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.config.logger?.warn({ lease: this.leaseName(), callback: what, err: String(err) }, 'leader election callback threw');
    }
  }

  private leaseName(): string {
    return `${this.config.namespace}/${this.config.name}`;
  }
}

function sameRecord(a: LeaseSpec, b: LeaseSpec | undefined): boolean {
  return (
    !!b &&
    (a.holderIdentity ?? '') === (b.holderIdentity ?? '') &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    (a.leaseTransitions ?? 0) === (b.leaseTransitions ?? 0)
  );
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits, e.g. 2026-01-01T00:00:00.123000Z. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
