import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertSupportedFields, escapeFieldValue, fieldSelectorFromSet, parseFieldSelector, unescapeFieldValue } from './field-selector.ts';

const pod = { 'metadata.name': 'web-1', 'metadata.namespace': 'default', 'spec.nodeName': 'n1', 'status.phase': 'Running' };

test('equality and inequality terms', () => {
  assert.equal(parseFieldSelector('metadata.name=web-1').matches(pod), true);
  assert.equal(parseFieldSelector('metadata.name==web-1').matches(pod), true);
  assert.equal(parseFieldSelector('metadata.name=web-2').matches(pod), false);
  assert.equal(parseFieldSelector('status.phase!=Failed').matches(pod), true);
  assert.equal(parseFieldSelector('status.phase!=Running').matches(pod), false);
  assert.equal(parseFieldSelector('spec.nodeName=n1,status.phase!=Succeeded').matches(pod), true);
  assert.equal(parseFieldSelector('spec.nodeName=n1,status.phase=Pending').matches(pod), false);
});

test('a missing field reads as the empty string', () => {
  assert.equal(parseFieldSelector('spec.nodeName=').matches({}), true);
  assert.equal(parseFieldSelector('spec.nodeName=').matches(pod), false);
  assert.equal(parseFieldSelector('spec.nodeName!=').matches(pod), true);
});

test('empty selector matches everything', () => {
  const m = parseFieldSelector('');
  assert.equal(m.empty(), true);
  assert.equal(m.matches(pod), true);
  assert.deepEqual(m.requirements, []);
  assert.equal(parseFieldSelector(',').empty(), true);
});

test('requirements, field names and exact matches', () => {
  const m = parseFieldSelector('status.phase!=Failed,spec.nodeName==n1,spec.nodeName!=n2');
  assert.deepEqual(m.requirements, [
    // Raw terms are sorted as text, so '!=' sorts before '=='.
    { field: 'spec.nodeName', op: '!=', value: 'n2' },
    { field: 'spec.nodeName', op: '=', value: 'n1' },
    { field: 'status.phase', op: '!=', value: 'Failed' },
  ]);
  assert.deepEqual(m.fieldNames(), ['spec.nodeName', 'status.phase']);
  assert.equal(m.requiresExactMatch('spec.nodeName'), 'n1');
  assert.equal(m.requiresExactMatch('status.phase'), undefined);
  assert.equal(m.toString(), 'spec.nodeName!=n2,spec.nodeName=n1,status.phase!=Failed');
});

test('escaped values', () => {
  const m = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d');
  assert.deepEqual(m.requirements, [{ field: 'metadata.name', op: '=', value: 'a,b=c\\d' }]);
  assert.equal(m.matches({ 'metadata.name': 'a,b=c\\d' }), true);
  assert.equal(m.toString(), 'metadata.name=a\\,b\\=c\\\\d');
  assert.equal(escapeFieldValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
  assert.equal(unescapeFieldValue(escapeFieldValue('x=y,z\\')), 'x=y,z\\');
});

test('errors carry Kubernetes messages', () => {
  assert.throws(() => parseFieldSelector('metadata.name'), {
    message: "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
  });
  assert.throws(() => parseFieldSelector('a=b,c'), { message: "invalid selector: 'a=b,c'; can't understand 'c'" });
  assert.throws(() => parseFieldSelector('a=b=c'), { message: 'invalid field selector: unescaped character in value: 61' });
  assert.throws(() => parseFieldSelector('a=b\\x'), { message: 'invalid field selector: invalid escape sequence: \\x' });
  assert.throws(() => parseFieldSelector('a=b\\'), { message: 'invalid field selector: invalid escape sequence: \\' });
});

test('selector from a set and supported-field checks', () => {
  const m = fieldSelectorFromSet({ 'spec.nodeName': 'n1', 'metadata.name': 'x' });
  assert.equal(m.toString(), 'metadata.name=x,spec.nodeName=n1');
  assert.doesNotThrow(() => assertSupportedFields(parseFieldSelector('metadata.name=a'), ['metadata.name', 'metadata.namespace']));
  assert.throws(() => assertSupportedFields(parseFieldSelector('metadata.name=a,spec.foo=b'), ['metadata.name']), {
    message: 'field label not supported: spec.foo',
  });
});
