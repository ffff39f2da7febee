import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { eventsV1 } from './event.ts';
import { coreToEventsV1, eventsV1ToCore } from './event-conversion.ts';

const newEvent = (extra: KubeObject = {}): KubeObject => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'web.1', namespace: 'default', creationTimestamp: '2025-01-01T00:00:00Z' },
  eventTime: '2025-01-01T00:00:00.000000Z',
  reportingController: 'hale.dev/kubelet',
  reportingInstance: 'kubelet-node1',
  action: 'Started',
  reason: 'Started',
  regarding: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1' },
  note: 'Started container web',
  type: 'Normal',
  ...extra,
});

test('events.k8s.io and core/v1 events convert into each other', () => {
  const core = eventsV1ToCore(newEvent({ series: { count: 3, lastObservedTime: '2025-01-01T00:05:00.000000Z' } }));
  assert.equal(core.apiVersion, 'v1');
  assert.deepEqual(core.involvedObject, { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1' });
  assert.equal(core.message, 'Started container web');
  assert.equal(core.reportingComponent, 'hale.dev/kubelet');
  assert.equal(core.reportingInstance, 'kubelet-node1');
  assert.deepEqual(core.series, { count: 3, lastObservedTime: '2025-01-01T00:05:00.000000Z' });
  const back = coreToEventsV1(core);
  assert.deepEqual(back, newEvent({ series: { count: 3, lastObservedTime: '2025-01-01T00:05:00.000000Z' } }));
});

test('old-style core events map onto the deprecated fields', () => {
  const v1 = coreToEventsV1({
    metadata: { name: 'x', namespace: 'default' },
    involvedObject: { kind: 'Node', name: 'n1' },
    reason: 'NodeReady',
    message: 'ready',
    source: { component: 'kubelet', host: 'n1' },
    firstTimestamp: '2025-01-01T00:00:00Z',
    lastTimestamp: '2025-01-01T00:01:00Z',
    count: 2,
    type: 'Normal',
  });
  assert.deepEqual(v1.deprecatedSource, { component: 'kubelet', host: 'n1' });
  assert.equal(v1.deprecatedCount, 2);
  assert.equal(v1.deprecatedFirstTimestamp, '2025-01-01T00:00:00Z');
  assert.equal(v1.note, 'ready');
  assert.equal(v1.eventTime, null);
});

test('new events are validated strictly', () => {
  assert.deepEqual(eventsV1.validate!(newEvent()), []);
  const bad = newEvent({
    type: 'Odd',
    reportingController: '',
    deprecatedCount: 4,
    series: { count: 1, lastObservedTime: '2025-01-01T00:00:00Z' },
  });
  const errs = eventsV1.validate!(bad);
  // Like Kubernetes, an empty reporter also fails the qualified-name check.
  assert.deepEqual([...new Set(errs.map((e) => e.field))], ['reportingController', 'series.count', 'type', 'deprecatedCount']);
  assert.equal(
    formatFieldErrors(errs.slice(-3)),
    '[series.count: Invalid value: "": should be at least 2, type: Invalid value: "": has invalid value: Odd, deprecatedCount: Invalid value: "": needs to be unset]',
  );
});

test('the table and field selectors use the core printer on the converted event', () => {
  const row = eventsV1.table!.row(newEvent(), new Date('2025-01-01T00:00:30Z'));
  assert.deepEqual(row, [
    '30s',
    'Normal',
    'Started',
    'pod/web',
    '',
    'hale.dev/kubelet, kubelet-node1',
    'Started container web',
    '30s',
    1,
    'web.1',
  ]);
  assert.equal(eventsV1.selectableFields!(newEvent())['regarding.name'], 'web');
  assert.equal(eventsV1.selectableFields!({}).reportingController, '');
});

test('events.k8s.io/v1 events share the short name ev with core/v1, as kubectl api-resources shows', () => {
  assert.deepEqual(eventsV1.shortNames, ['ev']);
});
