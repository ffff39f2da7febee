// The two limits Kubernetes' event correlator (client-go tools/record) puts on what one
// source may say about one object, kept per involved object so that an event costs one
// lookup here:
//  - the spam filter: a token bucket per source and object, 25 events at once and then one
//    more every five minutes; an event beyond it is dropped (an object that stays unhealthy
//    must not flood the API server with events about it);
//  - aggregation: once 10 events of the same type and reason but different messages have
//    been seen with no ten-minute pause between them, the rest are folded into one Event
//    whose message is "(combined from similar events): <latest message>".
// Deduplication of identical events (count and lastTimestamp) is the recorder's own.
// Memory is bounded as in client-go: least-recently-used caches of 4096 entries.

export const spamBurst = 25;
export const spamRefillMs = 5 * 60 * 1000;
export const aggregateMaxEvents = 10;
export const aggregateIntervalMs = 10 * 60 * 1000;
export const maxCacheEntries = 4096;

export function combinedMessage(message: string): string {
  return `(combined from similar events): ${message}`;
}

/** A Map of at most `max` entries that forgets the least recently used one. */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }
}

interface SimilarEvents {
  /** Messages seen (at most aggregateMaxEvents - 1 are kept). */
  messages: Set<string>;
  at: number;
}

interface ObjectRecord {
  /** Token bucket: tokens left at `at`. */
  tokens: number;
  at: number;
  /** By "type|reason". Reasons are a small fixed vocabulary, so this stays small. */
  similar: Map<string, SimilarEvents>;
}

/** What to do with one event. */
export interface Correlation {
  /** Write it as "(combined from similar events): …", counted on one Event per type and reason. */
  combine: boolean;
  /** Over the spam filter's budget: do not write it. */
  drop: boolean;
}

export class EventCorrelator {
  private readonly objects: LruMap<string, ObjectRecord>;

  constructor(
    private readonly burst = spamBurst,
    private readonly refillMs = spamRefillMs,
    private readonly maxEvents = aggregateMaxEvents,
    private readonly intervalMs = aggregateIntervalMs,
    cacheEntries = maxCacheEntries,
  ) {
    this.objects = new LruMap(cacheEntries);
  }

  /**
   * `objectKey` names the involved object (the source is the correlator's owner), `similarKey`
   * the event's type and reason; `now` in milliseconds.
   */
  correlate(objectKey: string, similarKey: string, message: string, now: number): Correlation {
    let obj = this.objects.get(objectKey);
    if (!obj) {
      obj = { tokens: this.burst, at: now, similar: new Map() };
      this.objects.set(objectKey, obj);
    }

    // Aggregation (client-go's EventAggregator): the window slides with each similar event.
    let similar = obj.similar.get(similarKey);
    if (!similar || now - similar.at > this.intervalMs) {
      similar = { messages: new Set(), at: now };
      obj.similar.set(similarKey, similar);
    }
    similar.messages.add(message);
    similar.at = now;
    const combine = similar.messages.size >= this.maxEvents;
    // Do not grow the set past the limit: forget one message (client-go pops any).
    if (combine) similar.messages.delete(similar.messages.values().next().value as string);

    // Spam filter (client-go's EventSourceObjectSpamFilter): every event takes a token,
    // repeats of an existing Event included.
    obj.tokens = Math.min(this.burst, obj.tokens + Math.max(0, now - obj.at) / this.refillMs);
    obj.at = now;
    const drop = obj.tokens < 1;
    if (!drop) obj.tokens -= 1;
    return { combine, drop };
  }
}
