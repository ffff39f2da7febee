import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goConnectionError, goDialError, goDuration, joinHostPort } from './go-format.ts';

test('durations print like Go', () => {
  assert.equal(goDuration(0), '0s');
  assert.equal(goDuration(50), '50ms');
  assert.equal(goDuration(1000), '1s');
  assert.equal(goDuration(1500), '1.5s');
  assert.equal(goDuration(90_000), '1m30s');
  assert.equal(goDuration(3_600_000), '1h0m0s');
});

test('network errors read like Go’s dialer', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  assert.equal(goDialError(err('ECONNREFUSED'), '127.0.0.5:80', '127.0.0.5'), 'dial tcp 127.0.0.5:80: connect: connection refused');
  assert.equal(goDialError(err('ENOTFOUND'), 'db:5432', 'db'), 'dial tcp: lookup db: no such host');
  assert.equal(goDialError(err('EWHATEVER', 'odd failure'), 'a:1', 'a'), 'odd failure');
  assert.equal(goConnectionError(err('ECONNRESET', 'socket hang up')), 'EOF');
  assert.equal(goConnectionError(err('ECONNRESET', 'read ECONNRESET')), 'read: connection reset by peer');
  assert.equal(joinHostPort('::1', 8080), '[::1]:8080');
});
