import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceAccountTokenCache } from './service-account-token.ts';

test('a token is bound to the pod, reused until 80 % of its lifetime, then renewed', async () => {
  let now = 1_000_000;
  const requests: { path: string; body: any }[] = [];
  const client = {
    request: async (_method: string, path: string, opts: any = {}) => {
      requests.push({ path, body: opts.body });
      const expires = new Date(now + opts.body.spec.expirationSeconds * 1000).toISOString();
      return { status: { token: `token-${requests.length}`, expirationTimestamp: expires } };
    },
  };
  const cache = new ServiceAccountTokenCache(client as any, () => now);
  const pod = { metadata: { name: 'web-1', namespace: 'shop', uid: 'u1' }, spec: { serviceAccountName: 'web' } };
  const source = { expirationSeconds: 3600, audience: 'vault' };

  assert.equal(await cache.tokenFor(pod, source), 'token-1');
  assert.equal(requests[0].path, '/api/v1/namespaces/shop/serviceaccounts/web/token');
  assert.deepEqual(requests[0].body.spec, {
    audiences: ['vault'],
    expirationSeconds: 3600,
    boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-1', uid: 'u1' },
  });
  now += 2879_000; // just under 80 % of an hour
  assert.equal(await cache.tokenFor(pod, source), 'token-1');
  now += 2_000;
  assert.equal(await cache.tokenFor(pod, source), 'token-2');
  // Another source of the same pod has its own token; a forgotten pod starts afresh.
  assert.equal(await cache.tokenFor(pod, { expirationSeconds: 7200 }), 'token-3');
  assert.deepEqual(requests[2].body.spec.audiences, []);
  cache.forget('u1');
  assert.equal(await cache.tokenFor(pod, source), 'token-4');
});
