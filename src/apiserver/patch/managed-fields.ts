// metadata.managedFields: which manager (fieldManager) owns which fields. Ordinary writes
// (create, update, non-apply patches) record an "Update" entry for their manager through
// recordUpdate(); server-side apply (server-side-apply.ts) records "Apply" entries. This file
// also builds the 409 Conflict details Kubernetes answers when an apply would change
// fields another manager owns.
import { metaTime } from '../../api/meta-time.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { PatchError, type StatusCause } from './errors.ts';
import { type FieldPath, FieldSet, formatPath } from './field-path.ts';
import { isObject, type JsonObject, jsonEqual } from './json-value.ts';
import { type FieldValues, fieldValuesOf, valueAt } from './object-fields.ts';
import { type NodeSchema, rootSchema } from './schema-lookup.ts';

export type ManagedOperation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager: string;
  operation: ManagedOperation;
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: JsonObject;
  subresource?: string;
}

/** An entry with its fields decoded, while a write is being processed. */
export interface Ownership {
  entry: ManagedFieldsEntry;
  fields: FieldSet;
}

/** A field the applier wants to change while another manager owns it. */
export interface Conflict {
  manager: string;
  operation: ManagedOperation;
  apiVersion?: string;
  subresource?: string;
  path: FieldPath;
}

export interface ManagedFieldsOptions {
  /** Schema definition of the object, e.g. "io.k8s.api.apps.v1.Deployment"; without it lists are atomic. */
  defName?: string;
  /** Set on writes to a subresource ("status", "scale"); managers are told apart by it. */
  subresource?: string;
  /** Clock for the entries' `time` (tests). */
  now?: Date;
}

/** RFC 3339 with whole seconds, as metav1.Time is written. */
export function managedTime(now: Date = new Date()): string {
  return metaTime(now);
}

export function decodeManagedFields(obj: KubeObject | undefined): Ownership[] {
  const entries = obj?.metadata?.managedFields;
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((e): e is ManagedFieldsEntry => isObject(e) && typeof e.manager === 'string')
    .map((entry) => ({ entry, fields: FieldSet.fromFieldsV1(entry.fieldsV1) }));
}

/**
 * The managedFields list to store: entries that still own something, in their original order.
 * Owners in `unchanged` keep their entry's fieldsV1 as it is (it must be this encoder's output,
 * i.e. read from storage): re-encoding a big, untouched field set is most of an update's cost.
 */
export function encodeManagedFields(owners: Ownership[], unchanged?: Set<Ownership>): ManagedFieldsEntry[] {
  return owners
    .filter((o) => o.fields.size > 0)
    .map((owner) => {
      const { entry, fields } = owner;
      const out: ManagedFieldsEntry = { manager: entry.manager, operation: entry.operation };
      if (entry.apiVersion) out.apiVersion = entry.apiVersion;
      if (entry.time) out.time = entry.time;
      out.fieldsType = 'FieldsV1';
      out.fieldsV1 = unchanged?.has(owner) && entry.fieldsV1 ? entry.fieldsV1 : fields.toFieldsV1();
      if (entry.subresource) out.subresource = entry.subresource;
      return out;
    });
}

/** Finds the ownership record of one manager identity, adding an empty one if it has none. */
export function ownershipFor(owners: Ownership[], identity: ManagedFieldsEntry): Ownership {
  const sameIdentity = (e: ManagedFieldsEntry) =>
    e.manager === identity.manager &&
    e.operation === identity.operation &&
    (e.subresource ?? '') === (identity.subresource ?? '') &&
    // Update entries are per API version; Apply entries are not.
    (identity.operation === 'Apply' || e.apiVersion === identity.apiVersion);
  let found = owners.find((o) => sameIdentity(o.entry));
  if (!found) {
    found = { entry: { ...identity }, fields: new FieldSet() };
    owners.push(found);
  }
  return found;
}

/**
 * Records an ordinary write by `manager`: it now owns every field it added or changed, other
 * managers lose those fields, and fields that disappeared are owned by nobody. Returns a copy
 * of `updated` with the new metadata.managedFields.
 */
export function recordUpdate(
  old: KubeObject | undefined,
  updated: KubeObject,
  manager: string,
  apiVersion: string,
  opts: ManagedFieldsOptions = {},
): KubeObject {
  const result = structuredClone(updated);
  const managedFields = managedFieldsAfterUpdate(old, updated, manager, apiVersion, opts);
  result.metadata = { ...(result.metadata ?? {}), managedFields };
  if (!managedFields.length) delete result.metadata.managedFields;
  return result;
}

/** The metadata.managedFields recordUpdate would give `updated` (which is left as it is). */
export function managedFieldsAfterUpdate(
  old: KubeObject | undefined,
  updated: KubeObject,
  manager: string,
  apiVersion: string,
  opts: ManagedFieldsOptions = {},
): ManagedFieldsEntry[] {
  const schema: NodeSchema = opts.defName ? rootSchema(opts.defName) : undefined;
  const base = baseManagedFields(old, updated);
  const owners = decodeManagedFields(base);
  const { changed, removed } = fieldsChangedBy(old, updated, schema);

  const mine = ownershipFor(owners, { manager, operation: 'Update', apiVersion, subresource: opts.subresource });
  const time = managedTime(opts.now);
  // Entries read from storage whose fields stay as they were need no new encoding.
  const unchanged = new Set<Ownership>();
  for (const owner of owners) {
    const before = owner.fields;
    if (owner === mine) {
      owner.fields = before.union(changed).difference(removed);
      if (!owner.fields.equals(before)) owner.entry = { ...owner.entry, time };
      else if (base === old) unchanged.add(owner);
    } else if (overlaps(before, changed) || overlaps(before, removed)) {
      owner.fields = before.difference(changed).difference(removed);
    } else if (base === old) {
      unchanged.add(owner);
    }
  }
  return encodeManagedFields(owners, unchanged);
}

