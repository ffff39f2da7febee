// Where a resource lives in the REST API: /api/v1/... for the core group,
// /apis/<group>/<version>/... for the others.

/**
 * Identifies a served resource. A ResourceType from src/api has these same fields, so
 * it can be passed wherever a descriptor is expected.
 */
export interface ResourceDescriptor {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Lower-case plural, e.g. "deployments". */
  plural: string;
  namespaced: boolean;
}

export function groupVersionPath(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

/**
 * Path of a collection (no name) or one object, optionally a subresource of it.
 * For a namespaced resource without a namespace, the collection spans all namespaces.
 */
export function resourcePath(res: ResourceDescriptor, namespace?: string, name?: string, subresource?: string): string {
  let path = groupVersionPath(res.group, res.version);
  if (res.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  else if (res.namespaced && name) throw new Error(`a namespace is required to address ${res.plural} "${name}"`);
  path += `/${res.plural}`;
  if (name !== undefined) {
    if (name === '') throw new Error(`an empty name is not allowed for ${res.plural}`);
    path += `/${encodeURIComponent(name)}`;
  }
  if (subresource) {
    if (name === undefined) throw new Error(`subresource ${subresource} needs an object name`);
    path += `/${subresource}`;
  }
  return path;
}

/** "apps/v1" or "v1". */
export function apiVersionFor(res: { group: string; version: string }): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}
