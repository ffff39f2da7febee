// Schema-driven checks that kube-apiserver's JSON decoder performs while decoding a request
// body into Go structs: fields the type does not have (reported under fieldValidation
// Strict/Warn), duplicate keys (only visible in the raw text), and values of the wrong JSON
// type, which Go rejects with a 400 BadRequest such as
//   Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal
//   string into Go struct field DeploymentSpec.spec.replicas of type int32
// The messages imitate encoding/json (via sigs.k8s.io/json) and apimachinery's custom
// unmarshalers (Quantity, Time, MicroTime, IntOrString), because users compare them.
import type { FieldError } from '../field-errors.ts';
import { canonicalQuantity } from '../quantity.ts';
import { scalarWrapperSchema } from './openapi-v3.ts';
import { getDefinition, hasDefinition, jsonFields } from './registry.ts';
import type { Schema, StringSchema } from './types.ts';

export interface StrictDecodeResult {
  /** Paths of fields the schema does not know, e.g. "spec.template.spec.containers[0].imagee". */
  unknown: string[];
  /** Values Go could not decode; `detail` holds the Go-style message. */
  errors: FieldError[];
}

/**
 * Walks a decoded JSON object against the definition `defName`. With `prune`, unknown fields
 * are also deleted from `obj` in place, as decoding into Go structs drops them.
 */
export function checkFields(
  obj: unknown,
  defName: string,
  opts: { prune?: boolean; canonicalQuantities?: boolean } = {},
): StrictDecodeResult {
  const result: StrictDecodeResult = { unknown: [], errors: [] };
  const walker = new Walker(result, opts.prune ?? false, opts.canonicalQuantities ?? false);
  if (!isPlainObject(obj)) {
    walker.typeError(obj, '', '', '', goTypeOf({ ref: defName }));
    return result;
  }
  walker.object(obj, defName, '', '', true);
  return result;
}

/** `unknown field "spec.foo"` entries, as sigs.k8s.io/json words them. */
export function unknownFieldEntries(unknown: string[]): string[] {
  return unknown.map((path) => `unknown field ${JSON.stringify(path)}`);
}

/** `duplicate field "metadata.name"` entries for the paths findDuplicateFields() returns. */
export function duplicateFieldEntries(duplicates: string[]): string[] {
  return duplicates.map((path) => `duplicate field ${JSON.stringify(path)}`);
}

/** The message of a Strict rejection: `strict decoding error: unknown field "a", duplicate field "b"`. */
export function strictDecodingMessage(entries: string[]): string {
  return `strict decoding error: ${entries.join(', ')}`;
}

