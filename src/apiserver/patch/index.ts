// The one entry point the API server's PATCH handler calls: pick the patch mechanism by
// Content-Type, parse the body, apply it to the stored object and keep managedFields up to
// date. Validation, defaulting and storing stay with the caller. Errors are PatchError
// (415 unknown content type, 400 malformed body, 422 patch does not apply, 409 apply
// conflicts, 404 nothing to patch); `err.toStatus()` gives the Status body.
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../api/resource-type.ts';
import { checkFields } from '../../api/schema/strict-decode.ts';
import { goJsonSyntaxError } from '../go-json-error.ts';
import { badRequest, PatchError } from './errors.ts';
import { applyJsonPatch } from './json-patch.ts';
import { isObject } from './json-value.ts';
import { conflictError, recordUpdate } from './managed-fields.ts';
import { applyMergePatch } from './merge-patch.ts';
import { applyListKind, childSchema, itemSchema, type NodeSchema, rootSchema } from './schema-lookup.ts';
import { applyPatch } from './server-side-apply.ts';
import { strategicMergePatch } from './strategic-merge-patch.ts';

export const patchContentTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;
export type PatchContentType = (typeof patchContentTypes)[number];

export interface PatchOptions {
  /** ?fieldManager=…; required for apply, optional otherwise (then managedFields are left alone). */
  fieldManager?: string;
  /** ?force=true for apply: take over conflicting fields. */
  force?: boolean;
  /** group/version the request addressed, e.g. "apps/v1" (recorded in managedFields). */
  apiVersion?: string;
  /**
   * Kind the endpoint serves, e.g. "Deployment" ("Scale" for /scale). With `apiVersion`, an
   * apply body of another group, version or kind is refused (400), as Kubernetes'
   * versionCheckManager does.
   */
  kind?: string;
  /** Top-level fields this endpoint ignores in an apply, e.g. ["status"] for the main resource. */
  ignoreFields?: string[];
  subresource?: string;
  now?: Date;
}

export interface PatchOutcome {
  object: KubeObject;
  /** True when an apply created the object (answer 201). */
  created: boolean;
}

