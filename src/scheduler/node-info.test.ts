import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeInfo, podInfo } from './plugins/fixtures.ts';

test('the cpu and memory fast paths agree with the resource maps as pods come and go', () => {
  const node = nodeInfo({ name: 'n', cpu: '4', memory: '8Gi' });
  const agree = () => {
    for (const name of ['cpu', 'memory', 'example.com/gpu']) {
      const allocatable = node.allocatable.get(name) ?? 0;
      const requested = node.requested.get(name) ?? 0;
      assert.equal(node.allocatableOf(name), allocatable, name);
      assert.equal(node.requestedOf(name), requested, name);
      assert.equal(node.free(name), allocatable - requested, name);
    }
  };
  agree();
  const a = podInfo({ cpu: '500m', memory: '1Gi' });
  const b = podInfo({ cpu: '1' });
  node.addPod(a);
  node.addPod(b);
  agree();
  assert.equal(node.free('cpu'), 2500);
  node.addPod(a); // the same pod again replaces itself
  node.removePod(b);
  agree();
  assert.equal(node.requestedOf('memory'), 1024 ** 3);
  node.removePod(a);
  agree();
  assert.equal(node.requestedOf('cpu'), 0);
});
