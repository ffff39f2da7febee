import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitErrorMessage } from './fit-error.ts';
import { fail } from './framework.ts';

test('reasons are counted, sorted as Kubernetes sorts them, and followed by the preemption verdict', () => {
  const statuses = new Map([
    ['n1', fail('NodeAffinity', 'UnschedulableAndUnresolvable', "node(s) didn't match Pod's node affinity/selector")],
    ['n2', fail('NodeResourcesFit', 'Unschedulable', 'Insufficient cpu')],
    ['n3', fail('NodeResourcesFit', 'Unschedulable', 'Insufficient cpu', 'Insufficient memory')],
  ]);
  assert.equal(
    fitErrorMessage(3, statuses),
    "0/3 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu. " +
      'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
  );
});

test('the message ends with the period of the preemption part, not two (Kubernetes 1.28+)', () => {
  const message = fitErrorMessage(1, new Map([['n1', fail('NodeResourcesFit', 'Unschedulable', 'Insufficient cpu')]]));
  assert.equal(
    message,
    '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  );
});

test('preemptionPolicy Never says the pod may not preempt', () => {
  const statuses = new Map([['n1', fail('NodeUnschedulable', 'UnschedulableAndUnresolvable', 'node(s) were unschedulable')]]);
  assert.equal(
    fitErrorMessage(1, statuses, 'Never'),
    '0/1 nodes are available: 1 node(s) were unschedulable. preemption: not eligible due to preemptionPolicy=Never.',
  );
});
