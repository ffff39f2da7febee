import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeCidrSet, parseCidr } from './cidr-set.ts';

test('a /16 holds 256 node /24s, addressed by index', () => {
  const set = new NodeCidrSet('10.42.0.0/16', 24);
  assert.equal(set.size, 256);
  assert.equal(set.blockAt(0), '10.42.0.0/24');
  assert.equal(set.blockAt(255), '10.42.255.0/24');
  assert.equal(set.indexOf('10.42.7.0/24'), 7);
  assert.equal(set.indexOf('10.42.7.0/25'), undefined);
  assert.equal(set.indexOf('10.43.0.0/24'), undefined);
  assert.equal(set.indexOf('garbage'), undefined);
});

test('firstFree skips taken ranges and reports exhaustion', () => {
  const set = new NodeCidrSet('10.9.0.0/23', 24);
  assert.equal(set.firstFree(new Set([0])), 1);
  assert.equal(set.firstFree(new Set([0, 1])), undefined);
});

test('bad settings are refused with a readable message', () => {
  assert.throws(() => new NodeCidrSet('10.42.0.0/16', 8), /must be between/);
  assert.throws(() => parseCidr('10.42.0.0'), /invalid CIDR/);
});
