import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { resources } from '../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';

let cluster: InProcessCluster;
let token: string;

before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace('tr');
  await cluster.client.create(resources.serviceAccounts, 'tr', { metadata: { name: 'bot' } });
  const answer = await cluster.client.request('POST', '/api/v1/namespaces/tr/serviceaccounts/bot/token', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'] } },
  });
  token = answer.status.token;
});
after(() => cluster.stop());

const review = (spec: object) =>
  cluster.client.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec },
  });

test('a service account token is reviewed against the audiences asked about', async () => {
  const ok = await review({ token, audiences: ['vault', 'other'] });
  assert.equal(ok.status.authenticated, true);
  assert.equal(ok.status.user.username, 'system:serviceaccount:tr:bot');
  assert.deepEqual(ok.status.audiences, ['vault']);
  assert.deepEqual((await review({ token, audiences: ['other'] })).status, { user: {} });
  // With no audiences the API server's own are meant, and this token is not for it.
  assert.deepEqual((await review({ token })).status, { user: {} });
});

test('the fixed tokens count for the API server only; a missing token is a bad request', async () => {
  const admin = await review({ token: cluster.token });
  assert.equal(admin.status.user.username, 'system:admin');
  assert.deepEqual((await review({ token: cluster.token, audiences: ['vault'] })).status, { user: {} });
  await assert.rejects(review({}), /token is required for TokenReview in authentication/);
});

test('the issuer discovery documents verify the tokens', async () => {
  const config = await cluster.client.request('GET', '/.well-known/openid-configuration');
  assert.equal(config.issuer, 'https://kubernetes.default.svc.cluster.local');
  assert.equal(config.jwks_uri, 'https://kubernetes.default.svc.cluster.local/openid/v1/jwks');
  const jwks = await cluster.client.request('GET', '/openid/v1/jwks');
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: config.issuer, audience: 'vault' });
  assert.equal(payload.sub, 'system:serviceaccount:tr:bot');
  assert.deepEqual(protectedHeader, { alg: 'ES256', kid: jwks.keys[0].kid });
  assert.equal(payload.exp, (payload.iat ?? 0) + 3600);
  // A token whose claims were changed no longer verifies.
  const [header, body, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
  const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:tr:admin' })).toString('base64url')}.${signature}`;
  await assert.rejects(
    jwtVerify(forged, createLocalJWKSet(jwks), { issuer: config.issuer, audience: 'vault' }),
    /signature verification failed/,
  );
  assert.deepEqual((await review({ token: forged, audiences: ['vault'] })).status, { user: {} });
});

test('a token bound to a pod names the pod and its node, as Kubernetes 1.30+ does', async () => {
  await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'n1' } });
  const pod = await cluster.client.create(resources.pods, 'tr', {
    metadata: { name: 'p1' },
    spec: { nodeName: 'n1', serviceAccountName: 'bot', containers: [{ name: 'c', image: 'x' }] },
  });
  const answer = await cluster.client.request('POST', '/api/v1/namespaces/tr/serviceaccounts/bot/token', {
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1' } },
    },
  });
  const { extra } = (await review({ token: answer.status.token })).status.user;
  assert.deepEqual(extra['authentication.kubernetes.io/pod-name'], ['p1']);
  assert.deepEqual(extra['authentication.kubernetes.io/pod-uid'], [pod.metadata?.uid]);
  assert.deepEqual(extra['authentication.kubernetes.io/node-name'], ['n1']);
});

test('TokenRequest checks the body namespace and the bound pod account as kube-apiserver does', async () => {
  const request = (metadata: object, spec: object) =>
    cluster.client.request('POST', '/api/v1/namespaces/tr/serviceaccounts/bot/token', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata, spec },
    });
  await assert.rejects(
    request({ namespace: 'other' }, {}),
    /metadata\.namespace: Invalid value: "other": must match the service account namespace if specified/,
  );
  await cluster.client.create(resources.pods, 'tr', { metadata: { name: 'p2' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  await assert.rejects(
    request({}, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p2', uid: 'wrong' } }),
    /cannot bind token for serviceaccount "bot" to pod running with different serviceaccount name\./,
  );
});
