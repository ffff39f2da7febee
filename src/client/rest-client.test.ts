import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiError, isAlreadyExists, isConflict, isNotFound, isResourceExpired } from './api-error.ts';
import { resources } from './resources.ts';
import { RestClient } from './rest-client.ts';
import { FakeKubeServer } from './testing/fake-kube-server.ts';
import { eventually } from './testing/wait.ts';
import type { WatchEvent } from './watch-stream.ts';

const PODS = '/api/v1/pods';
const DEPLOYMENTS = '/apis/apps/v1/deployments';
let server: FakeKubeServer;
let client: RestClient;

before(async () => {
  server = await new FakeKubeServer().start();
  client = new RestClient({ server: server.url, token: 'secret-token' }, { userAgent: 'hale-test' });
});
after(async () => {
  client.close();
  await server.close();
});

const pod = (name: string, namespace = 'default', labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { nodeName: 'n1' },
});

test('requests use standard paths, the bearer token and JSON', async () => {
  const created = await client.create(
    resources.deployments,
    'prod',
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } },
    { fieldManager: 'hale' },
  );
  assert.equal(created.metadata?.namespace, 'prod');
  const req = server.requests.at(-1)!;
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/apis/apps/v1/namespaces/prod/deployments');
  assert.equal(req.query.get('fieldManager'), 'hale');
  assert.equal(req.headers.authorization, 'Bearer secret-token');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['user-agent'], 'hale-test');

  const got = await client.get(resources.deployments, 'prod', 'web');
  assert.equal(got.metadata?.uid, created.metadata?.uid);
  assert.equal(server.requests.at(-1)!.path, '/apis/apps/v1/namespaces/prod/deployments/web');

  await client.get(resources.nodes, undefined, 'n1').catch(() => undefined);
  assert.equal(server.requests.at(-1)!.path, '/api/v1/nodes/n1');
});

test('errors carry the server Status', async () => {
  const err = await client.get(resources.pods, 'default', 'missing').catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 404);
  assert.equal(err.reason, 'NotFound');
  assert.equal(err.message, 'pods "missing" not found');
  assert.equal(err.details?.name, 'missing');
  assert.ok(isNotFound(err));

  await client.create(resources.pods, 'default', pod('dup'));
  const dup = await client.create(resources.pods, 'default', pod('dup')).catch((e) => e);
  assert.ok(isAlreadyExists(dup));
  assert.ok(!isConflict(dup));
});

test('a non-Status error body becomes a Status with the usual reason', async () => {
  server.respondOnce((r) => r.path.endsWith('/pods/teapot'), { code: 503, body: 'upstream down' });
  const err = await client.get(resources.pods, 'default', 'teapot').catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 503);
  assert.equal(err.reason, 'ServiceUnavailable');
  assert.equal(err.message, 'upstream down');
});

test('update is conditional on resourceVersion', async () => {
  const created = await client.create(resources.pods, 'default', pod('cas'));
  const first = await client.update(resources.pods, { ...created, spec: { nodeName: 'n2' } });
  assert.notEqual(first.metadata?.resourceVersion, created.metadata?.resourceVersion);
  const stale = await client.update(resources.pods, { ...created, spec: { nodeName: 'n3' } }).catch((e) => e);
  assert.ok(isConflict(stale));
  assert.match(stale.message, /the object has been modified/);

  await client.updateStatus(resources.pods, { ...first, status: { phase: 'Running' } });
  assert.equal(server.requests.at(-1)!.path, '/api/v1/namespaces/default/pods/cas/status');
  assert.equal(server.requests.at(-1)!.method, 'PUT');
});

