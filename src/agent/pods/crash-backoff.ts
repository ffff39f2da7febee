// CrashLoopBackOff bookkeeping, as the kubelet's flowcontrol back-off does it: the first restart
// of a crashed container is immediate, then the delay starts at 10 s and doubles up to 5 min.
// A container that finished long after the last back-off step (2 × max, i.e. 10 minutes with
// the defaults) starts over. The per-pod annotation `hale.dev/restart-backoff` tunes it, e.g.
// "initial=1s,max=30s" (and optionally "reset=2m"); malformed values fall back to the defaults.
import type { KubeObject } from '../../api/resource-type.ts';

export const RESTART_BACKOFF_ANNOTATION = 'hale.dev/restart-backoff';

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
  /** A finish this long after the last back-off step resets the delay. */
  resetMs: number;
}

export const defaultBackoffSettings: BackoffSettings = { initialMs: 10_000, maxMs: 300_000, resetMs: 600_000 };

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go-style duration ("1s", "500ms", "1m30s"); undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, , unit] of trimmed.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * unitMs[unit];
  return total;
}

/** Formats milliseconds the way Go prints a time.Duration ("10s", "2m40s", "5m0s", "500ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let seconds = ms / 1000;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const secText = `${Number.isInteger(seconds) ? seconds : Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secText}`;
  if (minutes > 0) return `${minutes}m${secText}`;
  return secText;
}

/** The pod's back-off settings: defaults, overridden by the annotation's valid parts. */
export function backoffSettingsFor(pod: KubeObject, defaults: BackoffSettings = defaultBackoffSettings): BackoffSettings {
  const text = pod.metadata?.annotations?.[RESTART_BACKOFF_ANNOTATION];
  if (typeof text !== 'string') return defaults;
  const parsed: Partial<BackoffSettings> = {};
  for (const part of text.split(',')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    const ms = value === undefined ? undefined : parseDuration(value);
    if (ms === undefined) continue;
    if (key === 'initial' && ms >= 0) parsed.initialMs = ms;
    else if (key === 'max' && ms >= 0) parsed.maxMs = ms;
    else if (key === 'reset' && ms > 0) parsed.resetMs = ms;
  }
  const initialMs = parsed.initialMs ?? defaults.initialMs;
  const maxMs = Math.max(parsed.maxMs ?? Math.max(defaults.maxMs, initialMs), initialMs);
  // Like the kubelet, forgetting happens after twice the maximum unless told otherwise.
  const resetMs = parsed.resetMs ?? (parsed.maxMs !== undefined ? 2 * maxMs : defaults.resetMs);
  return { initialMs, maxMs, resetMs };
}

/**
 * How soon a pod with a container in CrashLoopBackOff is synced again. In the kubelet (1.33)
 * the back-off fails the pod's sync: kubelet.SyncPod's exemption for "only back-off failures"
 * never applies (the result also holds the sandbox-config step, whose error is nil; see
 * kubernetes#123602), so podWorkers.completeWork requeues the pod after
 * wait.Jitter(backOffPeriod = 10 s, 0.5), i.e. 10–15 s (picked up by the sync loop's 1 s tick),
 * instead of after the --sync-frequency resync (1 m, jittered to 1–1.5 m). The PLEG (a 1 s
 * relist) adds a sync only when a container changes state, which a waiting one does not. Every
 * one of those syncs records a BackOff event (doBackOff), hence "BackOff (x7 over 2m)".
 */
export const BACKOFF_RESYNC_MS = 10_000;
const BACKOFF_RESYNC_JITTER = 0.5;

/** wait.Jitter(BACKOFF_RESYNC_MS, 0.5): 10 s plus up to half of it. */
export function backoffResyncMs(random: () => number = Math.random): number {
  return BACKOFF_RESYNC_MS * (1 + BACKOFF_RESYNC_JITTER * random());
}

interface Entry {
  delayMs: number;
  /** Finish time of the crash that set delayMs. */
  lastUpdate: number;
}

export class CrashBackoff {
  private readonly entries = new Map<string, Entry>();

  /**
   * Milliseconds still to wait before restarting the container that finished at `finishedAt`,
   * or 0 when it may restart now. Does not change state.
   */
  remainingMs(key: string, finishedAt: number, now: number, settings: BackoffSettings): number {
    const entry = this.entries.get(key);
    // A container that ran stably since the last back-off step restarts at once.
    if (!entry || finishedAt - entry.lastUpdate > settings.resetMs) return 0;
    return Math.max(0, finishedAt + entry.delayMs - now);
  }

  /** The current delay (for the "back-off 20s restarting failed container" message). */
  currentDelayMs(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Records a restart of the container that finished at `finishedAt`: the next crash waits longer. */
  next(key: string, finishedAt: number, settings: BackoffSettings): void {
    const entry = this.entries.get(key);
    if (!entry || finishedAt - entry.lastUpdate > settings.resetMs) {
      this.entries.set(key, { delayMs: settings.initialMs, lastUpdate: finishedAt });
      return;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, settings.maxMs);
    entry.lastUpdate = finishedAt;
  }

  /** Forgets a container's (or with a prefix, a pod's) back-off. */
  forgetPrefix(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
