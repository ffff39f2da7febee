// The process-wide registry of schema definitions. Definition modules call
// registerDefinitions() when imported; src/api/definitions.ts imports them all.
import type { Definition, Definitions, Field } from './types.ts';

const definitions: Definitions = {};

export function registerDefinitions(defs: Definitions): void {
  for (const [name, def] of Object.entries(defs)) {
    if (definitions[name]) throw new Error(`schema definition ${name} registered twice`);
    definitions[name] = def;
  }
}

export function getDefinition(name: string): Definition {
  const def = definitions[name];
  if (!def) throw new Error(`unknown schema definition ${name}`);
  return def;
}

export function hasDefinition(name: string): boolean {
  return name in definitions;
}

export function allDefinitions(): Readonly<Definitions> {
  return definitions;
}

const flattenedCache = new Map<string, Record<string, Field>>();

/** The JSON fields of a definition, with inlined structs' fields merged in. */
export function jsonFields(name: string): Record<string, Field> {
  let fields = flattenedCache.get(name);
  if (fields) return fields;
  const def = getDefinition(name);
  fields = { ...def.fields };
  for (const embedded of def.inline ?? []) Object.assign(fields, jsonFields(embedded.ref));
  flattenedCache.set(name, fields);
  return fields;
}
