// registerNodeWithRetry: what it retries (errors that heal) and what ends the first
// registration at once (credentials, certificates, an invalid Node).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { apiErrorFromResponse } from '../../client/api-error.ts';
import type { Clock } from '../../client/clock.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { permanentRegistrationError, RegistrationRefusedError, registerNodeWithRetry } from './node-registrar.ts';

/** Timers fire at once: the retries' back-off costs no time. */
const instantClock: Clock = {
  now: () => 0,
  setTimer: (fn: () => void) => {
    const t = setImmediate(fn);
    return { cancel: () => clearImmediate(t) };
  },
};

/** A client whose create fails with each error in turn, then succeeds. */
function failingClient(errors: unknown[]): { client: RestClient; creates: () => number } {
  let creates = 0;
  const client = {
    async create(_res: unknown, _ns: unknown, obj: KubeObject) {
      creates++;
      const err = errors.shift();
      if (err) throw err;
      return obj;
    },
  } as unknown as RestClient;
  return { client, creates: () => creates };
}

const reg = { nodeName: 'n1', labels: {}, annotations: {}, staleAnnotations: [], status: {} };
const certError = () => Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });

test('errors that heal are retried: network errors, 5xx, 429, an expired certificate', async () => {
  const errors = [
    Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' }),
    new Error('socket hang up'),
    apiErrorFromResponse(503, 'the server is shutting down'),
    apiErrorFromResponse(429, 'too many requests'),
    Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
    apiErrorFromResponse(403, 'forbidden'),
  ];
  for (const err of errors) assert.equal(permanentRegistrationError(err), undefined, String(err));
  const { client, creates } = failingClient([...errors]);
  const result = await registerNodeWithRetry(client, reg, { clock: instantClock, failOnPermanentErrors: true });
  assert.equal(result.created, true);
  assert.equal(creates(), errors.length + 1);
});

test('the first registration fails at once on a rejected token, an unverified certificate or an invalid Node', async () => {
  const cases: [unknown, RegExp][] = [
    [apiErrorFromResponse(401, 'Unauthorized'), /credentials \(check --token\): Unauthorized/],
    [
      Object.assign(new Error('request to https://x failed'), { cause: certError() }),
      /certificate does not verify \(check --ca-file and --server\): unable to verify the first certificate/,
    ],
    [apiErrorFromResponse(422, 'Node "Bad_Name" is invalid: metadata.name: Invalid value'), /rejected the Node \(check --node-name/],
  ];
  for (const [err, message] of cases) {
    const { client, creates } = failingClient([err]);
    await assert.rejects(registerNodeWithRetry(client, reg, { clock: instantClock, failOnPermanentErrors: true }), (e: unknown) => {
      assert.ok(e instanceof RegistrationRefusedError);
      assert.match(e.message, /^cannot register node "n1": /);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
    assert.equal(creates(), 1);
  }
});

test('without failOnPermanentErrors (a Node deleted later) even those are retried', async () => {
  const { client, creates } = failingClient([apiErrorFromResponse(401, 'Unauthorized'), certError()]);
  const result = await registerNodeWithRetry(client, reg, { clock: instantClock });
  assert.equal(result.created, true);
  assert.equal(creates(), 3);
});
