// events.k8s.io/v1 Event: the newer view of core/v1 Events, stored as core/v1 Events.
// Creation through this API follows the strict rules Kubernetes applies to new-style events.
import { type FieldError, invalid, required } from '../../field-errors.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateImmutableField } from '../apps/workload-validation.ts';
import { eventResource } from '../core/event.ts';
import { coreToEventsV1, eventsV1ToCore } from './event-conversion.ts';

const coreTable = eventResource.table!;

/** Strict events.k8s.io validation, on top of the core/v1 rules. */
export function validateEventsV1(ev: KubeObject): FieldError[] {
  const core = eventsV1ToCore(ev);
  // The core rules name the reporter "reportingComponent"; this API calls it reportingController.
  const errs = (eventResource.validate?.(core) ?? []).map((e) =>
    e.field === 'reportingComponent' ? { ...e, field: 'reportingController' } : e,
  );
  if (ev.series) {
    if (!(ev.series.count >= 2)) errs.push(invalid('series.count', '', 'should be at least 2'));
    if (!ev.series.lastObservedTime) errs.push(required('series.lastObservedTime', ''));
  }
  if (!ev.eventTime) errs.push(required('eventTime', ''));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${ev.type ?? ''}`));
  if (ev.deprecatedFirstTimestamp) errs.push(invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (ev.deprecatedLastTimestamp) errs.push(invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (ev.deprecatedCount) errs.push(invalid('deprecatedCount', '', 'needs to be unset'));
  if (ev.deprecatedSource?.component || ev.deprecatedSource?.host) errs.push(invalid('deprecatedSource', '', 'needs to be unset'));
  return errs;
}

/** Everything but the series, the metadata and the object itself is fixed once written. */
export function validateEventsV1Update(ev: KubeObject, old: KubeObject): FieldError[] {
  const now = eventsV1ToCore(ev);
  const before = eventsV1ToCore(old);
  const fixed = [
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance',
  ];
  return fixed.flatMap((key) => validateImmutableField(now[key], before[key], key === 'reportingComponent' ? 'reportingController' : key));
}

export const eventsV1: ResourceType = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  // One storage under both groups, so Kubernetes' discovery gives both the short name.
  shortNames: ['ev'],
  schema: 'io.k8s.api.events.v1.Event',
  generation: false,
  storage: { group: '', resource: 'events' },
  toStorage: eventsV1ToCore,
  fromStorage: coreToEventsV1,
  validate: validateEventsV1,
  validateUpdate: validateEventsV1Update,
  // Field selectors use this API's names for the fields core/v1 selects on.
  selectableFields: (ev) => ({
    'regarding.kind': ev.regarding?.kind ?? '',
    'regarding.namespace': ev.regarding?.namespace ?? '',
    'regarding.name': ev.regarding?.name ?? '',
    'regarding.uid': ev.regarding?.uid ?? '',
    'regarding.apiVersion': ev.regarding?.apiVersion ?? '',
    'regarding.resourceVersion': ev.regarding?.resourceVersion ?? '',
    'regarding.fieldPath': ev.regarding?.fieldPath ?? '',
    reason: ev.reason ?? '',
    reportingController: ev.reportingController ?? '',
    type: ev.type ?? '',
  }),
  table: {
    columns: coreTable.columns,
    row: (ev, now) => coreTable.row(eventsV1ToCore(ev), now),
  },
};
