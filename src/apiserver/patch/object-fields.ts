// The bridge between objects and field sets for managedFields: which fields an object
// sets, and reading or removing the value at one field path. Lists follow the schema
// (see applyListKind): associative lists are addressed by item key, sets by value, other
// lists are one atomic value. Maps of the `map` type are members themselves ("." in
// FieldsV1) as well as their keys, like labels and annotations in real managedFields.
import { type FieldPath, FieldSet } from './field-path.ts';
import { isObject, type JsonObject, jsonEqual } from './json-value.ts';
import { applyListKind, childSchema, isAnySchema, isMapSchema, itemSchema, type NodeSchema } from './schema-lookup.ts';

/** Fields the server owns, never tracked for any manager (as in Kubernetes). */
const serverOwned: FieldPath[] = [
  [{ field: 'apiVersion' }],
  [{ field: 'kind' }],
  ...['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink', 'managedFields'].map((f) => [
    { field: 'metadata' },
    { field: f },
  ]),
];

/** The key of an associative-list item: its key fields that are present. */
export function itemKey(item: JsonObject, keys: string[]): JsonObject {
  const key: JsonObject = {};
  for (const k of keys) if (item[k] !== undefined) key[k] = item[k];
  return key;
}

/** Every field `obj` sets, as managedFields would record it. */
export function fieldSetOf(obj: unknown, schema: NodeSchema): FieldSet {
  const set = new FieldSet();
  collect(obj, schema, [], set);
  for (const p of serverOwned) set.removeSubtree(p);
  return set;
}

function collect(value: unknown, schema: NodeSchema, path: FieldPath, set: FieldSet): void {
  if (isObject(value) && !isAnySchema(schema)) {
    const keys = Object.keys(value);
    if (keys.length === 0 || isMapSchema(schema)) set.add(path);
    for (const k of keys) collect(value[k], childSchema(schema, k), [...path, { field: k }], set);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const list = applyListKind(schema);
    if (list.kind === 'set') {
      for (const v of value) set.add([...path, { value: v }]);
      return;
    }
    if (list.kind === 'associative' && value.every(isObject)) {
      const items = itemSchema(schema);
      for (const item of value as JsonObject[]) {
        const itemPath = [...path, { key: itemKey(item, list.keys) }];
        set.add(itemPath);
        for (const k of Object.keys(item)) collect(item[k], childSchema(items, k), [...itemPath, { field: k }], set);
      }
      return;
    }
  }
  set.add(path);
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