test('patch sends the patch content type; delete sends DeleteOptions', async () => {
  await client.create(resources.pods, 'default', pod('patched'));
  const patched = await client.patch(resources.pods, 'default', 'patched', { metadata: { labels: { a: 'b' } } }, 'merge', {
    fieldManager: 'm',
  });
  assert.equal(patched.metadata?.labels?.a, 'b');
  const req = server.requests.at(-1)!;
  assert.equal(req.method, 'PATCH');
  assert.equal(req.headers['content-type'], 'application/merge-patch+json');
  assert.equal(req.query.get('fieldManager'), 'm');

  server.respondOnce((r) => r.method === 'PATCH', { code: 200, body: {} });
  await client.patch(resources.pods, 'default', 'patched', [], 'json', { subresource: 'status' });
  assert.equal(server.requests.at(-1)!.headers['content-type'], 'application/json-patch+json');
  assert.equal(server.requests.at(-1)!.path, '/api/v1/namespaces/default/pods/patched/status');

  await client.delete(resources.pods, 'default', 'patched', { propagationPolicy: 'Foreground' });
  const del = server.requests.at(-1)!;
  assert.equal(del.method, 'DELETE');
  assert.deepEqual(JSON.parse(del.body), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
  assert.equal(server.getObject(PODS, 'default', 'patched'), undefined);
});

test('list passes selectors and listAll follows continue tokens at one resourceVersion', async () => {
  for (const name of ['l1', 'l2', 'l3', 'l4', 'l5'])
    server.put(DEPLOYMENTS, { metadata: { name, namespace: 'paged', labels: { app: 'x' } } });
  server.put(DEPLOYMENTS, { metadata: { name: 'other', namespace: 'paged', labels: { app: 'y' } } });
  const before = server.requests.length;
  const { items, resourceVersion } = await client.listAll(resources.deployments, 'paged', { labelSelector: 'app=x', limit: 2 });
  assert.deepEqual(
    items.map((d) => d.metadata?.name),
    ['l1', 'l2', 'l3', 'l4', 'l5'],
  );
  assert.equal(resourceVersion, String(server.resourceVersion));
  const pages = server.requests.slice(before);
  assert.equal(pages.length, 3);
  assert.deepEqual(
    pages.map((p) => p.query.get('continue')),
    [null, '2', '4'],
  );
  assert.ok(pages.every((p) => p.query.get('labelSelector') === 'app=x' && p.query.get('limit') === '2'));

  const all = await client.list(resources.deployments);
  assert.equal(server.requests.at(-1)!.path, '/apis/apps/v1/deployments');
  assert.ok(all.items.length >= 6);
});

test('429 is retried after Retry-After', async () => {
  server.respondOnce((r) => r.path.endsWith('/pods/busy'), {
    code: 429,
    body: { kind: 'Status', code: 429, reason: 'TooManyRequests' },
    headers: { 'Retry-After': '0' },
  });
  server.respondOnce((r) => r.path.endsWith('/pods/busy'), { code: 429, body: '', headers: { 'Retry-After': '0' } });
  server.put(PODS, pod('busy'));
  const before = server.requests.length;
  const got = await client.get(resources.pods, 'default', 'busy');
  assert.equal(got.metadata?.name, 'busy');
  assert.equal(server.requests.length - before, 3);

  const limited = new RestClient({ server: server.url }, { maxRetries: 1 });
  try {
    server.respondOnce((r) => r.path.endsWith('/pods/busy'), { code: 429, headers: { 'Retry-After': '0' } });
    server.respondOnce((r) => r.path.endsWith('/pods/busy'), { code: 429, headers: { 'Retry-After': '0' } });
    const err = await limited.get(resources.pods, 'default', 'busy').catch((e) => e);
    assert.equal(err.code, 429);
  } finally {
    limited.close();
  }
});

test('watch streams events in order and closes cleanly', async () => {
  const start = String(server.resourceVersion);
  const stream = await client.watch(resources.pods, 'watched', { resourceVersion: start, allowWatchBookmarks: true, timeoutSeconds: 30 });
  const req = server.watchRequests().at(-1)!;
  assert.equal(req.path, '/api/v1/namespaces/watched/pods');
  assert.equal(req.query.get('allowWatchBookmarks'), 'true');
  assert.equal(req.query.get('timeoutSeconds'), '30');
  assert.equal(req.query.get('resourceVersion'), start);

  server.put(PODS, pod('a', 'watched'));
  server.put(PODS, pod('a', 'watched', { v: '2' }));
  server.remove(PODS, 'watched', 'a');
  const seen: string[] = [];
  for await (const event of stream) {
    seen.push(`${event.type}:${event.object.metadata?.name}`);
    if (seen.length === 3) break;
  }
  assert.deepEqual(seen, ['ADDED:a', 'MODIFIED:a', 'DELETED:a']);
  assert.ok(stream.closed);
  await eventually(() => server.openWatches() === 0, 'the server to see the watch closed');
});

test('watch parses events split across chunks and several per chunk', async () => {
  const stream = await client.watch(resources.pods, 'framing', { resourceVersion: String(server.resourceVersion) });
  await eventually(() => server.openWatches() === 1, 'watch open');
  const e1 = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'ünï', namespace: 'framing' } } });
  const e2 = JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'two', namespace: 'framing' } } });
  const e3 = JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'three', namespace: 'framing' } } });
  const bytes = Buffer.from(`${e1}\n${e2}\n\n${e3}`);
  // Split inside the multi-byte "ü" and inside the second event.
  const cut1 = bytes.indexOf(Buffer.from('ü')) + 1;
  server.writeRawToWatches(bytes.subarray(0, cut1));
  await new Promise((r) => setImmediate(r));
  const events: WatchEvent[] = [];
  const reading = (async () => {
    for await (const e of stream) events.push(e);
  })();
  // The remaining bytes go in two more chunks, the last without a newline.
  const rest = bytes.subarray(cut1);
  const cut2 = rest.length - 10;
  server.writeRawToWatches(rest.subarray(0, cut2));
  await new Promise((r) => setImmediate(r));
  server.writeRawToWatches(rest.subarray(cut2));
  server.endWatches();
  await reading;
  assert.deepEqual(
    events.map((e) => `${e.type}:${e.object.metadata?.name}`),
    ['ADDED:ünï', 'MODIFIED:two', 'DELETED:three'],
  );
});

test('watch from a compacted resourceVersion fails with 410', async () => {
  server.compact();
  const err = await client.watch(resources.pods, undefined, { resourceVersion: '1' }).catch((e) => e);
  assert.ok(isResourceExpired(err));
  assert.equal(err.reason, 'Expired');
});

test('a broken watch connection surfaces as an error; abort ends it quietly', async () => {
  const broken = await client.watch(resources.pods, 'x', { resourceVersion: String(server.resourceVersion) });
  await eventually(() => server.openWatches() === 1, 'watch open');
  server.breakWatches();
  await assert.rejects(async () => {
    for await (const _ of broken) {
    }
  });

  const controller = new AbortController();
  const aborted = await client.watch(resources.pods, 'x', { resourceVersion: String(server.resourceVersion), signal: controller.signal });
  const reading = (async () => {
    let n = 0;
    for await (const _ of aborted) n++;
    return n;
  })();
  controller.abort();
  assert.equal(await reading, 0);
});
