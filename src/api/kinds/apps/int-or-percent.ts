// IntOrString fields that hold a count or a percentage (maxSurge, maxUnavailable,
// minAvailable): their validation with Kubernetes' messages and their numeric value.
import { type FieldError, invalid } from '../../field-errors.ts';
import { validateNonnegativeField } from '../../validation/meta.ts';
import { isPercent } from '../../validation/names.ts';

/** The percentage in "25%", or undefined when the value is not a valid percent string. */
function percentValue(value: unknown): number | undefined {
  if (typeof value !== 'string' || isPercent(value).length > 0) return undefined;
  return Number.parseInt(value.slice(0, -1), 10);
}

/** The number of a count or percentage ("25%" → 25, 3 → 3); 0 for anything else. */
export function intOrPercentValue(value: unknown): number {
  const percent = percentValue(value);
  if (percent !== undefined) return percent;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number.parseInt(value, 10);
  return 0;
}

/** A non-negative integer or a valid percent string. */
export function validatePositiveIntOrPercent(value: unknown, path: string): FieldError[] {
  if (typeof value === 'string') return isPercent(value).map((msg) => invalid(path, value, msg));
  if (typeof value === 'number') return validateNonnegativeField(value, path);
  return [invalid(path, value, "must be an integer or percentage (e.g '5%')")];
}

export function isNotMoreThan100Percent(value: unknown, path: string): FieldError[] {
  const percent = percentValue(value);
  if (percent === undefined || percent <= 100) return [];
  return [invalid(path, value, 'must not be greater than 100%')];
}
