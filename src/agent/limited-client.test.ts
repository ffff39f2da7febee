import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { RestClient } from '../client/rest-client.ts';
import { backgroundClient, foregroundClient, inRequestSlot, RequestGate, withConcurrencyLimit } from './limited-client.ts';

/** A RestClient whose requests wait until released, recording how many run at once. */
function fakeClient() {
  const client = new RestClient({ server: 'http://127.0.0.1:1' });
  const waiting: (() => void)[] = [];
  const seen: string[] = [];
  let running = 0;
  let maxRunning = 0;
  client.request = async (method: string, path: string) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    seen.push(`${method} ${path}`);
    await new Promise<void>((resolve) => waiting.push(resolve));
    running--;
    return { path } as any;
  };
  return { client, waiting, seen, maxRunning: () => maxRunning };
}

test('at most `limit` requests run at once, the rest go out in order as slots free up', async () => {
  const fake = fakeClient();
  const limited = withConcurrencyLimit(fake.client, 2);
  const results = [1, 2, 3, 4, 5].map((i) => limited.request('GET', `/p${i}`));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(fake.seen, ['GET /p1', 'GET /p2']);
  while (fake.seen.length < 5 || fake.waiting.length > 0) {
    fake.waiting.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(fake.seen, ['GET /p1', 'GET /p2', 'GET /p3', 'GET /p4', 'GET /p5']);
  assert.equal(fake.maxRunning(), 2);
  assert.deepEqual(
    (await Promise.all(results)).map((r) => r.path),
    ['/p1', '/p2', '/p3', '/p4', '/p5'],
  );
});

test('the verbs go through the limit too, and a failed request frees its slot', async () => {
  const client = new RestClient({ server: 'http://127.0.0.1:1' });
  let calls = 0;
  client.request = async () => {
    calls++;
    throw new Error('boom');
  };
  const limited = withConcurrencyLimit(client, 1);
  await assert.rejects(
    limited.get({ group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true } as any, 'ns', 'a'),
    /boom/,
  );
  await assert.rejects(limited.request('GET', '/x'), /boom/);
  assert.equal(calls, 2);
});

test('background requests wait while foreground work runs or waits, then go in order', async () => {
  const fake = fakeClient();
  const gate = new RequestGate(1, { limit: 2, maxDelayMs: 60_000 });
  const fg = foregroundClient(fake.client, gate);
  const bg = backgroundClient(fake.client, gate);
  const tick = () => new Promise((r) => setImmediate(r));
  const all = [fg.request('PUT', '/status1'), bg.request('POST', '/event1'), fg.request('PUT', '/status2'), bg.request('POST', '/event2')];
  const third = bg.request('POST', '/event3');
  await tick();
  assert.deepEqual(fake.seen, ['PUT /status1']);
  fake.waiting.shift()?.();
  await tick();
  assert.deepEqual(fake.seen, ['PUT /status1', 'PUT /status2'], 'the queued foreground request goes before any event');
  fake.waiting.shift()?.();
  await tick();
  assert.deepEqual(fake.seen.slice(2), ['POST /event1', 'POST /event2'], 'then the events, at most the lane limit at once');
  fake.waiting.shift()?.();
  await tick();
  assert.deepEqual(fake.seen.slice(4), ['POST /event3']);
  while (fake.waiting.length) fake.waiting.shift()?.();
  await Promise.all([...all, third]);
});

test('with quietMs, background requests wait until the foreground has been idle that long', async () => {
  const fake = fakeClient();
  const gate = new RequestGate(1, { limit: 1, maxDelayMs: 60_000, quietMs: 60 });
  const fg = foregroundClient(fake.client, gate);
  const bg = backgroundClient(fake.client, gate);
  const first = fg.request('PUT', '/status1');
  const event = bg.request('POST', '/event');
  await delay(5);
  fake.waiting.shift()?.();
  await first;
  await delay(30);
  const second = fg.request('PUT', '/status2');
  await delay(5);
  fake.waiting.shift()?.();
  await second;
  await delay(30);
  assert.deepEqual(fake.seen, ['PUT /status1', 'PUT /status2'], 'a status write within the quiet period starts it again');
  await delay(80);
  assert.deepEqual(fake.seen, ['PUT /status1', 'PUT /status2', 'POST /event']);
  fake.waiting.shift()?.();
  await event;
});

test('a hold (pods being started) keeps background requests back like foreground requests do', async () => {
  const fake = fakeClient();
  const gate = new RequestGate(1, { limit: 1, maxDelayMs: 60_000 });
  const bg = backgroundClient(fake.client, gate);
  const release = gate.hold();
  const event = bg.request('POST', '/event');
  await delay(20);
  assert.deepEqual(fake.seen, []);
  release();
  release(); // releasing twice counts once
  await delay(1);
  assert.deepEqual(fake.seen, ['POST /event']);
  fake.waiting.shift()?.();
  await event;
});

test('a background request that waited maxDelayMs goes even while foreground work goes on', async () => {
  const fake = fakeClient();
  const gate = new RequestGate(1, { limit: 1, maxDelayMs: 30 });
  const fg = foregroundClient(fake.client, gate);
  const bg = backgroundClient(fake.client, gate);
  const status = fg.request('PUT', '/status');
  const event = bg.request('POST', '/event');
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(fake.seen, ['PUT /status', 'POST /event']);
  while (fake.waiting.length) fake.waiting.shift()?.();
  await Promise.all([status, event]);
});

test('inRequestSlot runs its task in a slot of the view, with the client behind it', async () => {
  const fake = fakeClient();
  const view = withConcurrencyLimit(fake.client, 1);
  const first = view.request('GET', '/a');
  let direct: unknown;
  const inSlot = inRequestSlot(view, async (c) => {
    direct = c;
    return c.request('PUT', '/b');
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(direct, undefined, 'the task waits for the slot');
  fake.waiting.shift()?.();
  await first;
  await new Promise((r) => setImmediate(r));
  assert.equal(direct, fake.client);
  assert.deepEqual(fake.seen, ['GET /a', 'PUT /b'], 'the request inside the slot does not wait for a second slot');
  fake.waiting.shift()?.();
  assert.deepEqual(await inSlot, { path: '/b' });
  assert.equal(await inRequestSlot(fake.client, async (c) => c === fake.client), true, 'without a gate the task runs at once');
});

test('a full background lane waits for a request to end, not on a busy timer', async (t) => {
  const fake = fakeClient();
  const gate = new RequestGate(2, { limit: 1, maxDelayMs: 10 });
  const bg = backgroundClient(fake.client, gate);
  const first = bg.request('POST', '/event1');
  const second = bg.request('POST', '/event2');
  const arms = t.mock.method(globalThis, 'setTimeout');
  await new Promise((r) => setImmediate(r));
  const before = arms.mock.callCount();
  // Wait well past maxDelayMs while the lane (limit 1) is full: no timer may be armed over
  // and over (node:timers/promises does not go through the mocked global).
  await delay(60);
  assert.ok(arms.mock.callCount() - before <= 1, `setTimeout called ${arms.mock.callCount() - before} times while the lane was full`);
  arms.mock.restore();
  assert.deepEqual(fake.seen, ['POST /event1']);
  fake.waiting.shift()?.();
  await first;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(fake.seen, ['POST /event1', 'POST /event2'], 'the next one starts when the first ended');
  fake.waiting.shift()?.();
  await second;
});
