import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { IpBatchQueue } from './ip-batch-queue.ts';
import { IpCommandError, ip, ipWorks } from './ip-command.ts';

const skip = process.getuid?.() !== 0 || !(await ipWorks()) ? 'needs root and iproute2' : false;
// Named network namespaces are the side effect these tests can see (and remove again).
const nsName = (i: number) => `hale-qtest-${process.pid}-${i}`;
const namespaces = async () => (await ip(['netns', 'list'])).split('\n').map((line) => line.split(' ')[0]);
const missing = `nosuch${process.pid}`;

after(async () => {
  if (skip) return;
  for (const ns of await namespaces()) if (ns.startsWith(`hale-qtest-${process.pid}-`)) await ip(['netns', 'delete', ns]).catch(() => {});
});

test('groups submitted together share one ip run; a failing group fails alone, the ones after it still run', { skip }, async () => {
  const queue = new IpBatchQueue();
  const results = await Promise.allSettled([
    queue.run([['netns', 'add', nsName(1)]]),
    queue.run([
      ['netns', 'add', nsName(2)],
      ['link', 'show', 'dev', 'lo'],
    ]),
    queue.run([
      ['netns', 'add', nsName(3)],
      ['link', 'show', 'dev', missing],
      ['netns', 'add', nsName(4)],
    ]),
    queue.run([['netns', 'add', nsName(5)]]),
    queue.run([['netns', 'add', nsName(6)]]),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  const err = (results[2] as PromiseRejectedResult).reason;
  assert.ok(err instanceof IpCommandError);
  assert.deepEqual(err.args, ['link', 'show', 'dev', missing]);
  assert.match(err.message, /does not exist/);
  // The failing group stopped where it failed; the groups after it ran in a run of their own.
  const present = await namespaces();
  for (const i of [1, 2, 3, 5, 6]) assert.ok(present.includes(nsName(i)), `${nsName(i)} exists`);
  assert.ok(!present.includes(nsName(4)));
  // The first group ran alone (nothing waited yet), the next four together, the last two again.
  assert.equal(queue.runs, 3);
});

test('with allowing, matching errors are not failures and every command of a group runs', { skip }, async () => {
  const queue = new IpBatchQueue(/does not exist|No such file/);
  await Promise.all([
    queue.run([
      ['netns', 'delete', nsName(1)],
      ['netns', 'delete', nsName(1)],
    ]),
    queue.run([
      ['link', 'show', 'dev', missing],
      ['netns', 'delete', nsName(2)],
    ]),
  ]);
  const present = await namespaces();
  assert.ok(!present.includes(nsName(1)) && !present.includes(nsName(2)));
  await assert.rejects(queue.run([['netns', 'add', nsName(3)]]), /File exists/);
});

test('arguments batch mode cannot carry are refused before anything runs', async () => {
  const queue = new IpBatchQueue();
  await assert.rejects(queue.run([['link', 'show', 'a b']]), /cannot be passed in batch mode/);
  assert.equal(queue.runs, 0);
});
