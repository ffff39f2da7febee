// Decodes Kubernetes protobuf request bodies (kubectl ≥1.32 sends them for `create <generator>`,
// `autoscale` and `auth can-i`) into plain JSON objects, driven only by the schema definitions:
// each field's `proto` number says where it sits in the generated.proto message, and the
// schema says how to turn the wire value into JSON. No per-kind code.
//
// Envelope: the bytes "k8s\0", then runtime.Unknown {typeMeta=1 {apiVersion=1, kind=2}, raw=2,
// contentEncoding=3, contentType=4}; `raw` is the object's message.
import type { KubeObject } from '../resource-type.ts';
import { scalarWrapperSchema } from './openapi-v3.ts';
import { allDefinitions, getDefinition } from './registry.ts';
import type { Field, Schema } from './types.ts';

export const protobufMagic = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

/** True when the body starts with the Kubernetes protobuf magic. */
export function hasProtobufMagic(body: Uint8Array): boolean {
  return body.length >= 4 && protobufMagic.every((b, i) => body[i] === b);
}

export interface UnknownEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** Splits the envelope: magic + runtime.Unknown. */
export function decodeEnvelope(body: Uint8Array): UnknownEnvelope {
  if (!hasProtobufMagic(body))
    throw new ProtobufDecodeError('provided object is not a Kubernetes protobuf message (missing "k8s\\0" prefix)');
  const envelope: UnknownEnvelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const r = new WireReader(body.subarray(4));
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (wire !== LENGTH) {
      r.skip(wire);
      continue;
    }
    const bytes = r.bytes();
    if (field === 1) {
      const meta = new WireReader(bytes);
      while (!meta.done()) {
        const t = meta.tag();
        if (t.wire !== LENGTH) meta.skip(t.wire);
        else if (t.field === 1) envelope.apiVersion = utf8(meta.bytes());
        else if (t.field === 2) envelope.kind = utf8(meta.bytes());
        else meta.skip(t.wire);
      }
    } else if (field === 2) envelope.raw = bytes;
    else if (field === 3) envelope.contentEncoding = utf8(bytes);
    else if (field === 4) envelope.contentType = utf8(bytes);
  }
  return envelope;
}

/** Decodes a whole request body into JSON, with apiVersion and kind from the envelope. */
export function decodeProtobufObject(body: Uint8Array): KubeObject {
  const { apiVersion, kind, raw, contentEncoding } = decodeEnvelope(body);
  if (contentEncoding) throw new ProtobufDecodeError(`unsupported protobuf content encoding ${JSON.stringify(contentEncoding)}`);
  if (!kind) throw new ProtobufDecodeError('protobuf message has no kind');
  const defName = definitionForKind(apiVersion, kind);
  if (!defName) throw new ProtobufDecodeError(`no schema for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}`);
  return { apiVersion, kind, ...decodeMessage(raw, defName) };
}

let gvkIndex = { size: -1, byKey: new Map<string, string>() };

/** The definition whose x-kubernetes-group-version-kind matches ("apps/v1", "Deployment"). */
export function definitionForKind(apiVersion: string, kind: string): string | undefined {
  const defs = allDefinitions();
  const names = Object.keys(defs);
  if (gvkIndex.size !== names.length) {
    const byKey = new Map<string, string>();
    for (const name of names) for (const g of defs[name].gvk ?? []) byKey.set(`${g.group}/${g.version}/${g.kind}`, name);
    gvkIndex = { size: names.length, byKey };
  }
  const slash = apiVersion.indexOf('/');
  const [group, version] = slash >= 0 ? [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)] : ['', apiVersion];
  const found = gvkIndex.byKey.get(`${group}/${version}/${kind}`);
  if (found) return found;
  // metav1.AddToGroupVersion puts DeleteOptions and its kin into every group version, and typed
  // clients send them that way (an RBAC client's DELETE carries rbac.authorization.k8s.io/v1).
  const meta = gvkIndex.byKey.get(`/v1/${kind}`);
  return meta?.startsWith(META_PREFIX) ? meta : undefined;
}

const META_PREFIX = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

