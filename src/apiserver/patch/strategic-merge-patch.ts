// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`): what
// `kubectl apply` (client-side), `edit`, `patch` and `rollout restart|pause|resume` send.
//
// Like a JSON merge patch (objects merge, `null` deletes), except that the schema decides
// how lists combine: a list whose field has patchStrategy "merge" merges item by item on its
// patchMergeKey (lists of primitives are unioned); every other list is replaced. Directives:
//   {"$patch": "replace"}            in an object: the object becomes the patch's content;
//                                     as a list item: the list becomes the other patch items.
//   {"$patch": "delete"}             in an object: the object is removed; as an item of a
//                                     merge list: the item with that merge key is removed.
//   {"$patch": "merge"}              the default; accepted and ignored.
//   "$retainKeys": [k…]              keys of the original object not listed are dropped.
//   "$setElementOrder/<list>": […]   the order of the merged list (items by merge key).
//   "$deleteFromPrimitiveList/<list>": [v…]  values removed from a primitive list.
// Directive keys never reach the result. Malformed directives are 400 BadRequest (as in
// Kubernetes); a patch that does not fit the data (missing merge key, keys outside
// $retainKeys) is 422 Invalid.
import { badRequest, invalidPatch } from './errors.ts';
import { isObject, type JsonObject, jsonEqual } from './json-value.ts';
import { childSchema, itemSchema, type NodeSchema, rootSchema, smpListStrategy } from './schema-lookup.ts';

const patchDirective = '$patch';
const retainKeysDirective = '$retainKeys';
const setOrderPrefix = '$setElementOrder/';
const deleteFromPrimitivePrefix = '$deleteFromPrimitiveList/';

function isDirectiveKey(key: string): boolean {
  return (
    key === patchDirective || key === retainKeysDirective || key.startsWith(setOrderPrefix) || key.startsWith(deleteFromPrimitivePrefix)
  );
}

/** Applies `patch` to a copy of `original`, the object described by definition `defName`. */
export function strategicMergePatch<T extends object>(original: T, patch: unknown, defName: string): T {
  if (!isObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  return mergeObject(structuredClone(original) as JsonObject, patch, rootSchema(defName)) as T;
}

/** Merges `patch` into `target` (a private copy, modified in place) and returns the result. */
function mergeObject(target: JsonObject, patch: JsonObject, schema: NodeSchema): JsonObject {
  const directive = patch[patchDirective];
  if (directive !== undefined) {
    if (directive === 'replace') {
      const { [patchDirective]: _, ...content } = patch;
      return mergeObject({}, content, schema);
    }
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw badRequest(`unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(patch)}`);
  }

  if (retainKeysDirective in patch) retainKeys(target, patch);

  for (const [key, values] of Object.entries(patch)) {
    if (!key.startsWith(deleteFromPrimitivePrefix)) continue;
    if (!Array.isArray(values)) throw badRequest(`invalid value for ${key}: must be a list of values`);
    const field = key.slice(deleteFromPrimitivePrefix.length);
    const list = target[field];
    if (Array.isArray(list)) target[field] = list.filter((item) => !values.some((v) => jsonEqual(v, item)));
  }

  for (const [key, value] of Object.entries(patch)) {
    // "__proto__" is never a Kubernetes field; assigning it would rewrite prototypes.
    if (isDirectiveKey(key) || key === '__proto__') continue;
    const fieldSchema = childSchema(schema, key);
    if (value === null) {
      delete target[key];
    } else if (isObject(value)) {
      if (value[patchDirective] === 'delete') delete target[key];
      else target[key] = mergeObject(isObject(target[key]) ? (target[key] as JsonObject) : {}, value, fieldSchema);
    } else if (Array.isArray(value)) {
      const current = Array.isArray(target[key]) ? (target[key] as unknown[]) : [];
      target[key] = mergeList(current, value, fieldSchema, elementOrder(patch, key));
    } else {
      target[key] = value;
    }
  }

  // An order hint for a list the patch does not otherwise touch still reorders it.
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setOrderPrefix)) continue;
    const field = key.slice(setOrderPrefix.length);
    const order = elementOrder(patch, field);
    const list = target[field];
    if (!(field in patch) && order && Array.isArray(list)) {
      const strategy = smpListStrategy(childSchema(schema, field));
      if (strategy.merge) target[field] = orderList(list, order, list, strategy.mergeKey);
    }
  }
  return target;
}

