// The scale subresource (autoscaling/v1 Scale) of deployments, replicasets, statefulsets
// and replicationcontrollers, read from and written to the parent object.
import type { FieldError } from '../api/field-errors.ts';
import type { KubeObject, ResourceType } from '../api/resource-type.ts';
import { labelSelectorToString } from '../api/selectors/label-selector.ts';
import { badRequest, conflict, failedPrecondition, invalid, objectModified } from './errors.ts';

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
