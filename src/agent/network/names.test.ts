import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bridgeName, netnsName, nodeNetworkKey, vethName } from './names.ts';

test('names are short enough for Linux and distinct per node and data dir', () => {
  const key = nodeNetworkKey('node-a', '/var/lib/hale');
  assert.match(key, /^[0-9a-f]{8}$/);
  assert.notEqual(key, nodeNetworkKey('node-a', '/tmp/other'));
  assert.notEqual(key, nodeNetworkKey('node-b', '/var/lib/hale'));
  const sandbox = 'ab'.repeat(32);
  assert.ok(bridgeName(key).length <= 15);
  assert.ok(vethName(sandbox).length <= 15);
  assert.equal(netnsName(key, sandbox), `hale-${key}-${'ab'.repeat(8)}`);
});
