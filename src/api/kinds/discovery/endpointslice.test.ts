import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { endpointSlices } from './endpointslice.ts';

const slice = (extra: KubeObject = {}): KubeObject => ({
  metadata: { name: 'web-abcde', creationTimestamp: '2025-01-01T00:00:00Z' },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['127.0.0.2'] }],
  ports: [{ port: 80 }],
  ...extra,
});

test('ports default to name "" and protocol TCP, and loopback addresses are accepted', () => {
  const obj = slice();
  endpointSlices.defaults!(obj);
  assert.deepEqual(obj.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
  assert.deepEqual(endpointSlices.validate!(obj), []);
});

test('no endpoints or ports are null, as Go serves a nil list without omitempty', () => {
  const empty = slice({ endpoints: [], ports: [] });
  endpointSlices.defaults!(empty);
  assert.equal(empty.endpoints, null);
  assert.equal(empty.ports, null);
  assert.deepEqual(endpointSlices.validate!(empty), []);
  const missing: KubeObject = { metadata: { name: 'x' }, addressType: 'IPv4' };
  endpointSlices.defaults!(missing);
  assert.deepEqual([missing.endpoints, missing.ports], [null, null]);
  // Stored before this was so.
  const stored = endpointSlices.fromStorage!(slice({ endpoints: [], ports: [] }));
  assert.deepEqual([stored.endpoints, stored.ports], [null, null]);
  assert.deepEqual(endpointSlices.fromStorage!(slice()).endpoints, slice().endpoints);
});

test('addresses must fit the address type and port names must be unique', () => {
  const obj = slice({
    endpoints: [{ addresses: ['fe80::1'] }, { addresses: [] }],
    ports: [
      { name: 'http', port: 80 },
      { name: 'http', port: 81 },
    ],
  });
  endpointSlices.defaults!(obj);
  assert.equal(
    formatFieldErrors(endpointSlices.validate!(obj)),
    '[endpoints[0].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address, endpoints[1].addresses: Required value: must contain at least 1 address, ports[1].name: Duplicate value: "http"]',
  );
  const ipx = slice({ addressType: 'IPX' });
  endpointSlices.defaults!(ipx);
  assert.equal(
    formatFieldErrors(endpointSlices.validate!(ipx)),
    'addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"',
  );
});

test('the address type is immutable', () => {
  assert.equal(
    formatFieldErrors(endpointSlices.validateUpdate!(slice({ addressType: 'IPv6' }), slice())),
    'addressType: Invalid value: "IPv6": field is immutable',
  );
});

test('table cells follow printEndpointSlice', () => {
  const obj = slice({
    endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }],
    ports: [{ port: 80 }, { name: 'metrics' }],
  });
  assert.deepEqual(endpointSlices.table!.row(obj, new Date('2025-01-01T00:01:00Z')), [
    'web-abcde',
    'IPv4',
    '80,metrics',
    '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...',
    '60s',
  ]);
  assert.deepEqual(endpointSlices.table!.row(slice({ endpoints: [], ports: [] }), new Date()).slice(2, 4), ['<unset>', '<unset>']);
});
