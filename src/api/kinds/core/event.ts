// core/v1 Event: reports about other objects. Validation follows Kubernetes' legacy rules
// for core/v1 (namespace agreement; required fields only for new-style events with eventTime).
import { type FieldError, invalid, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { isDNS1123Subdomain, isQualifiedName } from '../../validation/names.ts';
import { column, nameColumn } from './print-helpers.ts';
import '../../definitions/core-v1.ts';

const REASON_LIMIT = 128;
const ACTION_LIMIT = 128;
const REPORTING_INSTANCE_LIMIT = 128;
const NOTE_LIMIT = 1024;

const mismatch = (ev: KubeObject): FieldError =>
  invalid('involvedObject.namespace', ev.involvedObject?.namespace ?? '', 'does not match event.namespace');

function validate(ev: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const namespace: string = ev.metadata?.namespace ?? '';
  const involvedNamespace: string = ev.involvedObject?.namespace ?? '';
  const byteLen = (v: unknown): number => Buffer.byteLength(String(v ?? ''), 'utf8');
  if (!ev.eventTime) {
    // Old-style events: events about cluster-scoped objects live in "default".
    if (!involvedNamespace) {
      if (namespace !== '' && namespace !== 'default') errs.push(mismatch(ev));
    } else if (namespace !== involvedNamespace) {
      errs.push(mismatch(ev));
    }
  } else {
    if (!involvedNamespace && namespace !== 'default' && namespace !== 'kube-system') errs.push(mismatch(ev));
    const controller: string = ev.reportingComponent ?? '';
    if (!controller) errs.push(required('reportingComponent'));
    for (const msg of isQualifiedName(controller)) errs.push(invalid('reportingComponent', controller, msg));
    if (!ev.reportingInstance) errs.push(required('reportingInstance'));
    if (byteLen(ev.reportingInstance) > REPORTING_INSTANCE_LIMIT) {
      errs.push(invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    }
    if (!ev.action) errs.push(required('action'));
    if (byteLen(ev.action) > ACTION_LIMIT) errs.push(invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
    if (!ev.reason) errs.push(required('reason'));
    if (byteLen(ev.reason) > REASON_LIMIT) errs.push(invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
    if (byteLen(ev.message) > NOTE_LIMIT) errs.push(invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  for (const msg of isDNS1123Subdomain(namespace)) errs.push(invalid('namespace', namespace, msg));
  return errs;
}

/** formatEventSource: component (or reportingComponent), then ", host" when known. */
export function eventSource(ev: KubeObject): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** The cells of printEvent (wide form: the server always sends every column). */
function eventRow(ev: KubeObject, now: Date): (string | number)[] {
  const firstSeen = ev.firstTimestamp ? age(ev.firstTimestamp, now) : age(ev.eventTime, now);
  let lastSeen = ev.lastTimestamp ? age(ev.lastTimestamp, now) : firstSeen;
  let count: number = ev.count ?? 0;
  if (ev.series) {
    lastSeen = age(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    // New-style singleton events carry no count.
    count = 1;
  }
  const kind = String(ev.involvedObject?.kind ?? '').toLowerCase();
  const target = ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
  return [
    lastSeen,
    ev.type ?? '',
    ev.reason ?? '',
    target,
    ev.involvedObject?.fieldPath ?? '',
    eventSource(ev),
    String(ev.message ?? '').trim(),
    firstSeen,
    count,
    ev.metadata?.name ?? '',
  ];
}

export const eventResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  schema: 'io.k8s.api.core.v1.Event',
  generation: false,
  validate,
  selectableFields: (ev) => ({
    'involvedObject.kind': ev.involvedObject?.kind ?? '',
    'involvedObject.namespace': ev.involvedObject?.namespace ?? '',
    'involvedObject.name': ev.involvedObject?.name ?? '',
    'involvedObject.uid': ev.involvedObject?.uid ?? '',
    'involvedObject.apiVersion': ev.involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': ev.involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': ev.involvedObject?.fieldPath ?? '',
    reason: ev.reason ?? '',
    reportingComponent: ev.reportingComponent ?? '',
    source: ev.source?.component ?? '',
    type: ev.type ?? '',
  }),
  table: {
    columns: [
      column('Last Seen', 'When the event was last seen.'),
      column('Type', 'Normal or Warning.'),
      column('Reason', 'Short reason for the event.'),
      column('Object', 'The object the event is about.'),
      column('Subobject', 'Part of the object the event is about.', 1),
      column('Source', 'Component that reported the event.', 1),
      column('Message', 'Description of the event.'),
      column('First Seen', 'When the event was first seen.', 1),
      column('Count', 'How many times the event happened.', 1),
      { ...nameColumn, priority: 1 },
    ],
    row: eventRow,
  },
};
