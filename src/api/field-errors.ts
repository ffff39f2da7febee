// Field-level validation errors, formatted exactly like Kubernetes' field.Error so that
// kubectl prints the familiar `The Deployment "web" is invalid: spec.replicas: ...`.

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

/**
 * Go's unicode.IsPrint of a code point: categories L, M, N, P and S, plus the ASCII space.
 * Node's Unicode tables are newer than Go 1.24's (15.0.0), so a character added since, such
 * as U+1C89 (Unicode 16), counts as printable here where Go escapes it.
 */
export function goIsPrint(cp: number): boolean {
  if (cp < 0x7f) return cp >= 0x20;
  return printable.test(String.fromCodePoint(cp));
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

const shortEscapes: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
const hex = (cp: number, width: number): string => cp.toString(16).padStart(width, '0');

/**
 * Go's %q of a string (strconv.Quote): `"` and `\` backslashed, printable characters
 * (goIsPrint) as they are, \a \b \f \n \r \t \v, \xNN for the other bytes below 0x20 and 0x7f,
 * \uNNNN or \UNNNNNNNN for the other code points that are not printable (U+00A0, U+200B,
 * U+2028, private use, unassigned code points).
 *
 * A lone surrogate prints as U+FFFD itself, unescaped. A JavaScript string gets one from a
 * JSON "\ud800" escape, which Go's JSON decoding turns into a valid, encoded U+FFFD, and
 * strconv.Quote keeps that as it is (U+FFFD is a printable symbol). Go escapes only bytes that
 * are not valid UTF-8, as \xNN, and such bytes never reach a JavaScript string (Node decodes
 * them to U+FFFD as well); strconv.Quote of a string never writes "\ufffd".
 */
export function goQuote(value: unknown): string {
  const s = String(value ?? '');
  let out = '"';
  for (const ch of s) {
    let cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp === 0x22 || cp === 0x5c) out += `\\${ch}`;
    else if (goIsPrint(cp)) out += String.fromCodePoint(cp);
    else if (shortEscapes[cp]) out += shortEscapes[cp];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

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
