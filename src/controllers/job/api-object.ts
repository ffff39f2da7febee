// Objects read back from the API server always carry metadata (name, namespace, uid,
// resourceVersion); this type says so, sparing a check at every access.
import type { KubeObject } from '../../api/resource-type.ts';

export type ApiObject = KubeObject & { metadata: Record<string, any> };

/** Same JSON content regardless of key order: tells whether a status write would change anything. */
export function sameContent(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y))) : v,
  );
}
