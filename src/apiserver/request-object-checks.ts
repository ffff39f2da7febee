// Checks that the object of a PUT or PATCH agrees with the request, as kube-apiserver's
// handlers do before storage sees it (checkName, EnsureObjectNamespaceMatchesRequestNamespace,
// and the resourceVersion precondition of the store's Update).
import type { KubeObject, ResourceType } from '../api/resource-type.ts';
import { badRequest, objectModified } from './errors.ts';

/** The name (and a namespace, when the object has one) must be the URL's: a write never renames or moves an object. */
export function checkName(obj: KubeObject, name: string, namespace: string | undefined): void {
  const objName = stringField(obj.metadata?.name);
  if (objName !== name) throw badRequest(`the name of the object (${objName}) does not match the name on the URL (${name})`);
  const objNamespace = stringField(obj.metadata?.namespace);
  if (namespace && objNamespace && objNamespace !== namespace) {
    throw badRequest(`the namespace of the object (${objNamespace}) does not match the namespace on the request (${namespace})`);
  }
}

/** A PUT body may leave the namespace out (the request's is used), but may not name another. */
export function checkBodyNamespace(obj: KubeObject, rt: ResourceType, namespace: string | undefined): void {
  const objNamespace = stringField(obj.metadata?.namespace);
  if (rt.namespaced && objNamespace && objNamespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

/**
 * A patched object that carries a resourceVersion other than the current one (kubectl label
 * --resource-version, a JSON patch that sets it) is a precondition that failed.
 */
export function checkPatchedResourceVersion(rt: ResourceType, patched: KubeObject, current: KubeObject, name: string): void {
  const wanted = patched.metadata?.resourceVersion;
  if (wanted && wanted !== current.metadata?.resourceVersion) throw objectModified(rt.group, rt.plural, name);
}

function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
