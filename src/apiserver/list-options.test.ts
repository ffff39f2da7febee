// List query parameters are checked as kube-apiserver checks them, with its messages; an
// Exact read of a compacted revision says so (not the continue-token text); a read of a revision
// the store has not reached waits for it or is 504 "Too large resource version".
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiError } from '../client/api-error.ts';
import { resources } from '../client/resources.ts';
import { apiRefusal } from '../testing/api-refusal.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';
import { StatusError } from './errors.ts';
import { parseListOptions, parseWatchOptions } from './list-options.ts';

/** A token Kubernetes' storage would decode: {"v":"meta.k8s.io/v1","rv":5,"start":"a"}. */
const goodToken = Buffer.from('{"v":"meta.k8s.io/v1","rv":5,"start":"a"}').toString('base64url');

function refusal(query: string): StatusError {
  try {
    parseListOptions(new URLSearchParams(query));
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  assert.fail(`${query} should have been refused`);
}

test('limit, continue and an Exact resourceVersion are parsed', () => {
  assert.deepEqual(parseListOptions(new URLSearchParams(`limit=5&continue=${goodToken}`)), {
    limit: 5,
    continueToken: goodToken,
    exactRevision: undefined,
    minRevision: undefined,
  });
  assert.deepEqual(parseListOptions(new URLSearchParams('resourceVersion=12&resourceVersionMatch=Exact')), {
    limit: undefined,
    continueToken: undefined,
    exactRevision: 12,
    minRevision: undefined,
  });
  // Kubernetes pages only for a positive limit.
  assert.equal(parseListOptions(new URLSearchParams('limit=-1')).limit, undefined);
});

test("a resourceVersion asks for an Exact or a not-older-than read as in Kubernetes' table", () => {
  const read = (query: string) => {
    const { exactRevision, minRevision } = parseListOptions(new URLSearchParams(query));
    return { exactRevision, minRevision };
  };
  assert.deepEqual(read('resourceVersion=7&resourceVersionMatch=NotOlderThan'), { exactRevision: undefined, minRevision: 7 });
  assert.deepEqual(read('resourceVersion=7&resourceVersionMatch=NotOlderThan&limit=5'), { exactRevision: undefined, minRevision: 7 });
  assert.deepEqual(read('resourceVersion=7'), { exactRevision: undefined, minRevision: 7 });
  // The legacy rule: a resourceVersion with a limit (and no match) is Exact.
  assert.deepEqual(read('resourceVersion=7&limit=5'), { exactRevision: 7, minRevision: undefined });
  // "", "0" and a continue token ask for nothing of the store's revision.
  for (const query of [
    '',
    'resourceVersion=0',
    'resourceVersion=0&limit=5',
    'resourceVersion=0&resourceVersionMatch=NotOlderThan',
    `continue=${goodToken}&limit=5`,
  ]) {
    assert.deepEqual(read(query), { exactRevision: undefined, minRevision: undefined }, query);
  }
});

test('a limit that is not a number is a 400 with Go strconv text', () => {
  const err = refusal('limit=abc');
  assert.equal(err.code, 400);
  assert.equal(err.message, 'strconv.ParseInt: parsing "abc": invalid syntax');
});

test('resourceVersionMatch follows ValidateListOptions', () => {
  const cases: [string, string][] = [
    [
      'resourceVersionMatch=NotOlderThan',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    ],
    [
      `resourceVersion=5&resourceVersionMatch=Exact&continue=${goodToken}`,
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided',
    ],
    [
      'resourceVersion=5&resourceVersionMatch=Newest',
      'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
    ],
    [
      'resourceVersion=0&resourceVersionMatch=Exact',
      'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    ],
  ];
  for (const [query, message] of cases) {
    const err = refusal(query);
    assert.equal(err.code, 422, query);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.message, `ListOptions.meta.k8s.io "" is invalid: ${message}`);
  }
});

test('a continue token with a resourceVersion other than "" or "0" is a 400, as storage refuses it', () => {
  for (const query of [
    `continue=${goodToken}&resourceVersion=5`,
    `continue=${goodToken}&resourceVersion=5&limit=2`,
    `continue=${goodToken}&resourceVersion=abc`,
  ]) {
    const err = refusal(query);
    assert.equal(err.code, 400, query);
    assert.equal(err.reason, 'BadRequest');
    assert.equal(err.message, 'specifying resource version is not allowed when using continue');
  }
  assert.equal(parseListOptions(new URLSearchParams(`continue=${goodToken}&resourceVersion=0`)).continueToken, goodToken);
  // Storage decodes the token before it looks at the resourceVersion.
  assert.equal(
    refusal('continue=x&resourceVersion=5').message,
    'invalid continue token: continue key is not valid: illegal base64 data at input byte 0',
  );
});

test('a resourceVersion that is not a number is refused with the storage parse message', () => {
  const err = refusal('resourceVersion=abc');
  assert.equal(err.code, 400);
  assert.equal(err.message, 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax');
});

let cluster: InProcessCluster;
before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace('lists');
});
after(() => cluster?.stop());