/** The 400 BadRequest message for a body that could not be decoded (type errors and strict errors alike). */
export function cannotBeHandledMessage(kind: string, version: string, detail: string): string {
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${detail}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's description of a JSON value in "cannot unmarshal X into ...". */
function jsonKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** The Go package-qualified type name of a definition: io.k8s.api.apps.v1.DeploymentSpec → v1.DeploymentSpec. */
function goStructType(defName: string): string {
  const parts = defName.split('.');
  return parts.length >= 2 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : defName;
}

const shortName = (defName: string) => defName.slice(defName.lastIndexOf('.') + 1);

function goTypeOf(schema: Schema): string {
  if ('ref' in schema) {
    const scalar = scalarWrapperSchema(schema.ref);
    return scalar ? goTypeOf(scalar) : goStructType(schema.ref);
  }
  switch (schema.type) {
    case 'string':
      switch (schema.format) {
        case 'byte':
          return '[]uint8';
        case 'date-time':
          return 'v1.Time';
        case 'date-time-micro':
          return 'v1.MicroTime';
        case 'quantity':
          return 'resource.Quantity';
        case 'int-or-string':
          return 'intstr.IntOrString';
        case 'duration':
          return 'v1.Duration';
        default:
          return 'string';
      }
    case 'integer':
      return schema.format === 'int32' ? 'int32' : 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[]${goTypeOf(schema.items)}`;
    case 'map':
      return `map[string]${goTypeOf(schema.values)}`;
    default:
      return 'interface {}';
  }
}

/** The definition (own or inlined) that declares a JSON field: Go names that struct in errors. */
function declaringDefinition(defName: string, field: string): string {
  const def = getDefinition(defName);
  if (field in def.fields) return defName;
  for (const embedded of def.inline ?? []) {
    if (field in jsonFields(embedded.ref)) return declaringDefinition(embedded.ref, field);
  }
  return defName;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** A value's place in its parent object or array. */
interface ValueSlot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
}

class Walker {
  constructor(
    private readonly result: StrictDecodeResult,
    private readonly prune: boolean,
    /** Rewrite each valid Quantity in its canonical form ("0.5" → "500m"), as Go's decoding round trip does. */
    private readonly canonicalQuantities: boolean,
  ) {}

  /** Records a Go UnmarshalTypeError: value kind, struct context and target type. */
  typeError(value: unknown, path: string, goPath: string, struct: string, goType: string, kind = jsonKind(value)): void {
    const where = struct ? `Go struct field ${struct}.${goPath}` : 'Go value';
    this.error(path, value, `json: cannot unmarshal ${kind} into ${where} of type ${goType}`);
  }

  error(path: string, value: unknown, detail: string): void {
    this.result.errors.push({ type: 'FieldValueInvalid', field: path, value, detail });
  }

  object(obj: Record<string, unknown>, defName: string, path: string, goPath: string, topLevel = false): void {
    const fields = jsonFields(defName);
    for (const [key, value] of Object.entries(obj)) {
      const childPath = path ? `${path}.${key}` : key;
      const field = fields[key];
      if (!field) {
        // TypeMeta is embedded in every kind, even when a definition forgets to list it.
        if (topLevel && (key === 'apiVersion' || key === 'kind') && typeof value === 'string') continue;
        this.result.unknown.push(childPath);
        if (this.prune) delete obj[key];
        continue;
      }
      const childGoPath = goPath ? `${goPath}.${key}` : key;
      this.value(value, field, childPath, childGoPath, shortName(declaringDefinition(defName, key)), { parent: obj, key });
    }
  }

  /** `at`: where the value sits, so that it can be rewritten (canonical quantities). */
  value(value: unknown, schema: Schema, path: string, goPath: string, struct: string, at?: ValueSlot): void {
    if (value === null) return; // Go leaves the zero value (or nil) in place.
    if ('ref' in schema) {
      const scalar = scalarWrapperSchema(schema.ref);
      if (scalar) {
        this.value(value, scalar, path, goPath, struct, at);
        return;
      }
      if (!isPlainObject(value)) {
        this.typeError(value, path, goPath, struct, goStructType(schema.ref));
        return;
      }
      // A ref nobody registered cannot be checked; accept it rather than reject valid input.
      if (hasDefinition(schema.ref)) this.object(value, schema.ref, path, goPath);
      return;
    }
    switch (schema.type) {
      case 'any':
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.typeError(value, path, goPath, struct, 'bool');
        return;
      case 'number':
        if (typeof value !== 'number') this.typeError(value, path, goPath, struct, 'float64');
        return;
      case 'integer':
        this.integer(value, schema.format === 'int32', path, goPath, struct);
        return;
      case 'string':
        this.string(value, schema, path, goPath, struct, at);
        return;
      case 'array':
        if (!Array.isArray(value)) {
          this.typeError(value, path, goPath, struct, goTypeOf(schema));
          return;
        }
        value.forEach((item, i) => {
          this.value(item, schema.items, `${path}[${i}]`, goPath, struct, { parent: value, key: i });
        });
        return;
      case 'map':
        if (!isPlainObject(value)) {
          this.typeError(value, path, goPath, struct, goTypeOf(schema));
          return;
        }
        for (const [key, item] of Object.entries(value))
          this.value(item, schema.values, `${path}.${key}`, goPath, struct, { parent: value, key });
        return;
    }
  }

  private canonicalize(value: string | number, at: ValueSlot): void {
    try {
      (at.parent as Record<string | number, unknown>)[at.key] = canonicalQuantity(typeof value === 'string' ? value.trim() : value);
    } catch {
      // Checked above with Kubernetes' rules; a text only the parser refuses stays as written.
    }
  }

  integer(value: unknown, int32: boolean, path: string, goPath: string, struct: string): void {
    const goType = int32 ? 'int32' : 'int64';
    if (typeof value !== 'number') {
      this.typeError(value, path, goPath, struct, goType);
      return;
    }
    const outOfRange = int32 ? value < INT32_MIN || value > INT32_MAX : !Number.isSafeInteger(value) && Math.abs(value) >= 2 ** 63;
    if (!Number.isInteger(value) || outOfRange) this.typeError(value, path, goPath, struct, goType, `number ${value}`);
  }

  string(value: unknown, schema: StringSchema, path: string, goPath: string, struct: string, at?: ValueSlot): void {
    switch (schema.format) {
      case 'int-or-string':
        // IntOrString decodes a non-string as int32, and Go adds the field context to that error.
        if (typeof value !== 'string') this.integer(value, true, path, goPath, struct);
        return;
      case 'quantity': {
        const problem = quantityProblem(typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '');
        if (problem || (typeof value !== 'string' && typeof value !== 'number')) this.error(path, value, problem ?? QUANTITY_FORMAT);
        else if (this.canonicalQuantities && at) this.canonicalize(value as string | number, at);
        return;
      }
      case 'date-time':
      case 'date-time-micro': {
        if (typeof value !== 'string') {
          this.typeError(value, path, goPath, struct, 'string');
          return;
        }
        const problem = timeProblem(value, schema.format === 'date-time-micro');
        if (problem) this.error(path, value, problem);
        return;
      }
      case 'duration':
        if (typeof value !== 'string') {
          this.typeError(value, path, goPath, struct, 'string');
          return;
        }
        if (!isGoDuration(value)) this.error(path, value, `time: invalid duration ${JSON.stringify(value)}`);
        return;
      case 'byte': {
        if (typeof value !== 'string') {
          this.typeError(value, path, goPath, struct, '[]uint8');
          return;
        }
        const bad = base64Problem(value);
        if (bad !== undefined) this.error(path, value, `illegal base64 data at input byte ${bad}`);
        return;
      }
      default:
        if (typeof value !== 'string') this.typeError(value, path, goPath, struct, 'string');
    }
  }
}

// ---------------------------------------------------------------------------------------
// Scalar formats, with the error texts of the Go parsers.

const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const quantityPattern = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const quantitySuffixes = new Set(['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E']);

/** Why resource.ParseQuantity would reject the text, or undefined when it parses. */
export function quantityProblem(text: string): string | undefined {
  const match = quantityPattern.exec(text);
  if (!match) return QUANTITY_FORMAT;
  const [, number, suffix] = match;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(number)) return 'unable to parse numeric part of quantity';
  if (!quantitySuffixes.has(suffix) && !/^[eE][-+]?\d+$/.test(suffix)) return "unable to parse quantity's suffix";
  return undefined;
}

const RFC3339 = '2006-01-02T15:04:05Z07:00';
const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';
const WELL_FORMED = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const WELL_FORMED_MICRO = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}(?:Z|[+-]\d{2}:\d{2})$/;

/** Month, day, hour, minute and second of a WELL_FORMED match within Go's ranges. */
function inRange(m: RegExpExecArray): boolean {
  const [month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59;
}

/** Why Go's time.Parse(RFC3339[Micro]) would reject the text, worded like time.ParseError. */
export function timeProblem(text: string, micro: boolean): string | undefined {
  // Nearly every time a client sends is well formed: check that with one expression, and
  // find the words for what is wrong only when it is not.
  const well = (micro ? WELL_FORMED_MICRO : WELL_FORMED).exec(text);
  if (well && inRange(well)) return undefined;
  const layout = micro ? RFC3339_MICRO : RFC3339;
  const fail = (rest: string, element: string) =>
    `parsing time ${JSON.stringify(text)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(element)}`;
  const steps: [string, RegExp][] = [
    ['2006', /^\d{4}/],
    ['-', /^-/],
    ['01', /^\d{2}/],
    ['-', /^-/],
    ['02', /^\d{2}/],
    ['T', /^T/],
    ['15', /^\d{2}/],
    [':', /^:/],
    ['04', /^\d{2}/],
    [':', /^:/],
    ['05', /^\d{2}/],
  ];
  if (micro) steps.push(['.000000', /^\.\d{6}/]);
  let rest = text;
  const numbers: number[] = [];
  for (const [element, pattern] of steps) {
    const m = pattern.exec(rest);
    if (!m) return fail(rest, element);
    if (/^\d+$/.test(m[0])) numbers.push(Number(m[0]));
    rest = rest.slice(m[0].length);
  }
  if (!micro) rest = rest.replace(/^[.,]\d+/, ''); // Go accepts fractional seconds the layout does not name
  const zone = /^(Z|[+-]\d{2}:\d{2})/.exec(rest);
  if (!zone) return fail(rest, 'Z07:00');
  rest = rest.slice(zone[0].length);
  if (rest) return `parsing time ${JSON.stringify(text)}: extra text: ${JSON.stringify(rest)}`;
  const [, month, day, hour, minute, second] = numbers;
  const range = (what: string) => `parsing time ${JSON.stringify(text)}: ${what} out of range`;
  if (month < 1 || month > 12) return range('month');
  if (day < 1 || day > 31) return range('day');
  if (hour > 23) return range('hour');
  if (minute > 59) return range('minute');
  if (second > 59) return range('second');
  return undefined;
}

const durationUnit = '(ns|us|µs|μs|ms|s|m|h)';
const durationPattern = new RegExp(`^[-+]?(0|((\\d+(\\.\\d*)?|\\.\\d+)${durationUnit})+)$`);

function isGoDuration(text: string): boolean {
  return durationPattern.test(text);
}

/** Index of the first byte Go's base64.StdEncoding rejects, or undefined when the text decodes. */
function base64Problem(text: string): number | undefined {
  const body = text.replace(/[\r\n]/g, '');
  if (/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(body)) return undefined;
  const bad = body.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return bad;
  const padding = body.indexOf('=');
  return padding >= 0 ? padding : body.length - (body.length % 4);
}

// ---------------------------------------------------------------------------------------
// Duplicate keys: JSON.parse keeps the last one silently, so scan the raw text.

/**
 * Paths ("metadata.name", "spec.parts[1].name") of every key repeated within one JSON object
 * (map keys included), each once, in document order; duplicateFieldEntries() words them.
 * The text is assumed to be valid JSON.
 */
export function findDuplicateFields(jsonText: string): string[] {
  const found: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < jsonText.length && ' \t\r\n'.includes(jsonText[i])) i++;
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < jsonText.length && jsonText[i] !== '"') i += jsonText[i] === '\\' ? 2 : 1;
    i++; // closing quote
    return JSON.parse(jsonText.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    skipSpace();
    const c = jsonText[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      skipSpace();
      if (jsonText[i] === '}') {
        i++;
        return;
      }
      while (i < jsonText.length) {
        skipSpace();
        const key = readString();
        const keyPath = path ? `${path}.${key}` : key;
        if (seen.has(key) && !found.includes(keyPath)) found.push(keyPath);
        seen.add(key);
        skipSpace();
        i++; // colon
        value(keyPath);
        skipSpace();
        if (jsonText[i++] === '}') return;
      }
    } else if (c === '[') {
      i++;
      skipSpace();
      if (jsonText[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; i < jsonText.length; index++) {
        value(`${path}[${index}]`);
        skipSpace();
        if (jsonText[i++] === ']') return;
      }
    } else if (c === '"') {
      readString();
    } else {
      while (i < jsonText.length && !',}] \t\r\n'.includes(jsonText[i])) i++;
    }
  };
  value('');
  return found;
}
