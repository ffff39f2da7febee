// ControllerRevisions as Kubernetes' controller history package makes them: an immutable
// snapshot of a StatefulSet's or DaemonSet's pod template, stored as the patch that puts
// the template back ({"spec":{"template":{"$patch":"replace",…}}}), numbered, and named
// "<owner>-<hash>" where the hash is FNV-32 over that patch (plus the collision count).
import type { KubeObject } from '../../api/resource-type.ts';
import { controllerRefFor, type GroupVersionKind } from '../controller-ref.ts';

/** The label carrying a revision's hash, on the revision and on the pods made from it. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** Revision names leave room for "-<hash>" within the 253 characters of a name. */
const maxNamePrefixLength = 223;

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' rand.SafeEncodeString: each character maps onto a vowel-free alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) out += safeAlphabet[byte % safeAlphabet.length];
  return out;
}

/** 32-bit FNV-1 (Go's fnv.New32, multiply then xor), continuing from `hash`. */
export function fnv32(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const byte of bytes) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ byte) >>> 0;
  }
  return h >>> 0;
}

/**
 * JSON as Go's json.Marshal writes a map: keys sorted at every level, no spaces, and
 * <, >, & escaped. Revisions compare and hash by these bytes.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The revision's data: a strategic merge patch that replaces spec.template. */
export function templatePatch(owner: KubeObject): Record<string, unknown> {
  const template = structuredClone(owner.spec?.template ?? {});
  return { spec: { template: { ...template, $patch: 'replace' } } };
}

/** The pod template a revision records (its patch without the directive). */
export function templateOfRevision(revision: KubeObject): KubeObject {
  const { $patch: _directive, ...template } = revision.data?.spec?.template ?? {};
  return structuredClone(template);
}

/** Kubernetes' ApplyRevision: a copy of `owner` whose template is the revision's. */
export function applyRevision<T extends KubeObject>(owner: T, revision: KubeObject): T {
  const copy: KubeObject = structuredClone(owner);
  copy.spec = { ...(copy.spec ?? {}), template: templateOfRevision(revision) };
  return copy as T;
}

/** HashControllerRevision: FNV-32 over the data bytes, then the collision count in decimal. */
export function hashControllerRevision(data: unknown, collisionCount?: number): string {
  let hash = fnv32(Buffer.from(canonicalJson(data), 'utf8'));
  if (collisionCount !== undefined && collisionCount !== null) hash = fnv32(Buffer.from(String(collisionCount), 'utf8'), hash);
  return safeEncodeString(String(hash));
}

export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, maxNamePrefixLength)}-${hash}`;
}

/**
 * NewControllerRevision: labels copied from the template plus the hash label, a controller
 * reference to the owner, the data, and the revision number. The name follows from the hash.
 */
export function newControllerRevision(
  owner: KubeObject,
  ownerKind: GroupVersionKind,
  templateLabels: Record<string, string> | undefined,
  data: unknown,
  revision: number,
  collisionCount?: number,
): KubeObject {
  const hash = hashControllerRevision(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(owner.metadata?.name ?? '', hash),
      namespace: owner.metadata?.namespace,
      labels: { ...(templateLabels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [controllerRefFor(owner, ownerKind)],
    },
    data,
    revision,
  };
}

/** Same recorded state: equal data bytes (Kubernetes compares the raw patch). */
export function equalRevision(a: KubeObject | undefined, b: KubeObject | undefined): boolean {
  if (!a || !b) return false;
  return canonicalJson(a.data ?? null) === canonicalJson(b.data ?? null);
}

/** The revisions whose data equals `needle`'s, in the order given. */
export function findEqualRevisions(revisions: KubeObject[], needle: KubeObject): KubeObject[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** Oldest first: by revision number, then creation time, then name. */
export function sortControllerRevisions<T extends KubeObject>(revisions: T[]): T[] {
  return revisions.sort((a, b) => {
    const byRevision = Number(a.revision ?? 0) - Number(b.revision ?? 0);
    if (byRevision !== 0) return byRevision;
    const at = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
    const bt = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
    if (at !== bt) return at - bt;
    return String(a.metadata?.name ?? '').localeCompare(String(b.metadata?.name ?? ''));
  });
}

/** One more than the highest revision number (1 for an empty history). */
export function nextRevision(revisions: KubeObject[]): number {
  let max = 0;
  for (const r of revisions) max = Math.max(max, Number(r.revision ?? 0));
  return max + 1;
}
