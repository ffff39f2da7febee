// The bridge between objects and field sets for managedFields: which fields an object
// sets, and reading or removing the value at one field path. Lists follow the schema
// (see applyListKind): associative lists are addressed by item key, sets by value, other
// lists are one atomic value. Maps of the `map` type are members themselves ("." in
// FieldsV1) as well as their keys, like labels and annotations in real managedFields.
import { elementToken, extendEncoded, type FieldPath, FieldSet } from './field-path.ts';
import { isObject, type JsonObject, jsonEqual } from './json-value.ts';
import { applyListKind, childSchema, isAnySchema, isMapSchema, itemSchema, type NodeSchema } from './schema-lookup.ts';

/** Fields the server owns, never tracked for any manager (as in Kubernetes). */
const serverOwnedTopLevel = new Set(['apiVersion', 'kind']);
const serverOwnedMetadata = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'selfLink',
  'managedFields',
]);
/** The open encoded path of `metadata` (see extendEncoded). */
const metadataOpen = extendEncoded('[', 'f:metadata');

/** The key of an associative-list item: its key fields that are present. */
export function itemKey(item: JsonObject, keys: string[]): JsonObject {
  const key: JsonObject = {};
  for (const k of keys) if (item[k] !== undefined) key[k] = item[k];
  return key;
}

/** The fields an object sets, with what is found at each of them. */
export interface FieldValues {
  set: FieldSet;
  /** The value at each member, by encoded path (the first one, should a path repeat). */
  values: Map<string, unknown>;
  /** Members with no other member below them. */
  leaves: Set<string>;
  /**
   * Some list item is named by an object-valued key or value, or two items of one keyed list
   * share a key: then a path may not name exactly one value, and `values`/`leaves` must not be
   * trusted (callers fall back to valueAt, which resolves paths as Kubernetes does).
   */
  ambiguous: boolean;
}

/** Every field `obj` sets, as managedFields would record it. */
export function fieldSetOf(obj: unknown, schema: NodeSchema): FieldSet {
  return fieldValuesOf(obj, schema).set;
}

/** fieldSetOf plus the value at every member, gathered in the same walk. */
export function fieldValuesOf(obj: unknown, schema: NodeSchema): FieldValues {
  const out: FieldValues = { set: new FieldSet(), values: new Map(), leaves: new Set(), ambiguous: false };
  const walk = new FieldWalk(out);
  walk.collect(obj, schema, '[');
  return out;
}

/** A value whose FieldsV1 token reads back as the same value (objects, NaN or undefined do not). */
function isPlainScalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || v === null || (typeof v === 'number' && Number.isFinite(v));
}

/** One walk over an object; paths are built in their encoded form as it descends. */
class FieldWalk {
  /** Members added so far, counting repeats: a member is a leaf when nothing was added during its subtree. */
  private added = 0;

  constructor(private readonly out: FieldValues) {}

  private add(open: string, value: unknown): string {
    const member = `${open}]`;
    this.added++;
    this.out.set.addEncoded(member);
    if (!this.out.values.has(member)) this.out.values.set(member, value);
    return member;
  }

  private addLeaf(open: string, value: unknown): void {
    if (open === '[') return; // the empty path is never a member
    this.out.leaves.add(this.add(open, value));
  }

  /** Adds `open` as a member whose subtree `children` walks; a leaf if the subtree adds nothing. */
  private addWithChildren(open: string, value: unknown, children: () => void): void {
    if (open === '[') {
      children();
      return;
    }
    const before = this.added;
    const member = this.add(open, value);
    children();
    if (this.added === before + 1) this.out.leaves.add(member);
  }

  collect(value: unknown, schema: NodeSchema, open: string): void {
    if (isObject(value) && !isAnySchema(schema)) {
      const keys = Object.keys(value);
      // Server-owned fields are left out here rather than removed afterwards.
      const skip = open === '[' ? serverOwnedTopLevel : open === metadataOpen ? serverOwnedMetadata : undefined;
      const children = () => {
        for (const k of keys) {
          if (skip?.has(k)) continue;
          this.collect(value[k], childSchema(schema, k), extendEncoded(open, `f:${k}`));
        }
      };
      if (keys.length === 0 || isMapSchema(schema)) this.addWithChildren(open, value, children);
      else children();
      return;
    }
    if (Array.isArray(value) && value.length > 0) {
      const list = applyListKind(schema);
      if (list.kind === 'set') {
        for (const v of value) {
          if (!isPlainScalar(v)) this.out.ambiguous = true;
          this.addLeaf(extendEncoded(open, elementToken({ value: v })), v);
        }
        return;
      }
      if (list.kind === 'associative' && value.every(isObject)) {
        const items = itemSchema(schema);
        const seen = new Set<string>();
        for (const item of value as JsonObject[]) {
          const key = itemKey(item, list.keys);
          if (!Object.values(key).every(isPlainScalar)) this.out.ambiguous = true;
          const itemOpen = extendEncoded(open, elementToken({ key }));
          if (seen.has(itemOpen)) this.out.ambiguous = true;
          seen.add(itemOpen);
          this.addWithChildren(itemOpen, item, () => {
            for (const k of Object.keys(item)) this.collect(item[k], childSchema(items, k), extendEncoded(itemOpen, `f:${k}`));
          });
        }
        return;
      }
    }
    this.addLeaf(open, value);
  }
}

/** Where one path step leads from `node`: the child's container, position and schema. */
interface Step {
  parent: JsonObject | unknown[];
  at: string | number;
  schema: NodeSchema;
}

function step(node: unknown, schema: NodeSchema, element: FieldPath[number]): Step | undefined {
  if ('field' in element) {
    if (!isObject(node) || !Object.hasOwn(node, element.field)) return undefined;
    return { parent: node, at: element.field, schema: childSchema(schema, element.field) };
  }
  if (!Array.isArray(node)) return undefined;
  let index = -1;
  if ('index' in element) index = element.index < node.length ? element.index : -1;
  else if ('value' in element) index = node.findIndex((v) => jsonEqual(v, element.value));
  else {
    const list = applyListKind(schema);
    const keys = list.kind === 'associative' ? list.keys : Object.keys(element.key);
    index = node.findIndex((item) => isObject(item) && jsonEqual(itemKey(item, keys), element.key));
  }
  return index < 0 ? undefined : { parent: node, at: index, schema: itemSchema(schema) };
}

function locate(obj: unknown, schema: NodeSchema, path: FieldPath): Step | undefined {
  let node = obj;
  let nodeSchema = schema;
  let found: Step | undefined;
  for (const element of path) {
    found = step(node, nodeSchema, element);
    if (!found) return undefined;
    node = (found.parent as Record<string | number, unknown>)[found.at];
    nodeSchema = found.schema;
  }
  return found;
}

/** The value at `path`, or undefined when the object does not have it. */
export function valueAt(obj: unknown, schema: NodeSchema, path: FieldPath): unknown {
  const found = locate(obj, schema, path);
  return found ? (found.parent as Record<string | number, unknown>)[found.at] : undefined;
}

/** Removes the field or list item at `path` from `obj` (in place); missing paths are ignored. */
export function deleteAt(obj: unknown, schema: NodeSchema, path: FieldPath): void {
  const found = locate(obj, schema, path);
  if (!found) return;
  if (Array.isArray(found.parent)) found.parent.splice(found.at as number, 1);
  else delete found.parent[found.at as string];
}
