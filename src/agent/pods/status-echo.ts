// Whether a pod update from the watch is only the echo of the agent's own status write. Each
// status write comes back as a watch event; syncing the pod for it would redo the sync that
// wrote it (with a burst of pods, one extra sync per write). Like the kubelet, which treats
// status-only changes as a reconcile rather than a sync, a pod whose spec and metadata did
// not change and whose status is what the agent's status writer last saw needs no sync.
import type { KubeObject } from '../../api/resource-type.ts';

type Json = Record<string, unknown>;

/** Metadata fields that change with every write and say nothing about what to run. */
const WRITE_NOISE = new Set(['resourceVersion', 'managedFields']);

export function isOwnStatusEcho(old: KubeObject, updated: KubeObject, lastWritten: KubeObject | undefined): boolean {
  if (!lastWritten || !deepEqual(updated.status, lastWritten.status)) return false;
  const keys = new Set([...Object.keys(old), ...Object.keys(updated)]);
  for (const key of keys) {
    if (key === 'status') continue;
    if (key === 'metadata' ? !sameMetadata(old.metadata, updated.metadata) : !deepEqual(old[key], updated[key])) return false;
  }
  return true;
}

function sameMetadata(a: Json | undefined, b: Json | undefined): boolean {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  for (const key of keys) if (!WRITE_NOISE.has(key) && !deepEqual(a?.[key], b?.[key])) return false;
  return true;
}

/** JSON equality (key order ignored). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Json)[k], (b as Json)[k]));
}