/** Whether the sets share a member (walks the smaller one). */
function overlaps(a: FieldSet, b: FieldSet): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const member of small.encodedMembers()) if (large.hasEncoded(member)) return true;
  return false;
}

/** Fields `updated` added or changed compared with `old`, and fields it no longer has. */
export function fieldsChangedBy(
  old: KubeObject | undefined,
  updated: KubeObject,
  schema: NodeSchema,
): { changed: FieldSet; removed: FieldSet } {
  if (old) [old, updated] = withoutEqualMembers(old, updated);
  const oldFields = old ? fieldValuesOf(old, schema) : undefined;
  const newFields = fieldValuesOf(updated, schema);
  const changed =
    oldFields?.ambiguous || newFields.ambiguous
      ? changedFieldsByPath(old, updated, oldFields?.set ?? new FieldSet(), newFields.set, schema)
      : changedFields(oldFields, newFields);
  const removed = oldFields ? oldFields.set.difference(newFields.set) : new FieldSet();
  return { changed, removed };
}

/**
 * Both objects without the top-level members they hold equal (a status write leaves spec and
 * metadata as they were): an equal subtree adds nothing to `changed` or `removed`, and
 * comparing it costs far less than walking its fields twice.
 */
function withoutEqualMembers(old: KubeObject, updated: KubeObject): [KubeObject, KubeObject] {
  const oldPart: KubeObject = {};
  const updatedPart: KubeObject = {};
  for (const key of Object.keys(old)) if (!jsonEqual(old[key], updated[key])) oldPart[key] = old[key];
  for (const key of Object.keys(updated)) if (!Object.hasOwn(old, key) || Object.hasOwn(oldPart, key)) updatedPart[key] = updated[key];
  return [oldPart, updatedPart];
}

/**
 * Fields `updated` added or changed: members that are new, and leaves whose value differs.
 * Only leaves carry values worth comparing; containers change through their children.
 */
function changedFields(old: FieldValues | undefined, updated: FieldValues): FieldSet {
  const changed = new FieldSet();
  for (const member of updated.set.encodedMembers()) {
    if (!old?.set.hasEncoded(member)) changed.addEncoded(member);
    else if (updated.leaves.has(member) && !jsonEqual(old.values.get(member), updated.values.get(member))) changed.addEncoded(member);
  }
  return changed;
}

/** changedFields for objects whose paths may be ambiguous: every value is looked up by path. */
function changedFieldsByPath(
  old: KubeObject | undefined,
  updated: KubeObject,
  oldFields: FieldSet,
  newFields: FieldSet,
  schema: NodeSchema,
): FieldSet {
  const changed = new FieldSet();
  for (const path of newFields.paths()) {
    if (!oldFields.has(path)) changed.add(path);
    else if (!newFields.hasDescendant(path) && !jsonEqual(valueAt(old, schema, path), valueAt(updated, schema, path))) changed.add(path);
  }
  return changed;
}

/**
 * Which managedFields an update starts from. Clients that do not know about managedFields
 * send none (or send back what they read): keep the stored ones. A client that sends
 * different ones means it: use them, and `[{}]` (one empty entry) clears them, as in Kubernetes.
 */
function baseManagedFields(old: KubeObject | undefined, updated: KubeObject): KubeObject | undefined {
  const sent = updated.metadata?.managedFields;
  const stored = old?.metadata?.managedFields;
  if (!Array.isArray(sent) || sent.length === 0 || jsonEqual(sent, stored)) return old;
  if (sent.length === 1 && isObject(sent[0]) && Object.keys(sent[0]).length === 0) return undefined;
  return updated;
}

/** How Kubernetes names a manager in conflict messages. */
function describeManager(c: Conflict): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === 'Update' && c.apiVersion) s += ` using ${c.apiVersion}`;
  return s;
}

/** Status.details.causes for apply conflicts: one FieldManagerConflict per field. */
export function conflictCauses(conflicts: Conflict[]): StatusCause[] {
  return conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c)}`,
    field: formatPath(c.path),
  }));
}

/** The Status message: "Apply failed with 1 conflict: conflict with "x" using apps/v1: .spec.replicas". */
export function conflictMessage(conflicts: Conflict[]): string {
  if (conflicts.length === 1) {
    const [c] = conflicts;
    return `Apply failed with 1 conflict: conflict with ${describeManager(c)}: ${formatPath(c.path)}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const name = describeManager(c);
    byManager.set(name, [...(byManager.get(name) ?? []), formatPath(c.path)]);
  }
  const lines: string[] = [];
  for (const name of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${name}:`);
    for (const field of byManager.get(name)!) lines.push(`- ${field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** The 409 Conflict error for a failed apply. */
export function conflictError(conflicts: Conflict[]): PatchError {
  return new PatchError('Conflict', conflictMessage(conflicts), conflictCauses(conflicts));
}
