// The pod-template-hash that names a Deployment's ReplicaSets ("web-5d78c9d8b") and keeps
// their pods apart: FNV-32a over the pod template (plus the collision count, so a clash
// can be escaped), printed in decimal and mapped onto Kubernetes' SafeEncodeString
// alphabet, which has no vowels so a hash never spells a word.
//
// Kubernetes hashes the Go struct dump of the template, which a TypeScript program cannot
// reproduce byte for byte; Hale hashes a canonical JSON form instead. The value differs
// from Kubernetes' for the same template, but has the same shape and stability.

/** The label a Deployment adds to its ReplicaSets, their selectors and their pods. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' rand.SafeEncodeString: every byte becomes one character of the safe alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) out += safeAlphabet[byte % safeAlphabet.length];
  return out;
}

/** 32-bit FNV-1a over bytes, continuing from `hash`. */
export function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const byte of bytes) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/**
 * A canonical copy: object keys sorted, and empty values (null, [], {}) dropped, so that
 * two templates Kubernetes would call semantically equal (nil and empty are the same
 * there) look identical.
 */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonicalize((value as Record<string, unknown>)[key]);
      if (!isEmpty(v)) out[key] = v;
    }
    return out;
  }
  return value;
}

/** ComputeHash(template, collisionCount) as the Deployment controller uses it. */
export function computePodTemplateHash(template: unknown, collisionCount?: number): string {
  let hash = fnv32a(Buffer.from(JSON.stringify(canonicalize(template) ?? {}), 'utf8'));
  if (collisionCount !== undefined && collisionCount !== null) {
    // Kubernetes appends the count as eight little-endian bytes (upper four are zero).
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv32a(bytes, hash);
  }
  return safeEncodeString(String(hash));
}

/** The template without the pod-template-hash label, in canonical form. */
function withoutHash(template: any): unknown {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return canonicalize(copy);
}

/** Kubernetes' EqualIgnoreHash: the templates match once the pod-template-hash label is ignored. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return JSON.stringify(withoutHash(a)) === JSON.stringify(withoutHash(b));
}
