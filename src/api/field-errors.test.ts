import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duplicate, formatFieldError, GoValue, invalid, notSupported } from './field-errors.ts';

test('values print as Kubernetes 1.33 field.Error prints them', () => {
  assert.equal(formatFieldError(invalid('a', 'x', 'bad')), 'a: Invalid value: "x": bad');
  assert.equal(formatFieldError(invalid('a', -1, 'bad')), 'a: Invalid value: -1: bad');
  assert.equal(formatFieldError(invalid('a', true, 'bad')), 'a: Invalid value: true: bad');
  // A nil value reads "null", printed as the string it is replaced with.
  assert.equal(formatFieldError(invalid('a', null, 'bad')), 'a: Invalid value: "null": bad');
  assert.equal(
    formatFieldError(invalid('a', ['10.43.0.50', 'fd00::50'], 'bad')),
    'a: Invalid value: []string{"10.43.0.50", "fd00::50"}: bad',
  );
  assert.equal(formatFieldError(duplicate('a', [])), 'a: Duplicate value: []string{}');
  assert.equal(formatFieldError(invalid('a', { b: '2', a: '1' }, 'bad')), 'a: Invalid value: map[string]string{"a":"1", "b":"2"}: bad');
  assert.equal(formatFieldError(notSupported('a', new GoValue('x.Y{}'), ['Z'])), 'a: Unsupported value: x.Y{}: supported values: "Z"');
  // Shapes whose Go type a JSON value does not tell stay JSON.
  assert.equal(formatFieldError(invalid('a', [1, 2], 'bad')), 'a: Invalid value: [1,2]: bad');
  assert.equal(formatFieldError(invalid('a', { n: 1 }, 'bad')), 'a: Invalid value: {"n":1}: bad');
});
