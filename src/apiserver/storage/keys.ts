// Storage key layout: /registry/<group or "core">/<resource>/[<namespace>/]<name>.
import type { ResourceType } from '../../api/resource-type.ts';

export function storageGroupResource(rt: ResourceType): { group: string; resource: string } {
  return rt.storage ?? { group: rt.group, resource: rt.plural };
}

function base(rt: ResourceType): string {
  const { group, resource } = storageGroupResource(rt);
  return `/registry/${group || 'core'}/${resource}/`;
}

export function objectKey(rt: ResourceType, namespace: string | undefined, name: string): string {
  return rt.namespaced ? `${base(rt)}${namespace}/${name}` : `${base(rt)}${name}`;
}

/** Prefix of every object of the resource, or of one namespace when given. */
export function listPrefix(rt: ResourceType, namespace?: string): string {
  return rt.namespaced && namespace ? `${base(rt)}${namespace}/` : base(rt);
}

/** Prefix under which every resource of every kind lives. */
export const registryPrefix = '/registry/';
