import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expand, expandArgs, mappingFor } from './expansion.ts';

const vars = new Map([
  ['VAR_A', 'A'],
  ['VAR_B', 'B'],
  ['VAR_EMPTY', ''],
]);
const mapping = mappingFor(vars);

test('defined references expand, undefined ones stay as written', () => {
  assert.equal(expand('$(VAR_A)', mapping), 'A');
  assert.equal(expand('x-$(VAR_A)-$(VAR_B)-y', mapping), 'x-A-B-y');
  assert.equal(expand('$(VAR_A)$(VAR_B)', mapping), 'AB');
  assert.equal(expand('[$(VAR_EMPTY)]', mapping), '[]');
  assert.equal(expand('$(UNKNOWN)', mapping), '$(UNKNOWN)');
  assert.equal(expand('$()', mapping), '$()');
});

test('$$ escapes the operator, so $$(VAR) is the literal reference', () => {
  assert.equal(expand('$$(VAR_A)', mapping), '$(VAR_A)');
  assert.equal(expand('$$$(VAR_A)', mapping), '$A');
  assert.equal(expand('$$$$(VAR_A)', mapping), '$$(VAR_A)');
  assert.equal(expand('a$$b', mapping), 'a$b');
});

test('other uses of $ are kept, including a trailing $ and an unterminated reference', () => {
  assert.equal(expand('$VAR_A', mapping), '$VAR_A');
  assert.equal(expand('cost: 5$', mapping), 'cost: 5$');
  assert.equal(expand('$(VAR_A', mapping), '$(VAR_A');
  // The text after an unterminated "$(" is still scanned: its "$$" collapses, as in Kubernetes.
  assert.equal(expand('$(a$$', mapping), '$(a$');
  assert.equal(expand('$(VAR_A $(VAR_B)', mapping), '$(VAR_A $(VAR_B)');
});

test('mappingFor looks through contexts in order', () => {
  const m = mappingFor(
    new Map([['X', 'first']]),
    new Map([
      ['X', 'second'],
      ['Y', 'y'],
    ]),
  );
  assert.equal(expand('$(X) $(Y)', m), 'first y');
});

test('expandArgs uses the final environment, last definition winning', () => {
  const env = [
    { name: 'PORT', value: '80' },
    { name: 'PORT', value: '8080' },
    { name: 'MSG', value: '$(PORT)' },
  ];
  assert.deepEqual(expandArgs(['serve', '--port=$(PORT)', '$(MSG)', '$$(PORT)', '$(NONE)'], env), [
    'serve',
    '--port=8080',
    '$(PORT)',
    '$(PORT)',
    '$(NONE)',
  ]);
});
