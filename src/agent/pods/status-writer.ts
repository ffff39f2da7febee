// Writes pod statuses to the API promptly but without hammering it, like the kubelet's status
// manager: per pod at most one write in flight; changes arriving meanwhile replace the pending
// status and go out in one write right after; a status equal to what the API has is skipped.
// A status asked for with `keep` (a crashed container's terminated state, which the restart
// that follows at once would replace) is not replaced: it goes out first, the newer one after.
// Writes go through the status subresource and are retried on conflict with a fresh read.
// After a failed write (API unreachable, timed out) the pod is read again before the retry:
// the copy in hand may no longer be what the API server has (the node-lifecycle controller
// marks pods not ready while their node is silent), and comparing with it could skip the write.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { inRequestSlot } from '../limited-client.ts';
import { KUBELET_CONDITIONS, rfc3339 } from './pod-status.ts';

type Json = Record<string, any>;

/** JSON with sorted keys and without null/undefined members: equality that ignores noise. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const out: Json = {};
      for (const k of Object.keys(v).sort()) if (v[k] !== null && v[k] !== undefined) out[k] = v[k];
      return out;
    }
    return v;
  });
}

export function sameStatus(a: unknown, b: unknown): boolean {
  return canonical(a ?? {}) === canonical(b ?? {});
}

/**
 * The status to write: the stored one with the agent's fields replaced. Conditions the kubelet
 * does not own (readiness gates, DisruptionTarget, …) are kept; a condition whose status did
 * not change keeps its lastTransitionTime.
 */
export function mergePodStatus(current: Json | undefined, desired: Json, now: Date): Json {
  const old: Json = current ?? {};
  const merged: Json = { ...old, ...desired };
  const oldConditions: Json[] = Array.isArray(old.conditions) ? old.conditions : [];
  const desiredConditions: Json[] = Array.isArray(desired.conditions) ? desired.conditions : [];
  const owned = new Set(desiredConditions.map((c) => c.type));
  const kept = oldConditions.filter((c) => !KUBELET_CONDITIONS.includes(c.type) && !owned.has(c.type));
  merged.conditions = [
    ...kept,
    ...desiredConditions.map((c) => {
      if (!KUBELET_CONDITIONS.includes(c.type)) return c;
      const before = oldConditions.find((o) => o.type === c.type);
      const lastTransitionTime =
        before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : rfc3339(now);
      return { ...c, lastProbeTime: null, lastTransitionTime };
    }),
  ];
  if (!desired.initContainerStatuses) delete merged.initContainerStatuses;
  return merged;
}

function newerOf(a: KubeObject | undefined, b: KubeObject | undefined): KubeObject | undefined {
  if (!a || !b) return a ?? b;
  const ra = a.metadata?.resourceVersion ?? '';
  const rb = b.metadata?.resourceVersion ?? '';
  if (/^\d+$/.test(ra) && /^\d+$/.test(rb)) return BigInt(ra) >= BigInt(rb) ? a : b;
  return a;
}

interface Entry {
  namespace: string;
  name: string;
  uid: string;
  /** The newest copy of the pod seen (from the informer or a write's response). */
  base?: KubeObject;
  desired?: Json;
  /** When `desired` was asked for: the time of the conditions it changes. */
  desiredAt?: Date;
  /** A status that must reach the API before `desired` (set with `keep`); only the newest is kept. */
  kept?: { status: Json; at: Date };
  inflight?: Promise<void>;
  dirty: boolean;
  /** The last write failed: read the pod before comparing again. */
  stale?: boolean;
}

export interface StatusWriterOptions {
  maxConflictRetries?: number;
  /** Delay before retrying after an unexpected failure. */
  retryDelayMs?: number;
  now?: () => Date;
}

export class PodStatusWriter {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(
    private readonly client: RestClient,
    private readonly logger?: Logger,
    private readonly opts: StatusWriterOptions = {},
  ) {}

  /** Tells the writer about a newer copy of the pod (informer events), used as the write base. */
  observe(pod: KubeObject): void {
    const entry = this.entries.get(pod.metadata?.uid);
    if (entry) entry.base = newerOf(pod, entry.base);
  }

