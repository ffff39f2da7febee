import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestClient } from '../client/rest-client.ts';
import { withConcurrencyLimit } from './limited-client.ts';

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
