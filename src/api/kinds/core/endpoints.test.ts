import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { endpointsResource, formatEndpoints } from './endpoints.ts';

const ep = (subsets?: unknown[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'web', namespace: 'default' },
  subsets,
});
const messages = (o: KubeObject): string[] => (endpointsResource.validate?.(o) ?? []).map(formatFieldError);

describe('endpoints', () => {
  it('formats up to three endpoints, then a count of the rest', () => {
    assert.equal(formatEndpoints(ep()), '<none>');
    const addresses = ['10.0.0.1', '10.0.0.2'].map((ip) => ({ ip }));
    assert.equal(formatEndpoints(ep([{ addresses, ports: [{ port: 80 }] }])), '10.0.0.1:80,10.0.0.2:80');
    const four = ep([{ addresses: [...addresses, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 80 }] }]);
    assert.equal(formatEndpoints(four), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...');
    assert.equal(formatEndpoints(ep([{ addresses: [{ ip: 'fd00::1' }] }])), 'fd00::1');
    assert.equal(formatEndpoints(ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 8080 }] }])), '[fd00::1]:8080');
    assert.equal(formatEndpoints(ep([{ notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ port: 80 }] }])), '');
  });

  it('defaults port protocols and validates addresses and ports', () => {
    const o = ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]);
    endpointsResource.defaults?.(o);
    assert.equal(o.subsets[0].ports[0].protocol, 'TCP');
    assert.deepEqual(messages(o), []);
    assert.deepEqual(messages(ep([{ ports: [{ port: 80, protocol: 'TCP' }] }])), [
      'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
    ]);
    assert.deepEqual(messages(ep([{ addresses: [{ ip: '0.0.0.0' }], ports: [{ port: 0, protocol: 'TCP' }] }])), [
      'subsets[0].addresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
      'subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    ]);
  });

  it('uses the ep short name and the Name, Endpoints, Age columns', () => {
    assert.deepEqual(endpointsResource.shortNames, ['ep']);
    assert.deepEqual(
      endpointsResource.table?.columns.map((c) => c.name),
      ['Name', 'Endpoints', 'Age'],
    );
  });
});