  /**
   * Asks for `status` to be written for `pod`; returns at once (see flush). With `keep`, a
   * later status does not replace it: this one is written first (an older kept one not yet
   * written is replaced, as is the pending status: this one is newer than both).
   */
  set(pod: KubeObject, status: Json, opts: { keep?: boolean } = {}): void {
    if (this.stopped) return;
    const meta = pod.metadata ?? {};
    let entry = this.entries.get(meta.uid);
    if (!entry) {
      entry = { namespace: meta.namespace, name: meta.name, uid: meta.uid, dirty: false };
      this.entries.set(meta.uid, entry);
    }
    entry.base = newerOf(pod, entry.base);
    const at = this.opts.now?.() ?? new Date();
    if (opts.keep) {
      entry.kept = { status, at };
      entry.desired = undefined;
      entry.desiredAt = undefined;
    } else {
      entry.desired = status;
      entry.desiredAt = at;
    }
    entry.dirty = true;
    if (!entry.inflight) entry.inflight = this.drain(entry);
  }

  /** Resolves once everything asked for this pod so far has been written (or given up). */
  async flush(uid: string): Promise<void> {
    for (;;) {
      const inflight = this.entries.get(uid)?.inflight;
      if (!inflight) return;
      await inflight;
    }
  }

  /** The last pod object the writer knows of (e.g. the result of its last write). */
  latest(uid: string): KubeObject | undefined {
    return this.entries.get(uid)?.base;
  }

  forget(uid: string): void {
    this.entries.delete(uid);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.entries.values()].map((e) => e.inflight));
  }

  private async drain(entry: Entry): Promise<void> {
    try {
      while (entry.dirty && !this.stopped) {
        entry.dirty = false;
        const ok = await this.writeOnce(entry).catch((err) => {
          this.logger?.warn({ pod: `${entry.namespace}/${entry.name}`, err: String(err) }, 'pod status write failed');
          return false;
        });
        if (!ok && !this.stopped && this.entries.get(entry.uid) === entry) {
          entry.dirty = true;
          entry.stale = true;
          await new Promise((r) => setTimeout(r, this.opts.retryDelayMs ?? 1000));
        }
      }
    } finally {
      entry.inflight = undefined;
    }
  }

  /** Replaces the entry's base with the API server's copy; false (and forgotten) when the pod is gone. */
  private async reread(entry: Entry): Promise<boolean> {
    try {
      const fresh = await this.client.get(resources.pods, entry.namespace, entry.name);
      if (fresh.metadata?.uid !== entry.uid) {
        this.entries.delete(entry.uid);
        return false;
      }
      entry.base = fresh;
      entry.stale = false;
      return true;
    } catch (err) {
      if (isNotFound(err)) {
        this.entries.delete(entry.uid);
        return false;
      }
      throw err;
    }
  }

  /** One write with conflict retries; false when it failed in a way worth retrying later. */
  private async writeOnce(entry: Entry): Promise<boolean> {
    const desired = entry.kept?.status ?? entry.desired;
    if (!desired) return true;
    const maxRetries = this.opts.maxConflictRetries ?? 5;
    if (entry.stale && !(await this.reread(entry))) return true;
    for (let attempt = 0; ; attempt++) {
      const base = entry.base;
      if (!base) return true;
      let written: { status: Json; at: Date } | undefined;
      try {
        // Chosen once a request slot is ours: a kept status as it was asked for, else the newest
        // status asked for (in a burst a write waits for its slot, and a pod that became Ready
        // meanwhile goes out Running and Ready in one write).
        await inRequestSlot(this.client, async (direct) => {
          const current = entry.base ?? base;
          written = entry.kept ?? { status: entry.desired ?? desired, at: entry.desiredAt ?? new Date() };
          if (!entry.kept) entry.dirty = false;
          const merged = mergePodStatus(current.status, written.status, written.at);
          if (sameStatus(current.status, merged)) return;
          const result = await direct.updateStatus(resources.pods, { ...current, status: merged });
          entry.base = newerOf(result, entry.base);
        });
        if (written && written === entry.kept) {
          entry.kept = undefined;
          // A status asked for after the kept one goes out next.
          if (entry.desired) entry.dirty = true;
        }
        return true;
      } catch (err) {
        if (isNotFound(err)) {
          this.entries.delete(entry.uid);
          return true;
        }
        if (isConflict(err) && attempt < maxRetries) {
          if (!(await this.reread(entry))) return true;
          continue;
        }
        this.logger?.warn(
          { pod: `${entry.namespace}/${entry.name}`, err: err instanceof Error ? err.message : String(err) },
          'pod status write failed',
        );
        return false;
      }
    }
  }
}
