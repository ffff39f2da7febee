// For tests that expect the API server to refuse a request: the ApiError it answered with.
import assert from 'node:assert/strict';
import { ApiError } from '../client/api-error.ts';

export async function apiRefusal(request: Promise<unknown>): Promise<ApiError> {
  const err = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError, `expected an API error, got ${err === undefined ? 'success' : String(err)}`);
  return err;
}
