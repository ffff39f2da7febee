// Dead connections (a partition silences sockets instead of closing them): request and
// watch time limits, idle watches, and what a timed-out request does to the pool and to
// silent watches. A raw HTTP server plays an API server that stops answering.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { resources } from './resources.ts';
import { RestClient } from './rest-client.ts';

let server: http.Server;
let url: string;
let connections = 0;
/** Watch responses held open, to send events into. */
const watches: http.ServerResponse[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x');
    if (path.searchParams.get('watch') === 'true') {
      if (path.pathname === '/api/v1/nodes') return; // never answers
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      watches.push(res);
      return;
    }
    if (path.pathname.endsWith('/hang')) return; // never answers
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"Pod","metadata":{"name":"ok"}}');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function newClient(requestTimeoutMs = 5000): RestClient {
  return new RestClient({ server: url, token: 't' }, { requestTimeoutMs });
}

test('a request without an answer fails after its time limit with ETIMEDOUT', async () => {
  const client = newClient();
  try {
    const err = await client.get(resources.pods, 'default', 'hang', { timeoutMs: 150 }).catch((e) => e);
    assert.equal(err.code, 'ETIMEDOUT');
    assert.match(err.message, /GET \/api\/v1\/namespaces\/default\/pods\/hang: no answer from the API server within 150 ms/);
    assert.equal(client.connectionStats.requestTimeouts, 1);
  } finally {
    client.close();
  }
});

test('a timed-out request destroys the idle keep-alive sockets: the next request opens a new connection', async () => {
  const client = newClient();
  try {
    // Two requests at once leave two idle sockets: the hanging request takes one.
    await Promise.all([client.get(resources.pods, 'default', 'ok'), client.get(resources.pods, 'default', 'ok')]);
    const before = connections;
    // The idle socket is reused while all is well…
    await client.get(resources.pods, 'default', 'ok');
    assert.equal(connections, before);
    await client.get(resources.pods, 'default', 'hang', { timeoutMs: 150 }).catch(() => undefined);
    assert.ok(client.connectionStats.idleSocketsDestroyed >= 1);
    // …and not after a timeout.
    const afterTimeout = connections;
    await client.get(resources.pods, 'default', 'ok');
    assert.equal(connections, afterTimeout + 1);
  } finally {
    client.close();
  }
});

test('a timed-out request fails the watches silent since it was sent, and keeps the others', async () => {
  const client = newClient();
  try {
    const silent = await client.watch(resources.pods, 'default', {});
    const talking = await client.watch(resources.pods, 'kube-system', {});
    const talkingRes = watches.at(-1)!;
    // A wide margin between the talking watch's data (at ~100 ms) and the timeout, for loaded machines.
    const hung = client.get(resources.pods, 'default', 'hang', { timeoutMs: 1500 }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 100));
    talkingRes.write(`${JSON.stringify({ type: 'ADDED', object: { kind: 'Pod', metadata: { name: 'p' } } })}\n`);
    assert.equal((await hung).code, 'ETIMEDOUT');

    await assert.rejects(silent.next(), /watch connection presumed dead/);
    assert.equal(client.connectionStats.silentWatchesFailed, 1);
    const event = await talking.next();
    assert.equal(event.value?.object.metadata?.name, 'p');
    assert.equal(talking.closed, false);
    talking.close();
  } finally {
    client.close();
  }
});

test('a watch with an idle limit fails when nothing arrives, and lives while bookmarks come', async () => {
  const client = newClient();
  try {
    const kept = await client.watch(resources.pods, 'default', { idleTimeoutMs: 300 });
    const keptRes = watches.at(-1)!;
    const idle = await client.watch(resources.pods, 'default', { idleTimeoutMs: 300 });
    const bookmark = `${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '5' } } })}\n`;
    const ticker = setInterval(() => keptRes.write(bookmark), 100);
    try {
      await assert.rejects(idle.next(), /watch connection presumed dead: nothing received for \d+ ms/);
      for (let i = 0; i < 6; i++) assert.equal((await kept.next()).value?.type, 'BOOKMARK');
      assert.equal(kept.closed, false);
    } finally {
      clearInterval(ticker);
      kept.close();
    }
  } finally {
    client.close();
  }
});

test('a watch whose server never answers fails after the request time limit', async () => {
  const client = newClient(200);
  try {
    const err = await client.watch(resources.nodes).catch((e) => e);
    assert.equal(err.code, 'ETIMEDOUT');
    assert.match(err.message, /watch \/api\/v1\/nodes: no answer from the API server within 200 ms/);
  } finally {
    client.close();
  }
});

test('once a request is answered again, requests sent into the dead path are abandoned rather than left waiting', async () => {
  const client = newClient(5000);
  try {
    await client.get(resources.pods, 'default', 'hang', { timeoutMs: 150 }).catch(() => undefined);
    // Sent while the path is suspect: it would wait its full 5 s.
    const stuck = client.get(resources.pods, 'default', 'hang').catch((e) => e);
    const stuckWatch = client.watch(resources.nodes).catch((e) => e);
    // A patch may have been applied: it is not abandoned, it ends by its own time limit.
    const stuckPatch = client
      .patch(resources.pods, 'default', 'hang', { metadata: { labels: { a: 'b' } } }, 'merge', { timeoutMs: 400 })
      .catch((e) => e);
    await new Promise((r) => setTimeout(r, 50));
    await client.get(resources.pods, 'default', 'ok');
    const err = await stuck;
    assert.equal(err.code, 'ECONNRESET');
    assert.match(err.message, /abandoned, sent while the connection to the API server was down/);
    assert.match((await stuckWatch).message, /^watch \/api\/v1\/nodes: abandoned/);
    assert.equal(client.connectionStats.abandonedRequests, 2);
    assert.equal((await stuckPatch).code, 'ETIMEDOUT');
    // Its timeout made the path suspect again; an answer clears that.
    await client.get(resources.pods, 'default', 'ok');

    // With the path healthy, a slow request is left alone: it ends by its own time limit.
    const slow = client.get(resources.pods, 'default', 'hang', { timeoutMs: 300 }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 50));
    await client.get(resources.pods, 'default', 'ok');
    assert.equal((await slow).code, 'ETIMEDOUT');
    assert.equal(client.connectionStats.abandonedRequests, 2);
  } finally {
    client.close();
  }
});
