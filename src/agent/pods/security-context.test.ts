import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerRunAs, runAsNonRootViolation } from './security-context.ts';

const pod = (securityContext: object = {}) => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u-1' },
  spec: { securityContext, containers: [] },
});

test('no securityContext: the runtime chooses (undefined)', () => {
  assert.equal(containerRunAs(pod(), { name: 'c' }), undefined);
});

test("the container's runAsUser and runAsGroup override the pod's; supplementalGroups and fsGroup are added", () => {
  const p = pod({ runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000, 2000], fsGroup: 2000 });
  assert.deepEqual(containerRunAs(p, { name: 'c' }), { uid: 1000, gid: 3000, supplementalGroups: [4000, 2000] });
  assert.deepEqual(containerRunAs(p, { name: 'c', securityContext: { runAsUser: 1001, runAsGroup: 0 } }), {
    uid: 1001,
    gid: 0,
    supplementalGroups: [4000, 2000],
  });
});

test('without runAsGroup the runtime picks the group; without runAsUser root runs', () => {
  assert.deepEqual(containerRunAs(pod({ runAsUser: 1000 }), { name: 'c' }), { uid: 1000, supplementalGroups: [] });
  assert.deepEqual(containerRunAs(pod({ fsGroup: 2000 }), { name: 'c' }), { uid: 0, supplementalGroups: [2000] });
});
test("runAsNonRoot: the kubelet's errors for root, nothing for another user or when not asked", () => {
  const c = { name: 'app' };
  assert.equal(runAsNonRootViolation(pod(), c, 0), undefined);
  assert.equal(
    runAsNonRootViolation(pod({ runAsNonRoot: true }), c, 0),
    'container has runAsNonRoot and image will run as root (pod: "web_default(u-1)", container: app)',
  );
  assert.equal(runAsNonRootViolation(pod({ runAsNonRoot: true }), c, 1000), undefined);
  assert.equal(runAsNonRootViolation(pod({ runAsNonRoot: true, runAsUser: 1000 }), c, 0), undefined);
  assert.equal(
    runAsNonRootViolation(pod({ runAsNonRoot: true }), { name: 'app', securityContext: { runAsUser: 0 } }, 1000),
    `container's runAsUser breaks non-root policy (pod: "web_default(u-1)", container: app)`,
  );
  assert.equal(runAsNonRootViolation(pod({ runAsNonRoot: true }), { name: 'app', securityContext: { runAsNonRoot: false } }, 0), undefined);
});
