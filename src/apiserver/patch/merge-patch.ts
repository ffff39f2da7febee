// RFC 7386 JSON merge patch (`application/merge-patch+json`): `kubectl label`, `annotate`,
// `scale` and `patch --type merge`. Objects merge recursively, `null` deletes a key,
// everything else (lists included) is replaced.
import mergePatch from 'json-merge-patch';
import { badRequest } from './errors.ts';
import { cloneJson, isObject } from './json-value.ts';

export function applyMergePatch<T extends object>(doc: T, patch: unknown): T {
  // A non-object patch would replace the whole object, which can never be a valid
  // Kubernetes object; kube-apiserver rejects it as a bad patch too.
  if (!isObject(patch)) throw badRequest('merge patch must be a JSON object');
  // The library modifies its target in place, so give it a copy.
  return mergePatch.apply(cloneJson(doc), patch) as T;
}