/** `$retainKeys`: drop keys of the original that the patch does not list. */
function retainKeys(target: JsonObject, patch: JsonObject): void {
  const keep = patch[retainKeysDirective];
  if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) {
    throw badRequest(`invalid value for ${retainKeysDirective}: must be a list of strings`);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!isDirectiveKey(key) && value !== null && !keep.includes(key)) {
      throw invalidPatch(`the patch sets "${key}", which is not in ${retainKeysDirective} ${JSON.stringify(keep)}`);
    }
  }
  for (const key of Object.keys(target)) if (!keep.includes(key)) delete target[key];
}

function elementOrder(patch: JsonObject, field: string): unknown[] | undefined {
  const order = patch[setOrderPrefix + field];
  if (order === undefined) return undefined;
  if (!Array.isArray(order)) throw badRequest(`invalid value for ${setOrderPrefix}${field}: must be a list`);
  return order;
}

function mergeList(current: unknown[], patch: unknown[], schema: NodeSchema, order: unknown[] | undefined): unknown[] {
  const strategy = smpListStrategy(schema);
  const items = itemSchema(schema);
  if (!strategy.merge) return patch.map((item) => stripDirectives(item, items));

  const objectItems = patch.some(isObject) || current.some(isObject);
  if (!objectItems) {
    // A list of primitives with strategy merge is a set: union, original order first.
    const merged = [...current];
    for (const value of patch) if (!merged.some((m) => jsonEqual(m, value))) merged.push(value);
    return order ? orderList(merged, order, current) : merged;
  }

  const mergeKey = strategy.mergeKey;
  if (!mergeKey) return patch.map((item) => stripDirectives(item, items));
  if (patch.some((item) => isObject(item) && item[patchDirective] === 'replace')) {
    const rest = patch.filter((item) => !(isObject(item) && item[patchDirective] === 'replace'));
    return rest.map((item) => stripDirectives(item, items));
  }

  const merged = [...current];
  for (const item of patch) {
    if (!isObject(item)) throw invalidPatch(`list items must be objects with the merge key "${mergeKey}": ${JSON.stringify(item)}`);
    const key = item[mergeKey];
    if (key === undefined) throw invalidPatch(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    const index = merged.findIndex((m) => isObject(m) && jsonEqual(m[mergeKey], key));
    const directive = item[patchDirective];
    if (directive === 'delete') {
      for (let i = merged.length - 1; i >= 0; i--) {
        const m = merged[i];
        if (isObject(m) && jsonEqual(m[mergeKey], key)) merged.splice(i, 1);
      }
    } else if (index >= 0) {
      merged[index] = mergeObject(merged[index] as JsonObject, item, items);
    } else {
      merged.push(mergeObject({}, item, items));
    }
  }
  return order ? orderList(merged, order, current, mergeKey) : merged;
}

/** A value as it would be stored: directives applied to an empty object, nulls dropped. */
function stripDirectives(value: unknown, schema: NodeSchema): unknown {
  return isObject(value) ? mergeObject({}, value, schema) : value;
}

/**
 * Orders a merged list by a `$setElementOrder` hint. Items the hint names come in its
 * order; items it does not name (present only on the server) keep their place relative to
 * the original list, so a sidecar added by someone else does not jump around.
 */
function orderList(merged: unknown[], order: unknown[], original: unknown[], mergeKey?: string): unknown[] {
  const identity = (item: unknown): string => JSON.stringify(mergeKey && isObject(item) ? item[mergeKey] : item);
  const orderIndex = new Map(order.map((item, i) => [identity(item), i]));
  const originalIndex = new Map(original.map((item, i) => [identity(item), i]));
  const named = merged.filter((item) => orderIndex.has(identity(item)));
  named.sort((a, b) => orderIndex.get(identity(a))! - orderIndex.get(identity(b))!);
  const serverOnly = merged.filter((item) => !orderIndex.has(identity(item)));

  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < named.length && j < serverOnly.length) {
    const namedAt = originalIndex.get(identity(named[i])) ?? -1;
    const serverAt = originalIndex.get(identity(serverOnly[j])) ?? -1;
    if (namedAt < serverAt) result.push(named[i++]);
    else result.push(serverOnly[j++]);
  }
  return result.concat(named.slice(i), serverOnly.slice(j));
}
