import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import {
  nodeShouldRunDaemonPod,
  pinToNode,
  podFitsNodeAffinity,
  targetNodeName,
  toleratesTaint,
  withDaemonTolerations,
} from './node-eligibility.ts';

const node = (name: string, labels: Record<string, string> = {}, taints: KubeObject[] = []): KubeObject => ({
  metadata: { name, labels },
  spec: { taints },
});

const ds = (podSpec: KubeObject): KubeObject => ({ spec: { template: { spec: { containers: [{ name: 'c' }], ...podSpec } } } });

describe('tolerations', () => {
  test('toleratesTaint follows Equal/Exists and empty key/effect wildcards', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    assert.ok(toleratesTaint({ key: 'k', value: 'v', effect: 'NoSchedule' }, taint));
    assert.ok(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, taint));
    assert.ok(!toleratesTaint({ key: 'k', value: 'other' }, taint));
    assert.ok(toleratesTaint({ key: 'k', operator: 'Exists' }, taint));
    assert.ok(toleratesTaint({ operator: 'Exists' }, taint));
    assert.ok(!toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint));
    assert.ok(!toleratesTaint({ key: 'x', operator: 'Exists' }, taint));
  });

  test('daemon tolerations are added once, plus network-unavailable for host networking', () => {
    const base = withDaemonTolerations({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }] });
    assert.equal(base.filter((t) => t.key === 'node.kubernetes.io/not-ready').length, 1);
    assert.equal(base.length, 6);
    const host = withDaemonTolerations({ hostNetwork: true });
    assert.ok(host.some((t) => t.key === 'node.kubernetes.io/network-unavailable' && t.effect === 'NoSchedule'));
  });
});

describe('node affinity', () => {
  test('nodeSelector and required terms (ORed terms, ANDed requirements, fields)', () => {
    const n = node('n1', { zone: 'a', size: '8' });
    assert.ok(podFitsNodeAffinity({ nodeSelector: { zone: 'a' } }, n));
    assert.ok(!podFitsNodeAffinity({ nodeSelector: { zone: 'b' } }, n));
    const affinity = (terms: KubeObject[]) => ({
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
    });
    assert.ok(
      podFitsNodeAffinity(
        affinity([
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] },
          { matchExpressions: [{ key: 'size', operator: 'Gt', values: ['4'] }] },
        ]),
        n,
      ),
    );
    assert.ok(
      !podFitsNodeAffinity(
        affinity([
          {
            matchExpressions: [
              { key: 'zone', operator: 'In', values: ['a'] },
              { key: 'gpu', operator: 'Exists' },
            ],
          },
        ]),
        n,
      ),
    );
    assert.ok(
      podFitsNodeAffinity(
        affinity([
          {
            matchExpressions: [
              { key: 'gpu', operator: 'DoesNotExist' },
              { key: 'zone', operator: 'NotIn', values: ['b'] },
            ],
          },
        ]),
        n,
      ),
    );
    assert.ok(podFitsNodeAffinity(affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]), n));
    assert.ok(!podFitsNodeAffinity(affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }]), n));
    assert.ok(!podFitsNodeAffinity(affinity([{}]), n), 'an empty term matches nothing');
    assert.ok(!podFitsNodeAffinity(affinity([]), n));
  });

  test('pinToNode replaces the required terms and keeps the rest; targetNodeName reads it back', () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: {} }],
      },
      podAntiAffinity: { x: 1 },
    };
    const pinned = pinToNode(affinity, 'n7');
    assert.deepEqual(pinned.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] },
    ]);
    assert.equal(pinned.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution.length, 1);
    assert.deepEqual(pinned.podAntiAffinity, { x: 1 });
    assert.equal(affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions?.length, 1);
    assert.equal(targetNodeName({ spec: { affinity: pinned } }), 'n7');
    assert.equal(targetNodeName({ spec: { nodeName: 'bound', affinity: pinned } }), 'bound');
    assert.equal(targetNodeName({ spec: { affinity } }), undefined);
    assert.equal(targetNodeName({ spec: {} }), undefined);
  });
});

describe('nodeShouldRunDaemonPod', () => {
  test('selector and nodeName mismatches rule a node out entirely', () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1', { a: '1' }), ds({ nodeSelector: { a: '2' } })), {
      shouldRun: false,
      shouldContinueRunning: false,
    });
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1'), ds({ nodeName: 'n2' })), { shouldRun: false, shouldContinueRunning: false });
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1'), ds({})), { shouldRun: true, shouldContinueRunning: true });
  });

  test('NoSchedule taints stop new pods only; NoExecute taints evict; daemon tolerations apply', () => {
    const noSchedule = node('n', {}, [{ key: 'dedicated', effect: 'NoSchedule' }]);
    assert.deepEqual(nodeShouldRunDaemonPod(noSchedule, ds({})), { shouldRun: false, shouldContinueRunning: true });
    const noExecute = node('n', {}, [{ key: 'dedicated', effect: 'NoExecute' }]);
    assert.deepEqual(nodeShouldRunDaemonPod(noExecute, ds({})), { shouldRun: false, shouldContinueRunning: false });
    const tolerated = ds({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] });
    assert.deepEqual(nodeShouldRunDaemonPod(noExecute, tolerated), { shouldRun: true, shouldContinueRunning: true });
    const troubled = node('n', {}, [
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
    ]);
    assert.deepEqual(nodeShouldRunDaemonPod(troubled, ds({})), { shouldRun: true, shouldContinueRunning: true });
    // not-ready:NoSchedule is not among the automatic tolerations.
    const notReady = node('n', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
    assert.deepEqual(nodeShouldRunDaemonPod(notReady, ds({})), { shouldRun: false, shouldContinueRunning: true });
    assert.equal(
      nodeShouldRunDaemonPod(
        node('n', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]),
        ds({ hostNetwork: true }),
      ).shouldRun,
      true,
    );
  });
});
