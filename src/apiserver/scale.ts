// The scale subresource (autoscaling/v1 Scale) of deployments, replicasets, statefulsets
// and replicationcontrollers, read from and written to the parent object. A server-side apply
// to /scale sees the parent's owners of its replicas field as owners of the Scale's
// spec.replicas and hands the outcome back to the parent, as Kubernetes' ScaleHandler does.
import type { FieldError } from '../api/field-errors.ts';
import type { KubeObject, ResourceType } from '../api/resource-type.ts';
import { labelSelectorToString } from '../api/selectors/label-selector.ts';
import { badRequest, conflict, failedPrecondition, invalid, objectModified } from './errors.ts';
import { type FieldPath, FieldSet } from './patch/field-path.ts';
import type { ManagedFieldsEntry } from './patch/managed-fields.ts';

function getPath(obj: KubeObject, path: string): any {
  return path.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), obj);
}

function setPath(obj: KubeObject, path: string, value: unknown): void {
  const keys = path.split('.');
  let o: any = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys[keys.length - 1]] = value;
}

function selectorString(rt: ResourceType, obj: KubeObject): string {
  const path = rt.subresources?.scale?.labelSelectorPath;
  if (!path) return '';
  const sel = getPath(obj, path);
  if (sel == null) return '';
  if (typeof sel === 'string') return sel;
  // ReplicationControllers use a plain map selector.
  if (!sel.matchLabels && !sel.matchExpressions) return labelSelectorToString({ matchLabels: sel });
  const s = labelSelectorToString(sel);
  return s === '<none>' ? '' : s;
}

export function readScale(rt: ResourceType, obj: KubeObject): KubeObject {
  const scale = rt.subresources!.scale!;
  const m = obj.metadata ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: getPath(obj, scale.specReplicasPath) ?? 0 },
    status: { replicas: getPath(obj, scale.statusReplicasPath) ?? 0, selector: selectorString(rt, obj) },
  };
}

/** Applies a desired Scale to the parent (a copy is returned). */
export function writeScale(rt: ResourceType, parent: KubeObject, currentScale: KubeObject, desired: KubeObject): KubeObject {
  const name = parent.metadata?.name ?? '';
  if (desired.kind !== undefined && desired.kind !== 'Scale') {
    throw badRequest(`the kind in the data (${desired.kind}) does not match the expected kind (Scale)`);
  }
  const replicas = desired.spec?.replicas;
  const errors: FieldError[] = [];
  if (!Number.isInteger(replicas)) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas ?? null, detail: 'must be an integer' });
  } else if (replicas < 0) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be greater than or equal to 0' });
  }
  if (errors.length) throw invalid('autoscaling', 'Scale', name, errors);
  // Kubernetes' scaleUpdatedObjectInfo: after validation, the Scale's uid must be the parent's (a
  // PUT's uid has already been storage's precondition), then storage compares resourceVersions.
  const wrongUid = failedPrecondition({ uid: desired.metadata?.uid || undefined }, parent.metadata ?? {});
  if (wrongUid) throw conflict(rt.group, `${rt.plural}/scale`, name, wrongUid);
  const wantedRV = desired.metadata?.resourceVersion;
  if (wantedRV && wantedRV !== currentScale.metadata?.resourceVersion) throw objectModified(rt.group, rt.plural, name);
  const next = structuredClone(parent);
  setPath(next, rt.subresources!.scale!.specReplicasPath, replicas);
  return next;
}

const scaleReplicasFields = { 'f:spec': { 'f:replicas': {} } };
const scaleReplicasPath: FieldPath = [{ field: 'spec' }, { field: 'replicas' }];

function parentReplicasPath(rt: ResourceType): FieldPath {
  return rt.subresources!.scale!.specReplicasPath.split('.').map((field) => ({ field }));
}

/** How a manager is told apart across the parent and its Scale (whose entries all name autoscaling/v1). */
function scaleIdentity(e: ManagedFieldsEntry): string {
  return JSON.stringify([e.manager, e.operation, e.subresource ?? '']);
}

function entriesOf(obj: KubeObject): ManagedFieldsEntry[] {
  const entries = obj.metadata?.managedFields;
  return Array.isArray(entries) ? entries.filter((e) => e && typeof e.manager === 'string') : [];
}

/** The Scale's managedFields: the parent's entries that own its replicas field, owning spec.replicas. */
export function scaleManagedFields(rt: ResourceType, parent: KubeObject): ManagedFieldsEntry[] {
  const path = parentReplicasPath(rt);
  return entriesOf(parent)
    .filter((e) => FieldSet.fromFieldsV1(e.fieldsV1).has(path))
    .map((e) => {
      const out: ManagedFieldsEntry = { manager: e.manager, operation: e.operation, apiVersion: 'autoscaling/v1' };
      if (e.time) out.time = e.time;
      out.fieldsType = 'FieldsV1';
      out.fieldsV1 = structuredClone(scaleReplicasFields);
      if (e.subresource) out.subresource = e.subresource;
      return out;
    });
}

/**
 * The parent's managedFields after a write to its Scale left `scaleEntries`: owners of the
 * replicas field the Scale no longer lists lose it, and new owners get an entry for just that
 * field in the parent's `apiVersion`.
 */
export function parentManagedFields(
  rt: ResourceType,
  parent: KubeObject,
  scaleEntries: ManagedFieldsEntry[],
  apiVersion: string,
): ManagedFieldsEntry[] {
  const path = parentReplicasPath(rt);
  const owners = new Map<string, ManagedFieldsEntry>();
  for (const e of scaleEntries) if (FieldSet.fromFieldsV1(e.fieldsV1).has(scaleReplicasPath)) owners.set(scaleIdentity(e), e);
  const out: ManagedFieldsEntry[] = [];
  for (const e of entriesOf(parent)) {
    const fields = FieldSet.fromFieldsV1(e.fieldsV1);
    if (!fields.has(path) || owners.delete(scaleIdentity(e))) {
      out.push(e);
      continue;
    }
    fields.delete(path);
    if (fields.size > 0) out.push({ ...e, fieldsV1: fields.toFieldsV1() });
  }
  for (const e of owners.values()) {
    const entry: ManagedFieldsEntry = { manager: e.manager, operation: e.operation, apiVersion };
    if (e.time) entry.time = e.time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = FieldSet.of([path]).toFieldsV1();
    if (e.subresource) entry.subresource = e.subresource;
    out.push(entry);
  }
  return out;
}
