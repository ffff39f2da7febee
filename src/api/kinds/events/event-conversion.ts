// events.k8s.io/v1 Event ⇄ core/v1 Event (the stored form). The two are the same object
// under different field names: regarding/involvedObject, note/message, the deprecated*
// fields/source, firstTimestamp, lastTimestamp, count, reportingController/reportingComponent.
import type { KubeObject } from '../../resource-type.ts';

const omitEmpty = (obj: KubeObject): KubeObject => {
  for (const key of Object.keys(obj)) if (obj[key] === undefined || obj[key] === null || obj[key] === '') delete obj[key];
  return obj;
};

const isEmptySource = (source: KubeObject | undefined): boolean => !source || (!source.component && !source.host);

/** A core/v1 Event from an events.k8s.io/v1 Event. */
export function eventsV1ToCore(ev: KubeObject): KubeObject {
  const core: KubeObject = omitEmpty({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: ev.metadata,
    involvedObject: ev.regarding ?? {},
    reason: ev.reason,
    message: ev.note,
    source: isEmptySource(ev.deprecatedSource) ? undefined : ev.deprecatedSource,
    firstTimestamp: ev.deprecatedFirstTimestamp,
    lastTimestamp: ev.deprecatedLastTimestamp,
    count: ev.deprecatedCount || undefined,
    type: ev.type,
    eventTime: ev.eventTime,
    series: ev.series,
    action: ev.action,
    related: ev.related,
    reportingComponent: ev.reportingController,
    reportingInstance: ev.reportingInstance,
  });
  // core/v1 always has an involvedObject, even when empty.
  core.involvedObject ??= {};
  return core;
}

/** An events.k8s.io/v1 Event from a stored core/v1 Event. */
export function coreToEventsV1(core: KubeObject): KubeObject {
  const regarding = core.involvedObject && Object.keys(core.involvedObject).length > 0 ? core.involvedObject : undefined;
  const ev = omitEmpty({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: core.metadata,
    series: core.series,
    reportingController: core.reportingComponent,
    reportingInstance: core.reportingInstance,
    action: core.action,
    reason: core.reason,
    regarding,
    related: core.related,
    note: core.message,
    type: core.type,
    deprecatedSource: isEmptySource(core.source) ? undefined : core.source,
    deprecatedFirstTimestamp: core.firstTimestamp,
    deprecatedLastTimestamp: core.lastTimestamp,
    deprecatedCount: core.count || undefined,
  });
  // eventTime is never omitted in this API: old-style events show it as null.
  return { ...ev, eventTime: core.eventTime ?? null };
}
