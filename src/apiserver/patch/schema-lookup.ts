// Answers the questions strategic merge patch and server-side apply ask about a JSON node
// while walking an object next to its schema: what is the schema of this child, and how
// are this list's items merged? A node whose schema is unknown (undefined) or `any` gets
// schema-less treatment: objects merge key by key, lists are atomic.
import { hasDefinition, jsonFields } from '../../api/schema/registry.ts';
import type { Field, Schema } from '../../api/schema/types.ts';

/** The schema of one node: a definition field (with patch metadata) or a bare item/value schema. */
export type NodeSchema = Field | Schema | undefined;

export function rootSchema(defName: string): NodeSchema {
  return { ref: defName };
}

export function isAnySchema(schema: NodeSchema): boolean {
  return schema !== undefined && 'type' in schema && schema.type === 'any';
}

export function isMapSchema(schema: NodeSchema): boolean {
  return schema !== undefined && 'type' in schema && schema.type === 'map';
}

/** The schema of `key` inside an object node (struct field or map value). */
export function childSchema(schema: NodeSchema, key: string): NodeSchema {
  if (!schema) return undefined;
  if ('ref' in schema) return hasDefinition(schema.ref) ? jsonFields(schema.ref)[key] : undefined;
  if (schema.type === 'map') return schema.values;
  return undefined;
}

export function itemSchema(schema: NodeSchema): NodeSchema {
  return schema && 'type' in schema && schema.type === 'array' ? schema.items : undefined;
}

function patchMeta(schema: NodeSchema): { strategies: string[]; mergeKey?: string } {
  const field = schema as Field | undefined;
  return { strategies: (field?.patchStrategy ?? '').split(','), mergeKey: field?.patchMergeKey };
}

/**
 * How strategic merge patch combines a list: by merge key (lists of objects), as a union
 * (lists of primitives), or not at all (the patch replaces the list).
 */
export function smpListStrategy(schema: NodeSchema): { merge: false } | { merge: true; mergeKey?: string } {
  const { strategies, mergeKey } = patchMeta(schema);
  return strategies.includes('merge') ? { merge: true, mergeKey } : { merge: false };
}

/** How server-side apply tracks a list: items by key, items by value, or the list as one value. */
export type ApplyListKind = { kind: 'associative'; keys: string[] } | { kind: 'set' } | { kind: 'atomic' };

export function applyListKind(schema: NodeSchema): ApplyListKind {
  const field = schema as Field | undefined;
  if (field?.listType === 'map' && field.listMapKeys?.length) return { kind: 'associative', keys: field.listMapKeys };
  if (field?.listType === 'set') return { kind: 'set' };
  if (field?.listType === 'atomic') return { kind: 'atomic' };
  const { strategies, mergeKey } = patchMeta(schema);
  if (!strategies.includes('merge')) return { kind: 'atomic' };
  if (mergeKey) return { kind: 'associative', keys: [mergeKey] };
  const items = itemSchema(schema);
  const primitiveItems = items !== undefined && 'type' in items && !['array', 'map', 'any'].includes(items.type);
  return primitiveItems ? { kind: 'set' } : { kind: 'atomic' };
}