/** "application/merge-patch+json; charset=utf-8" → the supported type, or a 415. */
export function patchContentType(header: string | undefined): PatchContentType {
  const mediaType = (header ?? '').split(';')[0].trim().toLowerCase();
  const known = patchContentTypes.find((t) => t === mediaType);
  if (!known) {
    throw new PatchError(
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${patchContentTypes.join(', ')}`,
    );
  }
  return known;
}

/**
 * Applies a PATCH body to `live` (undefined when the object does not exist, which only an
 * apply may create). `defName` is the schema definition of the object, which drives
 * strategic merge and apply. Never modifies `live`.
 */
export function applyPatchByContentType(
  contentType: string | undefined,
  live: KubeObject | undefined,
  patchBody: unknown,
  defName: string,
  opts: PatchOptions = {},
): PatchOutcome {
  const type = patchContentType(contentType);

  if (type === 'application/apply-patch+yaml') {
    if (!opts.fieldManager) {
      throw new PatchError('Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', [
        { reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' },
      ]);
    }
    const applied = parseBody(patchBody, 'yaml');
    if (!isObject(applied)) throw badRequest('error decoding YAML: the applied configuration must be an object');
    if (opts.apiVersion !== undefined && opts.kind !== undefined) checkAppliedKind(applied as KubeObject, opts.apiVersion, opts.kind);
    typeApplyConfig(applied as KubeObject, defName);
    const result = applyPatch(live, applied, opts.fieldManager, opts.force ?? false, defName, {
      apiVersion: opts.apiVersion,
      ignoreFields: opts.ignoreFields,
      subresource: opts.subresource,
      now: opts.now,
    });
    if (result.conflicts.length) throw conflictError(result.conflicts);
    return { object: result.object, created: live === undefined };
  }

  if (!live) throw new PatchError('NotFound', 'the object to patch does not exist');
  const patch = parseBody(patchBody, 'json');
  let object: KubeObject;
  if (type === 'application/json-patch+json') object = applyJsonPatch(live, patch);
  else if (type === 'application/merge-patch+json') object = applyMergePatch(live, patch);
  else object = strategicMergePatch(live, patch, defName);

  if (!isObject(object)) throw new PatchError('Invalid', 'the patched document is not an object');
  if (opts.fieldManager) {
    object = recordUpdate(live, object, opts.fieldManager, opts.apiVersion ?? live.apiVersion ?? '', {
      defName,
      subresource: opts.subresource,
      now: opts.now,
    });
  }
  return { object, created: false };
}

/** Bodies arrive as bytes or text (or already parsed, from in-process callers). */
function parseBody(body: unknown, syntax: 'json' | 'yaml'): unknown {
  if (!(typeof body === 'string' || body instanceof Uint8Array)) return body;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  if (!text.trim()) throw badRequest('the patch body is empty');
  try {
    // YAML 1.2 core schema: JSON bodies parse the same, and `on`/`yes` stay strings.
    return syntax === 'json' ? JSON.parse(text) : parseYaml(text, { version: '1.2' });
  } catch (err) {
    const why = syntax === 'json' ? goJsonSyntaxError(text, err) : err instanceof Error ? err.message : String(err);
    throw badRequest(syntax === 'json' ? `error decoding patch: ${why}` : `error decoding YAML: ${why}`);
  }
}

export type { StatusCause } from './errors.ts';
export { PatchError } from './errors.ts';
export { applyJsonPatch } from './json-patch.ts';
export type { Conflict, ManagedFieldsEntry } from './managed-fields.ts';
export { conflictCauses, conflictError, managedFieldsAfterUpdate, recordUpdate } from './managed-fields.ts';
export { applyMergePatch } from './merge-patch.ts';
export { applyPatch } from './server-side-apply.ts';
export { strategicMergePatch } from './strategic-merge-patch.ts';

/**
 * The group/version/kind an apply body declares must be the endpoint's: an apps/v1beta1 body
 * sent to /apis/apps/v1/... is refused with 400 and the body's GVK in Go's
 * GroupVersionKind.String() form, e.g. `invalid object type: apps/v1beta1, Kind=Deployment`
 * (a missing apiVersion and kind print as `/, Kind=`).
 */
function checkAppliedKind(applied: KubeObject, apiVersion: string, kind: string): void {
  const body = parseGroupVersion(applied.apiVersion);
  const endpoint = parseGroupVersion(apiVersion);
  const bodyKind = typeof applied.kind === 'string' ? applied.kind : '';
  if (body.group === endpoint.group && body.version === endpoint.version && bodyKind === kind) return;
  throw badRequest(`invalid object type: ${body.group}/${body.version}, Kind=${bodyKind}`);
}

/** schema.ParseGroupVersion as Unstructured uses it: "v1" is the core group; anything unparsable is empty. */
function parseGroupVersion(apiVersion: unknown): { group: string; version: string } {
  if (typeof apiVersion !== 'string' || apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return { group: '', version: '' };
}

/**
 * An apply patch is always converted to its typed form, whatever fieldValidation says: its
 * quantities take their canonical form, and a field the schema does not declare fails it
 * (kubernetes/kubernetes#105916), with structured-merge-diff's message and a 500 (the error is
 * not an API status), e.g.
 *   failed to create typed patch object (ns/cm; /v1, Kind=ConfigMap): .bogus: field not declared in schema
 */
function typeApplyConfig(applied: KubeObject, defName: string): void {
  // Quantities in their canonical form, as the stored ones are: "0.5" applied over "500m" changes nothing.
  const { unknown } = checkFields(applied, defName, { canonicalQuantities: true });
  if (!unknown.length) return;
  const errors = unknown.map((path) => `${smdPath(applied, defName, path)}: field not declared in schema`).sort();
  const [group, version] = String(applied.apiVersion ?? '').includes('/')
    ? String(applied.apiVersion).split('/')
    : ['', applied.apiVersion ?? ''];
  const object = `${applied.metadata?.namespace ?? ''}/${applied.metadata?.name ?? ''}; ${group}/${version}, Kind=${applied.kind ?? ''}`;
  const detail = errors.length === 1 ? errors[0] : ['errors:', ...errors.map((e) => `  ${e}`)].join('\n');
  throw new PatchError('', `failed to create typed patch object (${object}): ${detail}`);
}

/**
 * A path as checkFields writes it ("spec.containers[0].bogus") in structured-merge-diff's form:
 * a leading dot, and list items named by their keys where the list has them
 * (".spec.containers[name=\"app\"].bogus").
 */
function smdPath(root: unknown, defName: string, path: string): string {
  let node: unknown = root;
  let schema: NodeSchema = rootSchema(defName);
  let out = '';
  for (const token of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (token.startsWith('[')) {
      const item = Array.isArray(node) ? node[Number(token.slice(1, -1))] : undefined;
      const list = applyListKind(schema);
      if (list.kind === 'associative' && isObject(item)) {
        out += `[${list.keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(',')}]`;
      } else if (list.kind === 'set') {
        out += `[${JSON.stringify(item)}]`;
      } else {
        out += token;
      }
      node = item;
      schema = itemSchema(schema);
    } else {
      out += `.${token}`;
      node = isObject(node) ? node[token] : undefined;
      schema = childSchema(schema, token);
    }
  }
  return out;
}
