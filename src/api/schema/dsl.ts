// Short constructors for schema fields, so definition files read like the Go structs.
// Every constructor takes the protobuf field number first (0 = no protobuf field) and the
// user-facing description (shown by `kubectl explain`).
import type { Field, Schema, StringSchema } from './types.ts';

type Extra = Partial<Omit<Field, 'type' | 'ref' | 'items' | 'values'>>;

function field(schema: Schema, proto: number, description: string, extra: Extra): Field {
  const f = { ...schema, ...extra, description } as Field;
  if (proto > 0) f.proto = proto;
  return f;
}

export const string = (proto: number, description = '', extra: Extra & { enum?: string[] } = {}): Field =>
  field({ type: 'string' }, proto, description, extra);
export const int32 = (proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'integer', format: 'int32' }, proto, description, extra);
export const int64 = (proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'integer', format: 'int64' }, proto, description, extra);
export const double = (proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'number', format: 'double' }, proto, description, extra);
export const bool = (proto: number, description = '', extra: Extra = {}): Field => field({ type: 'boolean' }, proto, description, extra);
export const bytes = (proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'string', format: 'byte' }, proto, description, extra);
export const time = (proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'string', format: 'date-time' }, proto, description, extra);
export const microTime = (proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'string', format: 'date-time-micro' }, proto, description, extra);
export const duration = (proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'string', format: 'duration' }, proto, description, extra);
export const quantity = (proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'string', format: 'quantity' }, proto, description, extra);
export const intOrString = (proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'string', format: 'int-or-string' }, proto, description, extra);
export const any = (proto: number, description = '', extra: Extra = {}): Field => field({ type: 'any' }, proto, description, extra);
export const ref = (name: string, proto: number, description = '', extra: Extra = {}): Field =>
  field({ ref: name }, proto, description, extra);
export const array = (items: Schema, proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'array', items }, proto, description, extra);
export const map = (values: Schema, proto: number, description = '', extra: Extra = {}): Field =>
  field({ type: 'map', values }, proto, description, extra);

/** Item schemas for array()/map(). */
export const item = {
  string: { type: 'string' } as StringSchema,
  bytes: { type: 'string', format: 'byte' } as StringSchema,
  quantity: { type: 'string', format: 'quantity' } as StringSchema,
  int32: { type: 'integer', format: 'int32' } as Schema,
  int64: { type: 'integer', format: 'int64' } as Schema,
  ref: (name: string): Schema => ({ ref: name }),
};
