import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inCidr } from './service-routes.ts';

test('inCidr decides which ClusterIPs the service CIDR route already covers', () => {
  assert.equal(inCidr('10.43.0.1', '10.43.0.0/16'), true);
  assert.equal(inCidr('10.43.255.254', '10.43.0.0/16'), true);
  assert.equal(inCidr('10.44.0.1', '10.43.0.0/16'), false);
  assert.equal(inCidr('10.187.3.4', '10.187.0.0/16'), true);
  assert.equal(inCidr('192.168.1.7', '192.168.1.7/32'), true);
  assert.equal(inCidr('192.168.1.8', '192.168.1.7/32'), false);
  assert.equal(inCidr('1.2.3.4', '0.0.0.0/0'), true);
});
