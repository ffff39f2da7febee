// Server-side apply (`application/apply-patch+yaml`, `kubectl apply --server-side`).
//
// The applied configuration says which fields a manager wants and with which values:
//   1. it is merged into the live object (objects key by key, associative lists item by item
//      on their keys, sets by value, everything else replaced; `null` removes a field);
//   2. a field another manager owns whose value would change is a conflict: the apply fails
//      with 409 unless `force`, which moves ownership to the applier;
//   3. fields the manager applied last time but no longer does are removed, unless another
//      manager still owns them;
//   4. the manager's "Apply" entry in managedFields becomes exactly the applied fields.
// Good enough for a handful of managers; it is not a full structured-merge-diff.
//
// `kubectl apply --server-side` (manager "kubectl") takes over from client-side apply as in
// kube-apiserver (its lastAppliedManager and lastAppliedUpdater): a conflict on a field that
// the last-applied-configuration annotation holds with the live value is no conflict, and an
// object that has the annotation gets it rewritten to the new applied configuration, so that a
// later client-side apply diffs against what was applied last.
import type { KubeObject } from '../../api/resource-type.ts';
import { badRequest } from './errors.ts';
import { type FieldPath, FieldSet } from './field-path.ts';
import { isObject, type JsonObject, jsonEqual } from './json-value.ts';
import { type Conflict, decodeManagedFields, encodeManagedFields, managedTime, ownershipFor } from './managed-fields.ts';
import { deleteAt, fieldSetOf, itemKey, valueAt } from './object-fields.ts';
import { applyListKind, childSchema, isAnySchema, itemSchema, type NodeSchema, rootSchema } from './schema-lookup.ts';

export interface ApplyOptions {
  /** apiVersion recorded in the entry when the applied object has none. */
  apiVersion?: string;
  /** Top-level fields this endpoint ignores, e.g. ["status"] for the main resource. */
  ignoreFields?: string[];
  subresource?: string;
  now?: Date;
}

export interface ApplyResult {
  /** The merged object with updated managedFields; the unchanged live object when there are conflicts. */
  object: KubeObject;
  conflicts: Conflict[];
}

export function applyPatch(
  live: KubeObject | undefined,
  applied: KubeObject,
  manager: string,
  force: boolean,
  defName: string,
  opts: ApplyOptions = {},
): ApplyResult {
  if (!isObject(applied)) throw badRequest('the applied configuration must be an object');
  const sentManagedFields = applied.metadata?.managedFields;
  if (Array.isArray(sentManagedFields) ? sentManagedFields.length > 0 : sentManagedFields != null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const schema = rootSchema(defName);
  const config: KubeObject = structuredClone(applied);
  if (config.metadata) delete config.metadata.managedFields;
  for (const field of opts.ignoreFields ?? []) delete config[field];

  const current: KubeObject = structuredClone(live ?? {});
  if (current.metadata) delete current.metadata.managedFields;
  fillKeysFromLive(config, current, schema);

  const merged = mergeApplied(structuredClone(current), config, schema) as KubeObject;
  const appliedFields = fieldSetOf(withoutNulls(config), schema);
  const owners = decodeManagedFields(live);
  const mine = ownershipFor(owners, { manager, operation: 'Apply', subresource: opts.subresource });
  const others = owners.filter((o) => o !== mine);

  const conflicts: Conflict[] = [];
  for (const path of appliedFields.paths()) {
    if (appliedFields.hasDescendant(path)) continue; // containers change through their leaves
    if (jsonEqual(valueAt(current, schema, path), valueAt(merged, schema, path))) continue;
    for (const other of others) {
      if (!other.fields.has(path)) continue;
      const { manager: m, operation, apiVersion, subresource } = other.entry;
      conflicts.push({ manager: m, operation, apiVersion, subresource, path });
    }
  }
  if (conflicts.length && !force && !(manager === KUBECTL_MANAGER && allowedByLastApplied(conflicts, current, schema))) {
    return { object: live ?? merged, conflicts };
  }
  // Forced: every manager that held a conflicting field loses it to the applier.
  for (const c of conflicts) for (const other of others) other.fields.delete(c.path);

  // Fields this manager stops applying go away, unless someone else still holds them.
  const ownedByOthers = others.reduce((acc, o) => acc.union(o.fields), new FieldSet());
  const dropped = mine.fields.difference(appliedFields).paths();
  dropped.sort((a, b) => a.length - b.length);
  for (const path of dropped) {
    if (!ownedByOthers.covers(path) && !isItemKeyField(path)) deleteAt(merged, schema, path);
  }

  mine.fields = appliedFields;
  mine.entry = {
    ...mine.entry,
    apiVersion: config.apiVersion ?? opts.apiVersion ?? live?.apiVersion,
    time: managedTime(opts.now),
  };
  const managedFields = encodeManagedFields(owners);
  merged.metadata = { ...(merged.metadata ?? {}) };
  if (managedFields.length) merged.metadata.managedFields = managedFields;
  if (manager === KUBECTL_MANAGER && typeof merged.metadata.annotations?.[LAST_APPLIED] === 'string') {
    merged.metadata.annotations = updatedLastApplied(merged.metadata.annotations, applied);
  }
  return { object: merged, conflicts: [] };
}

const KUBECTL_MANAGER = 'kubectl';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Kubernetes' limit on an object's annotations, all together. */
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/**
 * Whether every conflict is on a field that client-side apply last applied with the value the
 * object still has: kubectl's own fields, moving from client-side to server-side apply.
 */
function allowedByLastApplied(conflicts: Conflict[], live: KubeObject, schema: NodeSchema): boolean {
  const text = live.metadata?.annotations?.[LAST_APPLIED];
  if (typeof text !== 'string' || text === '') return false;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return false;
  }
  const lastAppliedFields = fieldSetOf(lastApplied, schema);
  return conflicts.every(
    (c) => lastAppliedFields.has(c.path) && jsonEqual(valueAt(lastApplied, schema, c.path), valueAt(live, schema, c.path)),
  );
}

