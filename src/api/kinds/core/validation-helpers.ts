// Small validation building blocks shared by the core kinds.
import { type FieldError, invalid } from '../../field-errors.ts';
import { FIELD_IMMUTABLE_ERROR_MSG } from '../../validation/meta.ts';

/** Structural equality of decoded JSON, treating absent, null and empty maps/lists alike. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.length ? v.map(normalize) : undefined;
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v as object).sort()) {
      const n = normalize((v as Record<string, unknown>)[key]);
      if (n !== undefined) out[key] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

/** ValidateImmutableField: `<path>: Invalid value: <new>: field is immutable`. */
export function immutableField(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  return sameJson(newValue, oldValue) ? [] : [invalid(path, newValue ?? null, FIELD_IMMUTABLE_ERROR_MSG)];
}

/** Go's map key path syntax: data[key]. */
export const keyPath = (path: string, key: string): string => `${path}[${key}]`;

export function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
