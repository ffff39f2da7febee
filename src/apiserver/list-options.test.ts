// List query parameters are checked as kube-apiserver checks them, with its messages; an
// Exact read of a compacted revision says so (not the continue-token text).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiError } from '../client/api-error.ts';
import { resources } from '../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';
import { StatusError } from './errors.ts';
import { parseListOptions } from './list-options.ts';

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
  assert.deepEqual(parseListOptions(new URLSearchParams('limit=5&continue=abc')), {
    limit: 5,
    continueToken: 'abc',
    exactRevision: undefined,
  });
  assert.deepEqual(parseListOptions(new URLSearchParams('resourceVersion=12&resourceVersionMatch=Exact')), {
    limit: undefined,
    continueToken: undefined,
    exactRevision: 12,
  });
  // Kubernetes pages only for a positive limit.
  assert.equal(parseListOptions(new URLSearchParams('limit=-1')).limit, undefined);
  assert.equal(parseListOptions(new URLSearchParams('resourceVersion=7&resourceVersionMatch=NotOlderThan')).exactRevision, undefined);
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
      'resourceVersion=5&resourceVersionMatch=Exact&continue=x',
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
