// Defaulting walks into nested objects that may be missing; this creates them on the way.
import type { KubeObject } from '../../resource-type.ts';

/** parent[key] as an object, created (or replaced, if not an object) when needed. */
export function ensureObject(parent: KubeObject, key: string): KubeObject {
  const value = parent[key];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) parent[key] = {};
  return parent[key];
}