type Slot = { kind: 'field'; name: string; field: Field } | { kind: 'inline'; ref: string };
const slotCache = new Map<string, Map<number, Slot>>();

/** Proto field number → JSON field (or inlined struct) of a definition. */
function slotsOf(defName: string): Map<number, Slot> {
  let slots = slotCache.get(defName);
  if (slots) return slots;
  const def = getDefinition(defName);
  slots = new Map();
  for (const [name, field] of Object.entries(def.fields)) if (field.proto) slots.set(field.proto, { kind: 'field', name, field });
  for (const embedded of def.inline ?? []) slots.set(embedded.proto, { kind: 'inline', ref: embedded.ref });
  slotCache.set(defName, slots);
  return slots;
}

/** Decodes one message of definition `defName` into a JSON object. */
export function decodeMessage(bytes: Uint8Array, defName: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  decodeInto(out, bytes, defName);
  return out;
}

function decodeInto(out: Record<string, unknown>, bytes: Uint8Array, defName: string): void {
  const slots = slotsOf(defName);
  const r = new WireReader(bytes);
  while (!r.done()) {
    const { field, wire } = r.tag();
    const slot = slots.get(field);
    if (!slot) {
      r.skip(wire); // fields newer than our schema are ignored, as proto decoders do
      continue;
    }
    if (slot.kind === 'inline') {
      // An embedded Go struct: a sub-message whose fields belong to this JSON object.
      if (wire === LENGTH) decodeInto(out, r.bytes(), slot.ref);
      else r.skip(wire);
      continue;
    }
    decodeField(out, slot.name, slot.field, wire, r);
  }
}

function decodeField(out: Record<string, unknown>, name: string, schema: Schema, wire: number, r: WireReader): void {
  const resolved = resolve(schema);
  if ('type' in resolved && resolved.type === 'array') {
    if (!Array.isArray(out[name])) out[name] = [];
    const list = out[name] as unknown[];
    const items = resolve(resolved.items);
    if (wire === LENGTH && isPackable(items)) {
      const packed = new WireReader(r.bytes());
      while (!packed.done()) list.push(decodeScalar(items, scalarWire(items), packed));
    } else {
      const value = decodeValue(items, wire, r);
      if (value !== SKIP) list.push(value);
    }
    return;
  }
  if ('type' in resolved && resolved.type === 'map') {
    if (wire !== LENGTH) {
      r.skip(wire);
      return;
    }
    if (!isObject(out[name])) out[name] = {};
    const map = out[name] as Record<string, unknown>;
    const entry = new WireReader(r.bytes());
    let key = '';
    let value: unknown = SKIP;
    while (!entry.done()) {
      const t = entry.tag();
      if (t.field === 1 && t.wire === LENGTH) key = utf8(entry.bytes());
      else if (t.field === 2) value = decodeMapValue(resolved.values, t.wire, entry);
      else entry.skip(t.wire);
    }
    // An entry without a value carries the zero value of the value type.
    map[key] = value === SKIP ? zeroValue(resolve(resolved.values)) : value;
    return;
  }
  const value = decodeValue(resolved, wire, r);
  if (value === SKIP) return;
  // Go writes non-pointer strings even when empty; JSON would omit them (omitempty), and
  // defaulting treats "" as unset, so an empty plain string is dropped. (This loses an
  // explicit "" in a *string field, which no kubectl generator sends.)
  if (value === '' && 'type' in resolved && resolved.type === 'string' && !resolved.format) return;
  if ((schema as Field).omitZero && (value === 0 || value === false || value === 0n)) return;
  out[name] = value;
}

/** Map values that are lists travel in a wrapper message with the items at field 1 (e.g. ExtraValue). */
function decodeMapValue(schema: Schema, wire: number, r: WireReader): unknown {
  const resolved = resolve(schema);
  if ('type' in resolved && resolved.type === 'array') {
    if (wire !== LENGTH) {
      r.skip(wire);
      return SKIP;
    }
    const holder: Record<string, unknown> = {};
    const inner = new WireReader(r.bytes());
    while (!inner.done()) {
      const t = inner.tag();
      if (t.field === 1) decodeField(holder, 'items', resolved, t.wire, inner);
      else inner.skip(t.wire);
    }
    return holder.items ?? [];
  }
  return decodeValue(resolved, wire, r);
}

