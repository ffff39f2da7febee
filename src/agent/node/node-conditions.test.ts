import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ConditionInputs,
  type NodeCondition,
  nextNodeConditions,
  nodeStatusEventMessage,
  withoutHeartbeats,
} from './node-conditions.ts';

const healthy: ConditionInputs = { ready: true, memoryPressure: false, diskPressure: false, pidPressure: false };
const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T00:00:10Z';

test('a new node gets the three pressure conditions, then Ready last, with a first event for each pressure', () => {
  const { conditions, events } = nextNodeConditions([], healthy, T1);
  assert.deepEqual(
    conditions.map((c) => [c.type, c.status, c.reason]),
    [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ],
  );
  assert.equal(conditions[0].message, 'kubelet has sufficient memory available');
  assert.equal(conditions[3].message, 'kubelet is posting ready status');
  for (const c of conditions) {
    assert.equal(c.lastHeartbeatTime, T1);
    assert.equal(c.lastTransitionTime, T1);
  }
  // Like the kubelet, a Ready condition that did not exist before records no event.
  assert.deepEqual(events, ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID']);
});

test('an unchanged report moves only the heartbeat times', () => {
  const first = nextNodeConditions([], healthy, T1).conditions;
  const { conditions, events } = nextNodeConditions(first, healthy, T2);
  assert.deepEqual(events, []);
  assert.deepEqual(withoutHeartbeats(conditions), withoutHeartbeats(first));
  assert.ok(conditions.every((c) => c.lastHeartbeatTime === T2 && c.lastTransitionTime === T1));
});

test('transitions change status, reason, message and transition time, and record an event', () => {
  const first = nextNodeConditions([], healthy, T1).conditions;
  const { conditions, events } = nextNodeConditions(
    first,
    { ready: false, notReadyMessage: 'container runtime is down', memoryPressure: true, diskPressure: true, pidPressure: true },
    T2,
  );
  const byType = Object.fromEntries(conditions.map((c) => [c.type, c]));
  assert.equal(byType.MemoryPressure.status, 'True');
  assert.equal(byType.MemoryPressure.reason, 'KubeletHasInsufficientMemory');
  assert.equal(byType.DiskPressure.reason, 'KubeletHasDiskPressure');
  assert.equal(byType.DiskPressure.message, 'kubelet has disk pressure');
  assert.equal(byType.PIDPressure.reason, 'KubeletHasInsufficientPID');
  assert.equal(byType.Ready.status, 'False');
  assert.equal(byType.Ready.reason, 'KubeletNotReady');
  assert.equal(byType.Ready.message, 'container runtime is down');
  assert.ok(conditions.every((c) => c.lastTransitionTime === T2));
  assert.deepEqual(events, ['NodeHasInsufficientMemory', 'NodeHasDiskPressure', 'NodeHasInsufficientPID', 'NodeNotReady']);
});

test('conditions marked Unknown by the control plane come back with events; foreign conditions are kept', () => {
  const unknown: NodeCondition[] = [
    { type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated' },
    ...['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map(
      (type): NodeCondition => ({ type, status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: T1 }),
    ),
  ];
  const { conditions, events } = nextNodeConditions(unknown, healthy, T2);
  assert.deepEqual(events, ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady']);
  assert.deepEqual(conditions[0], unknown[0]);
  assert.equal(conditions[4].type, 'Ready');
  assert.equal(conditions[4].lastTransitionTime, T2);
  assert.equal(unknown[4].status, 'Unknown', 'the input is not modified');
});

test('a ready warning is appended to the message as the kubelet does', () => {
  const { conditions } = nextNodeConditions([], { ...healthy, readyWarning: 'resource limits are not enforced: no cgroups' }, T1);
  assert.equal(conditions.at(-1)?.message, 'kubelet is posting ready status. WARNING: resource limits are not enforced: no cgroups');
});

test('status event messages use the kubelet wording', () => {
  assert.equal(nodeStatusEventMessage('edge-1', 'NodeReady'), 'Node edge-1 status is now: NodeReady');
});
