import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerFieldPath } from './container-field-path.ts';

test('names the container list the container is in, as the kubelet does', () => {
  const pod = {
    spec: { initContainers: [{ name: 'init' }], containers: [{ name: 'app' }], ephemeralContainers: [{ name: 'debug' }] },
  };
  assert.equal(containerFieldPath(pod, 'app'), 'spec.containers{app}');
  assert.equal(containerFieldPath(pod, 'init'), 'spec.initContainers{init}');
  assert.equal(containerFieldPath(pod, 'debug'), 'spec.ephemeralContainers{debug}');
  assert.equal(containerFieldPath(pod, 'gone'), undefined);
  assert.equal(containerFieldPath({}, 'app'), undefined);
});
