import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StartGate } from './start-gate.ts';

test('at most `limit` steps run at once; waiting containers go before waiting sandboxes', async () => {
  const gate = new StartGate(1);
  const order: string[] = [];
  let release!: () => void;
  const first = gate.run('sandbox', () => new Promise<void>((r) => (release = r)).then(() => order.push('sandbox-1')));
  const steps = [
    gate.run('sandbox', async () => order.push('sandbox-2')),
    gate.run('container', async () => order.push('container-1')),
    gate.run('sandbox', async () => order.push('sandbox-3')),
    gate.run('container', async () => order.push('container-2')),
  ];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'everything waits for the first step');
  release();
  await Promise.all([first, ...steps]);
  assert.deepEqual(order, ['sandbox-1', 'container-1', 'container-2', 'sandbox-2', 'sandbox-3']);
});

test('a failing step frees its slot', async () => {
  const gate = new StartGate(1);
  await assert.rejects(
    gate.run('container', async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await gate.run('sandbox', async () => 'next'), 'next');
});

test('busy is held from when a step is asked for (waiting included) until it ended, failed or not', async () => {
  let open = 0;
  const gate = new StartGate(1, () => {
    open++;
    return () => open--;
  });
  let release!: () => void;
  const first = gate.run('sandbox', () => new Promise<void>((r) => (release = r)));
  const second = gate.run('container', async () => Promise.reject(new Error('boom')));
  await new Promise((r) => setImmediate(r));
  assert.equal(open, 2, 'the running step and the waiting one');
  release();
  await first;
  await assert.rejects(second, /boom/);
  assert.equal(open, 0);
});
