// Generic validation of ObjectMeta and the small structures every kind shares (labels,
// annotations, label selectors, owner references, finalizers), following
// k8s.io/apimachinery/pkg/api/validation and pkg/apis/meta/v1/validation so error texts match.

import { type FieldError, forbidden, goStringSlice, invalid, required, tooLong } from '../field-errors.ts';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPathSegmentPrefix,
} from './names.ts';

/** Validates an object name; `prefix` is true for metadata.generateName (a trailing '-' is fine there). */
export type NameValidator = (name: string, prefix: boolean) => string[];

// Metadata arrives as arbitrary decoded JSON.
type Json = any;

export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

/** generateName gets a random suffix appended, so a trailing '-' must not count against it. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
/** Names that only need to be usable in a URL path (RBAC roles, e.g. "system:controller:foo"). */
export const nameIsPathSegment: NameValidator = (name, prefix) => (prefix ? isValidPathSegmentPrefix(name) : isValidPathSegmentName(name));
/** Namespaces are DNS-1123 labels. */
export const validateNamespaceName: NameValidator = nameIsDNSLabel;

const entriesOf = (m: unknown): [string, unknown][] =>
  m && typeof m === 'object' && !Array.isArray(m) ? Object.entries(m as Record<string, unknown>) : [];

export function validateLabelName(key: string, path: string): FieldError[] {
  return isQualifiedName(key).map((msg) => invalid(path, key, msg));
}

/** Keys must be qualified names and values valid label values; errors point at the map itself, as in Kubernetes. */
export function validateLabels(labels: Record<string, string> | null | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of entriesOf(labels)) {
    errs.push(...validateLabelName(key, path));
    const v = typeof value === 'string' ? value : String(value ?? '');
    for (const msg of isValidLabelValue(v)) errs.push(invalid(path, v, msg));
  }
  return errs;
}