const SKIP = Symbol('skip');

function resolve(schema: Schema): Schema {
  if ('ref' in schema) return scalarWrapperSchema(schema.ref) ?? schema;
  return schema;
}

function isPackable(schema: Schema): boolean {
  return 'type' in schema && (schema.type === 'integer' || schema.type === 'number' || schema.type === 'boolean');
}

function scalarWire(schema: Schema): number {
  return 'type' in schema && schema.type === 'number' ? FIXED64 : VARINT;
}

function zeroValue(schema: Schema): unknown {
  if ('ref' in schema) return {};
  switch (schema.type) {
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'string':
      return schema.format === 'date-time' || schema.format === 'date-time-micro' ? null : '';
    default:
      return null;
  }
}

/** One wire value of the given schema; SKIP when the wire type does not fit. */
function decodeValue(schema: Schema, wire: number, r: WireReader): unknown {
  if ('ref' in schema) {
    if (wire !== LENGTH) {
      r.skip(wire);
      return SKIP;
    }
    return decodeMessage(r.bytes(), schema.ref);
  }
  if (isPackable(schema)) {
    if (wire !== scalarWire(schema) && !(wire === FIXED32 && schema.type === 'number')) {
      r.skip(wire);
      return SKIP;
    }
    return decodeScalar(schema, wire, r);
  }
  if (wire !== LENGTH) {
    r.skip(wire);
    return SKIP;
  }
  const bytes = r.bytes();
  switch (schema.type) {
    case 'string':
      switch (schema.format) {
        case 'byte':
          return Buffer.from(bytes).toString('base64');
        case 'date-time':
          return decodeTime(bytes, false);
        case 'date-time-micro':
          return decodeTime(bytes, true);
        case 'int-or-string':
          return decodeIntOrString(bytes);
        case 'quantity':
          return decodeStringAt(bytes, 1);
        case 'duration':
          return formatGoDuration(decodeVarintAt(bytes, 1));
        default:
          return utf8(bytes);
      }
    case 'any':
      return decodeRawExtension(bytes);
    default:
      return SKIP;
  }
}

function decodeScalar(schema: Schema, wire: number, r: WireReader): unknown {
  if ('type' in schema && schema.type === 'number') return wire === FIXED32 ? r.float() : r.double();
  const v = r.varint();
  if ('type' in schema && schema.type === 'boolean') return v !== 0n;
  if ('type' in schema && schema.type === 'integer' && schema.format === 'int32') return Number(BigInt.asIntN(32, v));
  return Number(BigInt.asIntN(64, v));
}

/** metav1.Time / MicroTime {seconds=1, nanos=2}; an empty message is the zero time (JSON null). */
function decodeTime(bytes: Uint8Array, micro: boolean): string | null {
  if (bytes.length === 0) return null;
  let seconds = 0n;
  let nanos = 0;
  const r = new WireReader(bytes);
  while (!r.done()) {
    const t = r.tag();
    if (t.field === 1 && t.wire === VARINT) seconds = BigInt.asIntN(64, r.varint());
    else if (t.field === 2 && t.wire === VARINT) nanos = Number(BigInt.asIntN(32, r.varint()));
    else r.skip(t.wire);
  }
  const iso = new Date(Number(seconds) * 1000).toISOString(); // 2026-01-02T03:04:05.000Z
  const base = iso.slice(0, 19);
  // Time keeps whole seconds only (as Kubernetes does); MicroTime keeps microseconds.
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

/** intstr.IntOrString {type=1 (0 int, 1 string), intVal=2, strVal=3}. */
function decodeIntOrString(bytes: Uint8Array): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  const r = new WireReader(bytes);
  while (!r.done()) {
    const t = r.tag();
    if (t.field === 1 && t.wire === VARINT) type = Number(r.varint());
    else if (t.field === 2 && t.wire === VARINT) intVal = Number(BigInt.asIntN(32, r.varint()));
    else if (t.field === 3 && t.wire === LENGTH) strVal = utf8(r.bytes());
    else r.skip(t.wire);
  }
  return type === 1 ? strVal : intVal;
}