async function listError(query: Record<string, string>): Promise<ApiError> {
  try {
    await cluster.client.request('GET', '/api/v1/namespaces/lists/configmaps', { query });
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('the list should have failed');
}

test('served lists check their parameters; an Exact read of a compacted revision is "too old"', async () => {
  assert.equal((await listError({ limit: 'abc' })).code, 400);
  assert.equal((await listError({ resourceVersionMatch: 'NotOlderThan' })).code, 422);
  assert.equal((await listError({ resourceVersion: 'abc' })).code, 400);

  const first = await cluster.client.create(resources.configMaps, 'lists', { metadata: { name: 'a' } });
  await cluster.client.create(resources.configMaps, 'lists', { metadata: { name: 'b' } });
  await cluster.store.compact(await cluster.store.currentRevision());
  const err = await listError({ resourceVersion: first.metadata!.resourceVersion!, resourceVersionMatch: 'Exact' });
  assert.equal(err.code, 410);
  assert.equal(err.reason, 'Expired');
  assert.equal(err.message, 'The resourceVersion for the provided list is too old.');
});

test("a malformed continue token is a 400 naming Kubernetes' reason", async () => {
  const bad: [string, string][] = [
    ['x', 'illegal base64 data at input byte 0'],
    ['abc', "invalid character 'i' looking for beginning of value"],
    [Buffer.from('{}').toString('base64url'), 'server does not recognize this encoded version '],
    [
      Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}').toString('base64url'),
      'incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    ],
  ];
  for (const [token, reason] of bad) {
    const err = await listError({ limit: '1', continue: token });
    assert.equal(err.code, 400, token);
    assert.equal(err.reason, 'BadRequest');
    assert.equal(err.message, `invalid continue token: continue key is not valid: ${reason}`);
  }
});

test('a read not older than a revision the store has not reached waits for it, then is 504 Too large resource version', async () => {
  const rs = cluster.api.registry.lookup('', 'v1', 'configmaps')!;
  const wait = rs.freshnessWaitMs;
  rs.freshnessWaitMs = 50;
  try {
    await cluster.client.create(resources.configMaps, 'lists', { metadata: { name: 'fresh' } });
    const current = await cluster.store.currentRevision();
    const ahead = String(current + 1000);
    const notOlderReads: Record<string, string>[] = [
      { resourceVersion: ahead },
      { resourceVersion: ahead, resourceVersionMatch: 'NotOlderThan' },
      { resourceVersion: ahead, resourceVersionMatch: 'NotOlderThan', limit: '1' },
    ];
    for (const query of notOlderReads) {
      const res = await fetch(`${cluster.url}/api/v1/namespaces/lists/configmaps?${new URLSearchParams(query)}`, {
        headers: { Authorization: `Bearer ${cluster.token}` },
      });
      assert.equal(res.status, 504, JSON.stringify(query));
      assert.equal(res.headers.get('retry-after'), '1');
      assert.deepEqual(await res.json(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `Timeout: Too large resource version: ${ahead}, current: ${current}`,
        reason: 'Timeout',
        details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
        code: 504,
      });
    }
    // A get at a future resourceVersion waits the same way.
    const get = await apiRefusal(
      cluster.client.request('GET', '/api/v1/namespaces/lists/configmaps/fresh', { query: { resourceVersion: ahead } }),
    );
    assert.equal(get.code, 504);

    // Exact (and the legacy Exact: a resourceVersion with a limit) reads etcd, which does not wait
    // and gives no retry hint (Kubernetes 1.34+; 1.33 answered 500 "etcdserver: mvcc: required revision is a future revision").
    const exactReads: Record<string, string>[] = [
      { resourceVersion: ahead, resourceVersionMatch: 'Exact' },
      { resourceVersion: ahead, limit: '1' },
    ];
    for (const query of exactReads) {
      const err = await listError(query);
      assert.equal(err.code, 504, JSON.stringify(query));
      assert.equal(err.reason, 'Timeout');
      assert.equal(err.message, `Timeout: Too large resource version: ${ahead}, current: ${current}`);
      assert.deepEqual(err.status.details, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] });
    }

    // A revision that arrives while the list waits is served.
    rs.freshnessWaitMs = 10_000;
    const next = String(current + 1);
    const pending = cluster.client.request('GET', '/api/v1/namespaces/lists/configmaps', { query: { resourceVersion: next } });
    await cluster.client.create(resources.configMaps, 'lists', { metadata: { name: 'awaited' } });
    const listed = (await pending) as { metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] };
    assert.ok(Number(listed.metadata.resourceVersion) >= Number(next));
    assert.ok(listed.items.some((i) => i.metadata.name === 'awaited'));
    // At or below the current revision nothing waits; "0" means any.
    for (const resourceVersion of [String(current), '0']) {
      await cluster.client.request('GET', '/api/v1/namespaces/lists/configmaps', { query: { resourceVersion } });
    }
  } finally {
    rs.freshnessWaitMs = wait;
  }
});

