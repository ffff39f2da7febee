// Field-level validation errors, formatted exactly like Kubernetes' field.Error so that
// kubectl prints the familiar `The Deployment "web" is invalid: spec.replicas: ...`.
import { goQuote } from './go-quote.ts';

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound';

export interface FieldError {
  type: FieldErrorType;
  /** Dotted path with indexes, e.g. "spec.template.spec.containers[0].image". */
  field: string;
  value?: unknown;
  detail?: string;
}

export const required = (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, detail });
export const invalid = (field: string, value: unknown, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  value,
  detail,
});
export const notSupported = (field: string, value: unknown, supported: string[]): FieldError => ({
  type: 'FieldValueNotSupported',
  field,
  value,
  detail: supported.length ? `supported values: ${supported.map(goQuote).join(', ')}` : '',
});
export const duplicate = (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, value });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
export const tooLong = (field: string, value: unknown, max: number): FieldError => ({
  type: 'FieldValueTooLong',
  field,
  value,
  // Kubernetes 1.32+ wording (field.TooLong); "must have at most" is TooMany's.
  detail: `may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}`,
});
export const tooMany = (field: string, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field,
  value: actual,
  detail: `must have at most ${max} items`,
});

const typeText: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueNotFound: 'Not found',
};

/** A value printed word for word: Go's %#v of something with no JSON form, e.g. `[]networking.IngressRule(nil)`. */
export class GoValue {
  constructor(readonly text: string) {}
}

// Go's printing of the bad value, as apimachinery's field.Error does it up to Kubernetes 1.33
// (1.34 switched to JSON, kubernetes/kubernetes#132314): a nil value or nil pointer reads
// "null" (quoted, as it is printed as a string), strings are quoted with %q, integers, floats
// and bools print plain, and anything else (slices, maps, structs, pointers to structs) with
// %#v — `[]string{"a", "b"}`, `map[string]string{"k":"v"}`, `v1.LabelSelector{...}`.

/** %#v of a []string: `[]string{"a", "b"}`, or `[]string(nil)` for a missing list. */
export function goStringSlice(values: unknown): string {
  if (!Array.isArray(values)) return '[]string(nil)';
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/** %#v of a map[string]string, keys sorted as fmt sorts them; `map[string]string(nil)` for a missing map. */
export function goStringMap(map: unknown): string {
  if (!map || typeof map !== 'object') return 'map[string]string(nil)';
  const record = map as Record<string, unknown>;
  const entries = Object.keys(record)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(record[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/**
 * The bad value as Kubernetes 1.33 prints it in a field error. A JSON value does not say its
 * Go type, so only the unambiguous shapes get a Go form: a list of strings (or an empty list,
 * in the API nearly always a []string) is a []string, an object of string values a
 * map[string]string. Other lists and objects (structs, whose Go type names only the kind's
 * validation knows; lists of numbers, whose int width is unknown) stay JSON unless the caller
 * passes a GoValue.
 */
function renderValue(value: unknown): string {
  if (value instanceof GoValue) return value.text;
  if (value === null || value === undefined) return goQuote('null');
  if (typeof value === 'string') return goQuote(value);
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? goStringSlice(value) : JSON.stringify(value);
  if (typeof value === 'object') {
    return Object.values(value).every((v) => typeof v === 'string') ? goStringMap(value) : JSON.stringify(value);
  }
  return String(value);
}

/** "spec.replicas: Invalid value: -1: must be greater than or equal to 0" */
export function formatFieldError(e: FieldError): string {
  let s = `${e.field}: ${typeText[e.type]}`;
  const showsValue =
    e.type === 'FieldValueInvalid' ||
    e.type === 'FieldValueNotSupported' ||
    e.type === 'FieldValueDuplicate' ||
    e.type === 'FieldValueNotFound';
  if (showsValue && e.value !== undefined) s += `: ${renderValue(e.value)}`;
  if (e.type === 'FieldValueTooLong' && e.detail) s += `: ${e.detail}`;
  else if (e.type === 'FieldValueTooMany' && e.detail) s += `: ${e.value}: ${e.detail}`;
  else if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** The aggregate message: one error alone, or "[a, b]" for several, as Kubernetes does. */
export function formatFieldErrors(errors: FieldError[]): string {
  const parts = errors.map(formatFieldError);
  return parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
}
