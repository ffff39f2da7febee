// The query options of a write (CreateOptions, UpdateOptions, PatchOptions) checked as
// kube-apiserver's handlers check them before reading the body (ValidateCreateOptions,
// ValidateUpdateOptions, ValidatePatchOptions): a 422 on the options kind.
import {
  type FieldError,
  forbidden,
  GoValue,
  goStringSlice,
  invalid as invalidField,
  notSupported,
  required,
  tooLong,
} from '../api/field-errors.ts';
import { goIsPrint } from '../api/go-quote.ts';
import { invalid } from './errors.ts';

export type WriteOptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/** Kubernetes' FieldManagerMaxLength, in bytes. */
const fieldManagerMaxBytes = 128;

/** `patchType` is the PATCH body's media type. */
export function validateWriteOptions(kind: WriteOptionsKind, query: URLSearchParams, patchType?: string): void {
  const errors: FieldError[] = [];
  const manager = query.get('fieldManager') ?? '';
  if (kind === 'PatchOptions') {
    if (patchType !== 'application/apply-patch+yaml') {
      if (query.has('force')) errors.push(forbidden('force', 'may not be specified for non-apply patch'));
    } else if (!manager) {
      errors.push(required('fieldManager', 'is required for apply patch'));
    }
  }
  errors.push(...validateFieldManager(manager));
  const dryRun = query.getAll('dryRun');
  if (dryRun.some((v) => v !== 'All')) {
    // ValidateDryRun passes the []string itself as the bad value, which field.Error prints with %#v.
    errors.push(notSupported('dryRun', new GoValue(goStringSlice(dryRun)), ['All']));
  }
  if (errors.length) throw invalid('meta.k8s.io', kind, '', errors);
}

function validateFieldManager(manager: string): FieldError[] {
  const errors: FieldError[] = [];
  if (Buffer.byteLength(manager) > fieldManagerMaxBytes) errors.push(tooLong('fieldManager', manager, fieldManagerMaxBytes));
  let position = 0; // in bytes, as Go ranges over a string
  for (const char of manager) {
    const cp = char.codePointAt(0)!;
    if (!goIsPrint(cp)) {
      const code = cp.toString(16).toUpperCase().padStart(4, '0');
      errors.push(invalidField('fieldManager', manager, `invalid character U+${code} (at position ${position})`));
    }
    position += Buffer.byteLength(char);
  }
  return errors;
}
