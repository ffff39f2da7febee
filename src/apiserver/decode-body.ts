// Decoding request bodies into API objects: JSON, YAML or Kubernetes protobuf, with
// nesting limits, apiVersion/kind checks and fieldValidation (Strict | Warn | Ignore).
import { parse as parseYaml } from 'yaml';
import type { KubeObject, ResourceType } from '../api/resource-type.ts';
import { decodeProtobufObject } from '../api/schema/protobuf-decode.ts';
import { checkFields, findDuplicateFields } from '../api/schema/strict-decode.ts';
import { badRequest, type StatusError, unsupportedMediaType } from './errors.ts';
import { goJsonSyntaxError } from './go-json-error.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Objects nested deeper than this are refused before any code walks them recursively. */
const maxNestingDepth = 100;

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw badRequest(`fieldValidation parameter unsupported: ${value}; must be one of Strict, Warn, Ignore`);
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
}

export interface DecodedBody {
  object: KubeObject;
  /** The JSON text, when the body was JSON (duplicate-field detection needs it). */
  jsonText?: string;
}

/**
 * Parse the raw body into a JSON value according to its content type. `what` names the expected
 * kind, e.g. `Pod in version "v1"`.
 */
export function parseBody(body: Buffer, contentType: string | undefined, what: string): DecodedBody {
  const type = mediaType(contentType);
  let value: unknown;
  let jsonText: string | undefined;
  if (type === 'application/json' || type === '*/*' || type === '') {
    jsonText = body.toString('utf8');
    try {
      value = JSON.parse(jsonText);
    } catch (err) {
      throw unrecognized(what, body, `couldn't get version/kind; json parse error: ${goJsonSyntaxError(jsonText, err)}`);
    }
    // Go reads apiVersion and kind into a struct first, which only an object (or null) fits.
    const jsonType = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
    if (jsonType === 'string' || jsonType === 'number' || jsonType === 'bool' || jsonType === 'array') {
      throw unrecognized(
        what,
        body,
        `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonType} into Go value of type ${typeMetaStruct}`,
      );
    }
  } else if (type === 'application/yaml') {
    try {
      value = parseYaml(body.toString('utf8'), { maxAliasCount: 100 });
    } catch (err) {
      throw unrecognized(what, body, `error converting YAML to JSON: ${(err as Error).message}`);
    }
  } else if (type === 'application/vnd.kubernetes.protobuf') {
    try {
      value = decodeProtobufObject(new Uint8Array(body));
    } catch (err) {
      throw badRequest(`${what}: ${(err as Error).message}`);
    }
  } else {
    throw unsupportedMediaType(type);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`${what}: the body of the request must be a JSON object`);
  }
  checkDepth(value);
  return { object: value as KubeObject, jsonText };
}

/** The Go type kube-apiserver decodes apiVersion and kind into, as reflect prints it. */
const typeMetaStruct = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/**
 * A body whose kind could not be read: transformDecodeError's message, with the start of the body
 * (summarizeData: up to 30 bytes as text when it looks like JSON, else as hex).
 */
function unrecognized(what: string, body: Buffer, reason: string): StatusError {
  const kind = what.split(' ')[0];
  const head = body.subarray(0, 30);
  const more = body.length > 30 ? ' ...' : '';
  const summary = body.length === 0 ? '<empty>' : body[0] === 0x7b ? head.toString('utf8') + more : head.toString('hex') + more;
  return badRequest(`the object provided is unrecognized (must be of type ${kind}): ${reason} (${summary})`);
}

/** Iterative depth check, so hostile nesting cannot overflow the stack later. */
export function checkDepth(root: unknown): void {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxNestingDepth) throw badRequest(`the request body is nested more than ${maxNestingDepth} levels deep`);
    for (const child of Object.values(node as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
}

/**
 * Check apiVersion/kind against the endpoint and unknown/duplicate fields against the
 * schema. Returns warnings for fieldValidation=Warn; throws 400 for Strict. Under Warn and
 * Ignore unknown fields are removed from the object, as Kubernetes never stores them.
 */
export function validateDecoded(rt: ResourceType, decoded: DecodedBody, validation: FieldValidation, apiVersion: string): string[] {
  const { object } = decoded;
  const kindText = `${rt.kind} in version "${rt.version}"`;
  if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersion})`);
  }
  if (object.kind !== undefined && object.kind !== rt.kind) {
    throw badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${rt.kind})`);
  }
  const { unknown, errors } = checkFields(object, rt.schema, { prune: validation !== 'Strict', canonicalQuantities: true });
  if (errors.length) throw badRequest(`${kindText} cannot be handled as a ${rt.kind}: ${errors[0].detail}`);
  if (validation === 'Ignore') return [];
  const problems = unknown.map((f) => `unknown field "${f}"`);
  if (decoded.jsonText && hasDuplicateKeys(decoded.jsonText, object)) {
    problems.push(...findDuplicateFields(decoded.jsonText).map((f) => `duplicate field "${f}"`));
  }
  if (!problems.length) return [];
  if (validation === 'Strict') {
    throw badRequest(`${kindText} cannot be handled as a ${rt.kind}: strict decoding error: ${problems.join(', ')}`);
  }
  return problems;
}

/**
 * Whether the JSON text repeats a key within some object: JSON.parse keeps one member per
 * key, so the text then names more keys than the parsed value holds. Counting both is far
 * cheaper than findDuplicateFields' full scan, which only runs when this says yes.
 */
export function hasDuplicateKeys(jsonText: string, parsed: unknown): boolean {
  return keysInText(jsonText) !== keysInValue(parsed);
}

/** Strings followed by a colon (the text is valid JSON: JSON.parse accepted it). */
function keysInText(text: string): number {
  let keys = 0;
  let quote = text.indexOf('"');
  while (quote !== -1) {
    let end = text.indexOf('"', quote + 1);
    while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
    if (end === -1) break;
    let next = end + 1;
    while (isJsonSpace(text.charCodeAt(next))) next++;
    if (text.charCodeAt(next) === 58 /* : */) keys++;
    quote = text.indexOf('"', next);
  }
  return keys;
}

/** An odd number of backslashes before the quote at `at`. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; text.charCodeAt(i) === 92; i--) backslashes++;
  return backslashes % 2 === 1;
}

function isJsonSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Members of every object in the value (its depth is bounded: checkDepth ran). */
function keysInValue(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let keys = 0;
  if (Array.isArray(value)) {
    for (const item of value) keys += keysInValue(item);
    return keys;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    keys += 1 + keysInValue((value as Record<string, unknown>)[key]);
  }
  return keys;
}
