// RFC 6902 JSON patch (`application/json-patch+json`), as `kubectl patch --type json` and
// `kubectl rollout undo` send it.
//
// Status codes, following kube-apiserver: a body that is not a list of operations is
// 400 BadRequest; more than 10000 operations is 413; an operation that cannot be applied
// (missing path, failed `test`, index out of range, malformed operation) is
// 422 Invalid. Kubernetes hides the cause behind a generic "the server rejected our request
// due to an error in our request"; Hale keeps 422/Invalid but puts the cause in the message.

import type { Operation } from 'fast-json-patch';
import jsonpatch from 'fast-json-patch';
import { badRequest, invalidPatch, PatchError } from './errors.ts';
import { isObject } from './json-value.ts';

const maxOperations = 10000;

/** Plain-language explanations of fast-json-patch's error names. */
const explanations: Record<string, string> = {
  OPERATION_PATH_UNRESOLVABLE: 'the path does not exist in the object',
  OPERATION_FROM_UNRESOLVABLE: 'the "from" path does not exist in the object',
  TEST_OPERATION_FAILED: 'the value at the path is not the expected one',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'the array index is not a number',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'the array index is out of range',
  OPERATION_PATH_CANNOT_ADD: 'cannot add at that path',
  OPERATION_OP_INVALID: 'unknown operation (want add, remove, replace, move, copy or test)',
  OPERATION_PATH_INVALID: 'the path must be a string starting with "/"',
  OPERATION_VALUE_REQUIRED: 'the operation needs a "value"',
  OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED: 'the value is not valid JSON',
  OPERATION_FROM_REQUIRED: 'the operation needs a "from"',
  OPERATION_NOT_AN_OBJECT: 'each operation must be a JSON object',
};

/** Applies the operations to a copy of `doc`; the original is never modified, even on failure. */
export function applyJsonPatch<T extends object>(doc: T, operations: unknown): T {
  if (!Array.isArray(operations)) {
    throw badRequest('json patch must be a JSON array of operations');
  }
  if (operations.length > maxOperations) {
    throw new PatchError(
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${maxOperations}, got ${operations.length}`,
    );
  }
  try {
    // validate=true makes replace/remove on a missing path fail instead of silently adding;
    // mutateDocument=false makes the library work on its own deep copy.
    return jsonpatch.applyPatch(doc, operations as Operation[], true, false).newDocument as T;
  } catch (err) {
    throw describeFailure(err, doc, operations);
  }
}

function describeFailure(err: unknown, doc: object, operations: unknown[]): PatchError {
  const e = err as { name?: string; index?: number; message?: string };
  const known = e.name !== undefined && e.name in explanations;
  // Anything but the library's own errors (e.g. a TypeError from moving a path into itself)
  // is reported by the operation that caused it, never by the runtime's text.
  const index = known && typeof e.index === 'number' ? e.index : known ? undefined : failingOperation(doc, operations);
  const explanation = known ? explanations[e.name as string] : 'the operation cannot be applied to the object';
  if (index === undefined) return invalidPatch(`json patch failed: ${explanation}`);
  const op = operations[index];
  const what = isObject(op) ? `${String(op.op)} ${String(op.path)}` : JSON.stringify(op);
  return invalidPatch(`json patch operation ${index} (${what}) failed: ${explanation}`);
}

/** The index of the first operation that throws when the operations are applied one by one. */
function failingOperation(doc: object, operations: unknown[]): number | undefined {
  let current: object = jsonpatch.deepClone(doc);
  for (let i = 0; i < operations.length; i++) {
    try {
      current = jsonpatch.applyOperation(current, operations[i] as Operation, true, true, true, i).newDocument;
    } catch {
      return i;
    }
  }
  return undefined;
}
