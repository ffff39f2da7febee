// Whether a pod update from the watch is only the echo of the agent's own status write. Each
// status write comes back as a watch event; syncing the pod for it would redo the sync that
// wrote it (with a burst of pods, one extra sync per write). Like the kubelet, which treats
// status-only changes as a reconcile rather than a sync, a pod whose spec and metadata did
// not change and whose status is what the agent's status writer last saw needs no sync.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/resource-type.ts';

type Json = Record<string, unknown>;

/** Metadata fields that change with every write and say nothing about what to run. */
const WRITE_NOISE = new Set(['resourceVersion', 'managedFields']);

export function isOwnStatusEcho(old: KubeObject, updated: KubeObject, lastWritten: KubeObject | undefined): boolean {
  if (!lastWritten || !isDeepStrictEqual(updated.status, lastWritten.status)) return false;
  const keys = new Set([...Object.keys(old), ...Object.keys(updated)]);
  for (const key of keys) {
    if (key === 'status') continue;
    if (key === 'metadata' ? !sameMetadata(old.metadata, updated.metadata) : !isDeepStrictEqual(old[key], updated[key])) return false;
  }
  return true;
}

function sameMetadata(a: Json | undefined, b: Json | undefined): boolean {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  for (const key of keys) if (!WRITE_NOISE.has(key) && !isDeepStrictEqual(a?.[key], b?.[key])) return false;
  return true;
}