/** runtime.RawExtension {raw=1}: raw holds the embedded object as JSON. */
function decodeRawExtension(bytes: Uint8Array): unknown {
  const r = new WireReader(bytes);
  let raw: Uint8Array | undefined;
  while (!r.done()) {
    const t = r.tag();
    if (t.field === 1 && t.wire === LENGTH) raw = r.bytes();
    else r.skip(t.wire);
  }
  if (!raw || raw.length === 0) return SKIP;
  try {
    return JSON.parse(utf8(raw));
  } catch {
    throw new ProtobufDecodeError('embedded object (RawExtension) is not JSON');
  }
}

function decodeStringAt(bytes: Uint8Array, field: number): string {
  const r = new WireReader(bytes);
  let value = '';
  while (!r.done()) {
    const t = r.tag();
    if (t.field === field && t.wire === LENGTH) value = utf8(r.bytes());
    else r.skip(t.wire);
  }
  return value;
}

function decodeVarintAt(bytes: Uint8Array, field: number): bigint {
  const r = new WireReader(bytes);
  let value = 0n;
  while (!r.done()) {
    const t = r.tag();
    if (t.field === field && t.wire === VARINT) value = BigInt.asIntN(64, r.varint());
    else r.skip(t.wire);
  }
  return value;
}

/** Go's time.Duration.String(): "1h2m3.5s", "1m0s", "500ms", "1.5µs", "0s". */
export function formatGoDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const negative = nanoseconds < 0n;
  let u = negative ? -nanoseconds : nanoseconds;
  const fraction = (v: bigint, digits: number): [string, bigint] => {
    let text = '';
    let printed = false;
    for (let i = 0; i < digits; i++) {
      const digit = v % 10n;
      printed ||= digit !== 0n;
      if (printed) text = digit.toString() + text;
      v /= 10n;
    }
    return [printed ? `.${text}` : '', v];
  };
  let text: string;
  if (u < 1_000_000_000n) {
    const [unit, digits] = u < 1000n ? ['ns', 0] : u < 1_000_000n ? ['µs', 3] : ['ms', 6];
    const [frac, whole] = fraction(u, digits);
    text = `${whole}${frac}${unit}`;
  } else {
    const [frac, wholeSeconds] = fraction(u, 9);
    u = wholeSeconds;
    text = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      text = `${u % 60n}m${text}`;
      u /= 60n;
      if (u > 0n) text = `${u}h${text}`;
    }
  }
  return negative ? `-${text}` : text;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const textDecoder = new TextDecoder();
const utf8 = (bytes: Uint8Array) => textDecoder.decode(bytes);

// ---------------------------------------------------------------------------------------
// A minimal protobuf wire reader (varints as bigint, so int64 and negative int32 are exact).

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

class WireReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new ProtobufDecodeError('truncated protobuf varint');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, result);
    }
    throw new ProtobufDecodeError('malformed protobuf varint');
  }

  tag(): { field: number; wire: number } {
    const tag = Number(this.varint());
    return { field: tag >>> 3, wire: tag & 7 };
  }

  bytes(): Uint8Array {
    const length = Number(this.varint());
    if (this.pos + length > this.buf.length) throw new ProtobufDecodeError('truncated protobuf field');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  double(): number {
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.take(8), 8);
    return view.getFloat64(0, true);
  }

  float(): number {
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.take(4), 4);
    return view.getFloat32(0, true);
  }

  private take(n: number): number {
    if (this.pos + n > this.buf.length) throw new ProtobufDecodeError('truncated protobuf field');
    const at = this.pos;
    this.pos += n;
    return at;
  }

  skip(wire: number): void {
    switch (wire) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        this.take(8);
        return;
      case LENGTH:
        this.bytes();
        return;
      case FIXED32:
        this.take(4);
        return;
      default:
        throw new ProtobufDecodeError(`unsupported protobuf wire type ${wire}`);
    }
  }
}