test('a limited list says how many items remain after it, unless selectors filter it', async () => {
  await cluster.createNamespace('remaining');
  for (const name of ['a', 'b', 'c', 'd', 'e']) {
    await cluster.client.create(resources.configMaps, 'remaining', { metadata: { name, labels: { all: 'yes' } } });
  }
  type Page = { metadata: { continue?: string; remainingItemCount?: number }; items: unknown[] };
  const page = (query: Record<string, string>, headers?: Record<string, string>) =>
    cluster.client.request('GET', '/api/v1/namespaces/remaining/configmaps', { query, headers }) as Promise<Page>;
  const first = await page({ limit: '2' });
  assert.equal(first.metadata.remainingItemCount, 3);
  const second = await page({ limit: '2', continue: first.metadata.continue! });
  assert.equal(second.metadata.remainingItemCount, 1);
  const last = await page({ limit: '2', continue: second.metadata.continue! });
  assert.equal(last.items.length, 1);
  assert.deepEqual(last.metadata, { resourceVersion: (last.metadata as { resourceVersion: string }).resourceVersion });

  // Tables carry it too (kubectl get --chunk-size).
  const table = await page({ limit: '4' }, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.equal(table.metadata.remainingItemCount, 1);

  // With a selector there is a continue token but no count, as in Kubernetes.
  const selected = await page({ limit: '2', labelSelector: 'all=yes' });
  assert.ok(selected.metadata.continue);
  assert.equal(selected.metadata.remainingItemCount, undefined);
  // The store counts current keys only: after any write the older revision's count is unknown.
  const before = await page({ limit: '2' });
  await cluster.client.create(resources.configMaps, 'lists', { metadata: { name: 'elsewhere' } });
  const after = await page({ limit: '2', continue: before.metadata.continue! });
  assert.ok(after.metadata.continue);
  assert.equal(after.metadata.remainingItemCount, undefined);
});

function watchRefusal(query: string): StatusError {
  try {
    parseWatchOptions(new URLSearchParams(query));
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  assert.fail(`${query} should have been refused`);
}

test('watch options follow SetListOptionsDefaults and validateWatchOptions (WatchList on)', () => {
  // A legacy watch from ""/"0" is defaulted to sendInitialEvents=true; from a revision it is not.
  assert.deepEqual(parseWatchOptions(new URLSearchParams('')), { resourceVersion: '', sendInitialEvents: true, allowBookmarks: false });
  assert.equal(parseWatchOptions(new URLSearchParams('resourceVersion=0')).sendInitialEvents, true);
  assert.equal(parseWatchOptions(new URLSearchParams('resourceVersion=7')).sendInitialEvents, undefined);
  assert.deepEqual(
    parseWatchOptions(
      new URLSearchParams('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=7'),
    ),
    { resourceVersion: '7', sendInitialEvents: true, allowBookmarks: true },
  );
  assert.equal(
    parseWatchOptions(new URLSearchParams('sendInitialEvents=false&resourceVersionMatch=NotOlderThan')).sendInitialEvents,
    false,
  );
  // Kubernetes does not require allowWatchBookmarks (that would break resourceVersion=0 watches).
  assert.equal(parseWatchOptions(new URLSearchParams('sendInitialEvents=true&resourceVersionMatch=NotOlderThan')).allowBookmarks, false);

  const cases: [string, string][] = [
    [
      'resourceVersionMatch=NotOlderThan',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    ],
    [
      'resourceVersionMatch=Exact&resourceVersion=5',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"',
    ],
    ['sendInitialEvents=true', 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'],
    [
      'sendInitialEvents=true&resourceVersionMatch=Exact&allowWatchBookmarks=true',
      'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"',
    ],
    [
      'sendInitialEvents=true&resourceVersionMatch=NotOlderThan&continue=123',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided',
    ],
  ];
  for (const [query, message] of cases) {
    const err = watchRefusal(query);
    assert.equal(err.code, 422, query);
    assert.equal(err.reason, 'Invalid');
    assert.match(err.message, /^ListOptions\.meta\.k8s\.io "" is invalid: /);
    assert.equal(err.message.slice('ListOptions.meta.k8s.io "" is invalid: '.length).replace(/^\[|\]$/g, ''), message, query);
  }
  const list = refusal('sendInitialEvents=true');
  assert.equal(list.code, 422);
  assert.equal(
    list.message,
    'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list',
  );
});

/** A served watch: its status, and the events that came within `ms` (the stream is then closed). */
async function serveWatchFor(query: string, ms: number): Promise<{ status: number; body: string; events: any[] }> {
  const abort = new AbortController();
  const res = await fetch(`${cluster.url}/api/v1/namespaces/lists/configmaps?watch=true&${query}`, {
    headers: { Authorization: `Bearer ${cluster.token}` },
    signal: abort.signal,
  });
  if (res.status !== 200) return { status: res.status, body: await res.text(), events: [] };
  let body = '';
  const reader = res.body!.getReader();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      body += Buffer.from(value).toString();
    }
  } catch {
    // aborted
  } finally {
    clearTimeout(timer);
  }
  return {
    status: 200,
    body,
    events: body
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
  };
}

test('a served WatchList: ADDED for the current state, the initial-events-end bookmark, then changes; bad options are 422', async () => {
  await cluster.client.create(resources.configMaps, 'lists', { metadata: { name: 'wl' } });
  const rv = String(await cluster.store.currentRevision());
  const pending = serveWatchFor(
    `sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${rv}`,
    700,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  await cluster.client.create(resources.configMaps, 'lists', { metadata: { name: 'after' } });
  const { status, events } = await pending;
  assert.equal(status, 200);
  const bookmark = events.findIndex((e) => e.type === 'BOOKMARK');
  assert.ok(bookmark > 0, JSON.stringify(events));
  assert.ok(events.slice(0, bookmark).every((e) => e.type === 'ADDED'));
  assert.ok(events.slice(0, bookmark).some((e) => e.object.metadata.name === 'wl'));
  assert.equal(events[bookmark].object.metadata.annotations['k8s.io/initial-events-end'], 'true');
  assert.ok(Number(events[bookmark].object.metadata.resourceVersion) >= Number(rv));
  assert.deepEqual(
    events.slice(bookmark + 1).map((e) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED after'],
  );

  const refused = await serveWatchFor('resourceVersionMatch=NotOlderThan', 100);
  assert.equal(refused.status, 422);
  assert.equal(
    JSON.parse(refused.body).message,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
  );
});
