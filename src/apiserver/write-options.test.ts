// Write options are checked as kube-apiserver's ValidateCreateOptions, ValidateUpdateOptions and
// ValidatePatchOptions check them: 422 on the options kind, with field.ErrorList's text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from './errors.ts';
import { validateWriteOptions, type WriteOptionsKind } from './write-options.ts';

function refusal(kind: WriteOptionsKind, query: string, patchType?: string): StatusError {
  try {
    validateWriteOptions(kind, new URLSearchParams(query), patchType);
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  assert.fail(`${query} should have been refused`);
}

test('a fieldManager longer than 128 bytes is Invalid on the options kind', () => {
  const long = 'm'.repeat(129);
  for (const kind of ['CreateOptions', 'UpdateOptions', 'PatchOptions'] as const) {
    const err = refusal(kind, `fieldManager=${long}`, 'application/merge-patch+json');
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.message, `${kind}.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes`);
    // Go leaves the empty name out of the details.
    assert.deepEqual(JSON.parse(JSON.stringify(err.toStatus().details)), {
      group: 'meta.k8s.io',
      kind,
      causes: [{ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 128 bytes', field: 'fieldManager' }],
    });
  }
  // 128 bytes is fine; bytes, not characters, count.
  validateWriteOptions('CreateOptions', new URLSearchParams(`fieldManager=${'m'.repeat(128)}`));
  assert.equal(refusal('CreateOptions', `fieldManager=${'é'.repeat(65)}`).code, 422);
});

test('a fieldManager with characters that are not printable is Invalid, with the byte position', () => {
  const err = refusal('UpdateOptions', new URLSearchParams({ fieldManager: 'é\u0007x' }).toString());
  assert.equal(
    err.message,
    'UpdateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "é\\ax": invalid character U+0007 (at position 2)',
  );
  validateWriteOptions('UpdateOptions', new URLSearchParams({ fieldManager: 'kubectl client-side-apply ✓' }));
  // unicode.IsPrint refuses spaces other than U+0020 and separators such as U+2028.
  assert.equal(
    refusal('UpdateOptions', new URLSearchParams({ fieldManager: 'a\u00a0\u2028' }).toString()).message,
    'UpdateOptions.meta.k8s.io "" is invalid: [fieldManager: Invalid value: "a\\u00a0\\u2028": invalid character U+00A0 (at position 1), ' +
      'fieldManager: Invalid value: "a\\u00a0\\u2028": invalid character U+2028 (at position 3)]',
  );
});

test('dryRun takes All only; force is for apply patches, which need a fieldManager', () => {
  assert.equal(
    refusal('CreateOptions', 'dryRun=All&dryRun=Server').message,
    'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"All", "Server"}: supported values: "All"',
  );
  // Each value is quoted with %q, as %#v of a []string does.
  assert.equal(
    refusal('CreateOptions', 'dryRun=%07&dryRun=%C3%A9%C2%A0').message,
    'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"\\a", "é\\u00a0"}: supported values: "All"',
  );
  assert.equal(
    refusal('PatchOptions', 'force=true&fieldManager=me', 'application/merge-patch+json').message,
    'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
  );
  assert.equal(
    refusal('PatchOptions', 'force=true', 'application/apply-patch+yaml').message,
    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
  );
  validateWriteOptions('PatchOptions', new URLSearchParams('force=false&fieldManager=kubectl&dryRun=All'), 'application/apply-patch+yaml');
  validateWriteOptions('PatchOptions', new URLSearchParams(''), 'application/strategic-merge-patch+json');
});
