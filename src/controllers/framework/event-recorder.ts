// Writes core/v1 Events for actions users want to see in `kubectl describe` and
// `kubectl get events` (SuccessfulCreate, ScalingReplicaSet, Scheduled, …), correlated as
// Kubernetes' client-go does (tools/record): repeats of the same event within ten minutes
// update one Event's count and lastTimestamp; from the tenth event about an object with the
// same type and reason but another message, they are combined into one Event
// ("(combined from similar events): …"); and each object gets a budget of 25 events at once,
// then one more every five minutes, beyond which events are dropped (event-correlator.ts).
// Recording never blocks or fails the caller.
import type { Logger } from 'pino';
import { metaTime } from '../../api/meta-time.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { combinedMessage, EventCorrelator, LruMap, maxCacheEntries } from './event-correlator.ts';

export type EventType = 'Normal' | 'Warning';

const aggregationWindowMs = 10 * 60 * 1000;

/** One event to write, after correlation: `key` is its deduplication key, `now` in ms. */
interface Occurrence {
  key: string;
  obj: KubeObject;
  type: EventType;
  reason: string;
  message: string;
  fieldPath?: string;
  now: number;
}

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  at: number;
  /** Settles once the Event exists (true) or could not be created (false). */
  created: Promise<boolean>;
}

function timestamp(d = new Date()): string {
  return metaTime(d);
}

let lastNanos = 0n;

/**
 * `ms` in nanoseconds since the epoch, strictly increasing within this thread. The clock has
 * milliseconds: random sub-millisecond digits keep two processes that name an Event of the
 * same object in the same millisecond (the scheduler and the agent) from colliding.
 */
function eventNanos(ms: number): bigint {
  const nanos = BigInt(ms) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  lastNanos = nanos > lastNanos ? nanos : lastNanos + 1n;
  return lastNanos;
}

/**
 * Kubernetes' event name: the object's name and the time in hex nanoseconds. A list is ordered
 * by name, so an object's Events come in the order they happened; `kubectl describe` keeps
 * that order between Events of the same second (their timestamps have whole seconds).
 */
function eventName(objectName: string, nanos: bigint): string {
  return `${objectName}.${nanos.toString(16)}`;
}

export class EventRecorder {
  /** The Event written for each distinct event (by its key), to count repeats on. */
  private readonly recent = new LruMap<string, Recorded>(maxCacheEntries);
  private readonly correlator = new EventCorrelator();

  constructor(
    private readonly client: RestClient,
    /** source.component / reportingController, e.g. "deployment-controller". */
    private readonly component: string,
    private readonly logger?: Logger,
    private readonly host?: string,
  ) {}

  /**
   * Record an event about `obj` (or the part of it `fieldPath` names, e.g. the kubelet's
   * `spec.containers{app}`); returns when written (callers may ignore the promise).
   */
  async event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
    const meta = obj.metadata ?? {};
    const now = Date.now();
    // client-go's keys: the spam filter's is the source and the object; aggregation's adds the
    // type and reason; deduplication's adds the field path and the message (the source is
    // this recorder's).
    const objectKey = `${obj.kind}|${meta.namespace ?? ''}|${meta.name}|${meta.uid}`;
    const similarKey = `${type}|${reason}`;
    const { combine, drop } = this.correlator.correlate(objectKey, similarKey, message, now);
    const key = combine ? `${objectKey}|${similarKey}|combined` : `${objectKey}|${similarKey}|${fieldPath ?? ''}|${message}`;
    const text = combine ? combinedMessage(message) : message;
    let previous = this.recent.get(key);
    if (previous && now - previous.at >= aggregationWindowMs) previous = undefined;
    // A dropped repeat still counts, as in client-go: the next write carries the whole count.
    if (previous) {
      previous.count++;
      previous.at = now;
    }
    if (drop) return;
    const occurrence: Occurrence = { key, obj, type, reason, message: text, fieldPath, now };
    return previous ? this.update(previous, occurrence) : this.create(occurrence);
  }

  normal(obj: KubeObject, reason: string, message: string, fieldPath?: string): void {
    void this.event(obj, 'Normal', reason, message, fieldPath);
  }

  warning(obj: KubeObject, reason: string, message: string, fieldPath?: string): void {
    void this.event(obj, 'Warning', reason, message, fieldPath);
  }

  private async update(previous: Recorded, occurrence: Occurrence): Promise<void> {
    const { key, reason, message, now } = occurrence;
    // The first one may still be on its way (writes can queue behind more urgent ones): a
    // repeat counts on it rather than making an Event of its own.
    if (!(await previous.created)) {
      // Its create failed: count on the Event another repeat has started since, or start one.
      const current = this.recent.get(key);
      if (!current) return this.create(occurrence);
      current.count++;
      current.at = now;
      return this.update(current, occurrence);
    }
    try {
      await this.client.patch(
        resources.events,
        previous.namespace,
        previous.name,
        // The message too: a combined Event shows the latest of the events it stands for.
        { count: previous.count, lastTimestamp: timestamp(new Date(now)), message },
        'merge',
      );
    } catch (err) {
      // The Event may have been removed (TTL, namespace deletion): start a new one next time.
      if (this.recent.get(key) === previous) this.recent.delete(key);
      this.logger?.debug({ err: err instanceof Error ? err.message : String(err), reason }, 'could not record event');
    }
  }

  private async create(occurrence: Occurrence): Promise<void> {
    const { key, obj, type, reason, message, fieldPath, now } = occurrence;
    const meta = obj.metadata ?? {};
    // Events of cluster-scoped objects live in "default", as in Kubernetes.
    const namespace = meta.namespace || 'default';
    const name = eventName(String(meta.name), eventNanos(now));
    const ts = timestamp(new Date(now));
    let settle!: (created: boolean) => void;
    const record: Recorded = {
      name,
      namespace,
      count: 1,
      firstTimestamp: ts,
      at: now,
      created: new Promise((r) => (settle = r)),
    };
    this.recent.set(key, record);
    try {
      await this.client.create(resources.events, namespace, {
        metadata: { name, namespace },
        involvedObject: {
          kind: obj.kind,
          namespace: meta.namespace,
          name: meta.name,
          uid: meta.uid,
          apiVersion: obj.apiVersion,
          resourceVersion: meta.resourceVersion,
          ...(fieldPath ? { fieldPath } : {}),
        },
        reason,
        message,
        type,
        source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        reportingComponent: this.component,
        reportingInstance: this.host ?? '',
      });
      settle(true);
    } catch (err) {
      if (this.recent.get(key) === record) this.recent.delete(key);
      settle(false);
      this.logger?.debug({ err: err instanceof Error ? err.message : String(err), reason }, 'could not record event');
    }
  }
}
