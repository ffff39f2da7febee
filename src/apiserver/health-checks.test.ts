import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerHealth, type HealthCheck } from './health-checks.ts';

const ok = (name: string): HealthCheck => ({ name, check: () => undefined });
const failing = (name: string): HealthCheck => ({ name, check: () => 'not finished' });
const q = (s = '') => new URLSearchParams(s);

test('ok when every check passes; one line per check with ?verbose', () => {
  assert.deepEqual(answerHealth('livez', '', q(), [ok('ping'), ok('log')]), { status: 200, body: 'ok' });
  assert.deepEqual(answerHealth('livez', '', q('verbose'), [ok('ping'), ok('log')]), {
    status: 200,
    body: '[+]ping ok\n[+]log ok\nlivez check passed',
  });
});

test('a failure lists every check and withholds the reason; ?exclude leaves a check out', () => {
  const checks = [ok('ping'), failing('bootstrap')];
  assert.deepEqual(answerHealth('readyz', '', q(), checks), {
    status: 500,
    body: '[+]ping ok\n[-]bootstrap failed: reason withheld\nreadyz check failed',
  });
  assert.equal(answerHealth('readyz', '', q('exclude=bootstrap'), checks)?.status, 200);
  assert.match(answerHealth('readyz', '', q('verbose&exclude=nope'), [ok('ping')])?.body ?? '', /no matches for "nope"/);
});

test('/readyz/NAME answers for that check alone; an unknown name is not found', () => {
  assert.deepEqual(answerHealth('readyz', '/ping', q(), [ok('ping'), failing('bootstrap')]), { status: 200, body: 'ok' });
  assert.equal(answerHealth('readyz', '/bootstrap', q(), [ok('ping'), failing('bootstrap')])?.status, 500);
  assert.equal(answerHealth('readyz', '/etcd', q(), [ok('ping')]), undefined);
  // Check names may have slashes (poststarthook/…).
  assert.equal(answerHealth('readyz', '/poststarthook/boot', q(), [ok('poststarthook/boot')])?.status, 200);
});