/** The annotations with last-applied-configuration set to `applied` (without that annotation), or dropped when too large. */
function updatedLastApplied(annotations: Record<string, string>, applied: KubeObject): Record<string, string> {
  const config = structuredClone(applied);
  if (config.metadata?.annotations) {
    const { [LAST_APPLIED]: _previous, ...others } = config.metadata.annotations;
    const { annotations: _all, ...metadata } = config.metadata;
    config.metadata = Object.keys(others).length > 0 ? { ...metadata, annotations: others } : metadata;
  }
  const next: Record<string, string> = { ...annotations, [LAST_APPLIED]: JSON.stringify(config) };
  const size = Object.entries(next).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size <= MAX_ANNOTATIONS_BYTES) return next;
  const { [LAST_APPLIED]: _tooLarge, ...withoutIt } = next;
  return withoutIt;
}

/** Merges the applied configuration into the live value (both private copies). */
function mergeApplied(live: unknown, applied: unknown, schema: NodeSchema): unknown {
  if (isObject(applied) && !isAnySchema(schema)) {
    const out: JsonObject = isObject(live) ? live : {};
    for (const [key, value] of Object.entries(applied)) {
      if (key === '__proto__') continue; // never a field; assigning it would rewrite prototypes
      if (value === null) delete out[key];
      else out[key] = mergeApplied(out[key], value, childSchema(schema, key));
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const list = applyListKind(schema);
    if (list.kind === 'set') return [...live, ...applied.filter((v) => !live.some((l) => jsonEqual(l, v)))];
    if (list.kind === 'associative' && applied.every(isObject) && live.every(isObject)) {
      const out = [...live] as JsonObject[];
      for (const item of applied as JsonObject[]) {
        const key = itemKey(item, list.keys);
        const index = out.findIndex((l) => jsonEqual(itemKey(l, list.keys), key));
        const mergedItem = mergeApplied(index >= 0 ? out[index] : undefined, item, itemSchema(schema)) as JsonObject;
        if (index >= 0) out[index] = mergedItem;
        else out.push(mergedItem);
      }
      return out;
    }
  }
  return withoutNulls(applied);
}

/** A key field of a list item (`[name="x"].name`): it goes with its item, never alone. */
function isItemKeyField(path: FieldPath): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  return parent !== undefined && 'key' in parent && 'field' in last && last.field in parent.key;
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && k !== '__proto__') out[k] = withoutNulls(v);
  return out;
}

/**
 * An applied list item may leave out a key field the server defaulted (a container port
 * without `protocol: TCP`). Copy such key fields from the one live item that agrees on every
 * key field the applied item does give, so both address the same item.
 */
function fillKeysFromLive(applied: unknown, live: unknown, schema: NodeSchema): void {
  if (isObject(applied) && isObject(live) && !isAnySchema(schema)) {
    for (const key of Object.keys(applied)) {
      if (Object.hasOwn(live, key)) fillKeysFromLive(applied[key], live[key], childSchema(schema, key));
    }
    return;
  }
  if (!Array.isArray(applied) || !Array.isArray(live)) return;
  const list = applyListKind(schema);
  if (list.kind !== 'associative') return;
  for (const item of applied) {
    if (!isObject(item)) continue;
    const given = itemKey(item, list.keys);
    if (Object.keys(given).length === 0) continue;
    const matches = live.filter((l): l is JsonObject => isObject(l) && Object.entries(given).every(([k, v]) => jsonEqual(l[k], v)));
    if (matches.length !== 1) continue;
    for (const k of list.keys) if (item[k] === undefined && matches[0][k] !== undefined) item[k] = matches[0][k];
    fillKeysFromLive(item, matches[0], itemSchema(schema));
  }
}

export type { Conflict, FieldPath };