/** Keys are qualified names (case-insensitive); keys plus values may not exceed 256 KiB in total. */
export function validateAnnotations(annotations: Record<string, string> | null | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let totalSize = 0;
  for (const [key, value] of entriesOf(annotations)) {
    for (const msg of isQualifiedName(key.toLowerCase())) errs.push(invalid(path, key, msg));
    totalSize += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(typeof value === 'string' ? value : String(value ?? ''), 'utf8');
  }
  if (totalSize > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) errs.push(tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return errs;
}

export function validateNonnegativeField(value: number | null | undefined, path: string): FieldError[] {
  if (typeof value === 'number' && value < 0) return [invalid(path, value, IS_NEGATIVE_ERROR_MSG)];
  return [];
}

export interface LabelSelectorRequirementInput {
  key: string;
  operator: string;
  values?: string[] | null;
}

export interface LabelSelectorInput {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirementInput[] | null;
}

export interface LabelSelectorValidationOptions {
  /** Tolerate values that are not valid label values (only for objects stored before the check existed). */
  allowInvalidLabelValueInSelector?: boolean;
}

export function validateLabelSelectorRequirement(
  req: LabelSelectorRequirementInput,
  path: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  const values = Array.isArray(req?.values) ? req.values : [];
  switch (req?.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(invalid(`${path}.operator`, req?.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(typeof req?.key === 'string' ? req.key : '', `${path}.key`));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((value, i) => {
      for (const msg of isValidLabelValue(String(value))) errs.push(invalid(`${path}.values[${i}]`, value, msg));
    });
  }
  return errs;
}

/** A nil selector is valid here; whether a kind requires one is that kind's rule. */
export function validateLabelSelector(
  selector: LabelSelectorInput | null | undefined,
  path: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  if (!selector) return [];
  const errs = validateLabels(selector.matchLabels, `${path}.matchLabels`);
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  exprs.forEach((expr, i) => {
    errs.push(...validateLabelSelectorRequirement(expr, `${path}.matchExpressions[${i}]`, opts));
  });
  return errs;
}

export interface OwnerReferenceInput {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean | null;
  blockOwnerDeletion?: boolean | null;
}

/** Splits "apps/v1" / "v1" like schema.ParseGroupVersion; more than one '/' yields no version. */
function splitAPIVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return { group: '', version: '' };
}

/** Core v1 Events may not own anything (they are garbage-collected on their own schedule). */
const bannedOwners = new Set(['/v1, Kind=Event']);

function validateOwnerReference(ref: OwnerReferenceInput, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = ref?.apiVersion ?? '';
  const kind = ref?.kind ?? '';
  const gv = splitAPIVersion(apiVersion);
  if (gv.version === '') errs.push(invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
  if (kind === '') errs.push(invalid(`${path}.kind`, kind, 'must not be empty'));
  if (!ref?.name) errs.push(invalid(`${path}.name`, ref?.name ?? '', 'must not be empty'));
  if (!ref?.uid) errs.push(invalid(`${path}.uid`, ref?.uid ?? '', 'must not be empty'));
  const gvk = `${gv.group}/${gv.version}, Kind=${kind}`;
  if (bannedOwners.has(gvk)) errs.push(invalid(path, ref, `${gvk} is disallowed from being an owner`));
  return errs;
}

/** Errors use the list path without an index, as Kubernetes does; at most one controller reference. */
export function validateOwnerReferences(refs: OwnerReferenceInput[] | null | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(refs)) return errs;
  let firstController = '';
  for (const ref of refs) {
    errs.push(...validateOwnerReference(ref, path));
    if (ref?.controller === true) {
      const current = `${ref.kind ?? ''}/${ref.name ?? ''}`;
      if (firstController) {
        errs.push(
          invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

export function validateFinalizers(finalizers: string[] | null | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(finalizers)) return errs;
  for (const f of finalizers) {
    for (const msg of isQualifiedName(String(f))) errs.push(invalid(path, f, msg));
  }
  if (finalizers.includes(FINALIZER_ORPHAN_DEPENDENTS) && finalizers.includes(FINALIZER_DELETE_DEPENDENTS)) {
    errs.push(invalid(path, finalizers, `finalizer ${FINALIZER_ORPHAN_DEPENDENTS} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`));
  }
  return errs;
}

export interface ObjectMetaValidationOptions {
  namespaced: boolean;
  /** Rule for metadata.name / generateName; default: DNS-1123 subdomain. */
  nameValidator?: NameValidator | ((name: string) => string[]);
}

/**
 * Validation of metadata on create. The apiserver generates the name from generateName before
 * calling this, so "name or generateName is required" only fires when both are missing.
 */
export function validateObjectMeta(meta: Json, opts: ObjectMetaValidationOptions, path = 'metadata'): FieldError[] {
  const m = meta && typeof meta === 'object' ? meta : {};
  const nameFn = (opts.nameValidator ?? nameIsDNSSubdomain) as NameValidator;
  const errs: FieldError[] = [];

  const generateName = typeof m.generateName === 'string' ? m.generateName : '';
  if (generateName) {
    for (const msg of nameFn(generateName, true)) errs.push(invalid(`${path}.generateName`, generateName, msg));
  }
  const name = typeof m.name === 'string' ? m.name : '';
  if (!name) {
    errs.push(required(`${path}.name`, 'name or generateName is required'));
  } else {
    // A name that cannot be a URL path segment is reported alone, as the apiserver checks it first.
    const pathErrs = isValidPathSegmentName(name);
    const msgs = pathErrs.length ? pathErrs : nameFn(name, false);
    for (const msg of msgs) errs.push(invalid(`${path}.name`, name, msg));
  }

  const namespace = typeof m.namespace === 'string' ? m.namespace : '';
  if (opts.namespaced) {
    if (!namespace) errs.push(required(`${path}.namespace`));
    else for (const msg of validateNamespaceName(namespace, false)) errs.push(invalid(`${path}.namespace`, namespace, msg));
  } else if (namespace) {
    errs.push(forbidden(`${path}.namespace`, 'not allowed on this type'));
  }

  errs.push(...validateNonnegativeField(m.generation, `${path}.generation`));
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return errs;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function immutable(newVal: unknown, oldVal: unknown, path: string): FieldError[] {
  return sameJson(newVal, oldVal) ? [] : [invalid(path, newVal, FIELD_IMMUTABLE_ERROR_MSG)];
}

/** Finalizers cannot be added once deletion has started. */
export function validateNoNewFinalizers(
  newFinalizers: string[] | null | undefined,
  oldFinalizers: string[] | null | undefined,
  path: string,
): FieldError[] {
  const old = new Set(oldFinalizers ?? []);
  const extra = [...new Set((newFinalizers ?? []).filter((f) => !old.has(f)))].sort();
  if (extra.length === 0) return [];
  return [forbidden(path, `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`)];
}

/**
 * Validation of metadata on update. resourceVersion preconditions are the storage layer's job
 * (an unconditional update takes the stored resourceVersion before validation), so they are
 * not checked here.
 */
export function validateObjectMetaUpdate(newMeta: Json, oldMeta: Json, path = 'metadata'): FieldError[] {
  const n = newMeta && typeof newMeta === 'object' ? newMeta : {};
  const o = oldMeta && typeof oldMeta === 'object' ? oldMeta : {};
  const errs: FieldError[] = [];

  if (o.deletionTimestamp) errs.push(...validateNoNewFinalizers(n.finalizers, o.finalizers, `${path}.finalizers`));
  if (typeof n.generation === 'number' && typeof o.generation === 'number' && n.generation < o.generation) {
    errs.push(invalid(`${path}.generation`, n.generation, 'must not be decremented'));
  }

  // Unset strings compare equal to empty ones, like Go's zero values.
  errs.push(...immutable(n.name ?? '', o.name ?? '', `${path}.name`));
  errs.push(...immutable(n.namespace ?? '', o.namespace ?? '', `${path}.namespace`));
  errs.push(...immutable(n.uid ?? '', o.uid ?? '', `${path}.uid`));
  errs.push(...immutable(n.creationTimestamp ?? null, o.creationTimestamp ?? null, `${path}.creationTimestamp`));
  errs.push(...immutable(n.deletionTimestamp ?? null, o.deletionTimestamp ?? null, `${path}.deletionTimestamp`));
  errs.push(...immutable(n.deletionGracePeriodSeconds ?? null, o.deletionGracePeriodSeconds ?? null, `${path}.deletionGracePeriodSeconds`));

  errs.push(...validateLabels(n.labels, `${path}.labels`));
  errs.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(n.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(n.finalizers, `${path}.finalizers`));
  return errs;
}
