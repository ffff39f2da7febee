import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { eventResource } from './event.ts';

const event = (extra: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web-1.17a', namespace: 'default' },
  involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{app}' },
  ...extra,
});
const messages = (o: KubeObject): string[] => (eventResource.validate?.(o) ?? []).map(formatFieldError);
const now = new Date('2024-01-01T00:10:00Z');

describe('core/v1 event', () => {
  it('requires the event namespace to match the involved object', () => {
    assert.deepEqual(messages(event({ reason: 'Started' })), []);
    assert.deepEqual(messages(event({ involvedObject: { kind: 'Pod', name: 'x', namespace: 'other' } })), [
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]);
    // Events about cluster-scoped objects go to "default".
    assert.deepEqual(messages(event({ involvedObject: { kind: 'Node', name: 'n1' } })), []);
  });

  it('requires reporting fields on new-style events', () => {
    const msgs = messages(event({ eventTime: '2024-01-01T00:00:00.000000Z' }));
    assert.deepEqual(
      msgs.filter((m) => m.includes('Required value')),
      ['reportingComponent: Required value', 'reportingInstance: Required value', 'action: Required value', 'reason: Required value'],
    );
    // Like Kubernetes, the empty component is also reported as an invalid qualified name.
    assert.ok(msgs.includes('reportingComponent: Invalid value: "": name part must be non-empty'));
    const complete = {
      eventTime: '2024-01-01T00:00:00.000000Z',
      reportingComponent: 'hale/kubelet',
      reportingInstance: 'n1',
      action: 'Pull',
      reason: 'Pulled',
    };
    assert.deepEqual(messages(event(complete)), []);
  });

  it('prints the wide row: last seen, type, reason, object, subobject, source, message, first seen, count, name', () => {
    const e = event({
      type: 'Normal',
      reason: 'Started',
      message: ' Started container app \n',
      source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: '2024-01-01T00:00:00Z',
      lastTimestamp: '2024-01-01T00:09:00Z',
      count: 3,
    });
    assert.deepEqual(eventResource.table?.row(e, now), [
      '60s',
      'Normal',
      'Started',
      'pod/web-1',
      'spec.containers{app}',
      'kubelet, n1',
      'Started container app',
      '10m',
      3,
      'web-1.17a',
    ]);
  });

  it('falls back to eventTime, series and a count of one', () => {
    const e = event({ eventTime: '2024-01-01T00:08:00.000000Z', reportingComponent: 'hale/scheduler', involvedObject: { kind: 'Node' } });
    const row = eventResource.table?.row(e, now) ?? [];
    assert.deepEqual([row[0], row[3], row[5], row[7], row[8]], ['2m', 'node', 'hale/scheduler', '2m', 1]);
    e.series = { count: 7, lastObservedTime: '2024-01-01T00:09:30.000000Z' };
    const seriesRow = eventResource.table?.row(e, now) ?? [];
    assert.deepEqual([seriesRow[0], seriesRow[8]], ['30s', 7]);
  });

  it('exposes the event field selectors', () => {
    const fields = eventResource.selectableFields?.(event({ reason: 'BackOff', type: 'Warning', source: { component: 'kubelet' } }));
    assert.equal(fields?.['involvedObject.name'], 'web-1');
    assert.equal(fields?.['involvedObject.fieldPath'], 'spec.containers{app}');
    assert.equal(fields?.source, 'kubelet');
    assert.equal(fields?.type, 'Warning');
  });
});
