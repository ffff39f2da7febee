import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandArgvLocal } from './expand-vars.ts';

test('$(VAR) expands defined variables, keeps unknown ones and honours $$ escapes', () => {
  const env = [
    { name: 'PORT', value: '8080' },
    { name: 'HOST', value: 'a' },
  ];
  assert.deepEqual(expandArgvLocal(['serve', '--port=$(PORT)', '$(HOST):$(PORT)', '$(MISSING)', '$$(PORT)', '$5', 'x$'], env), [
    'serve',
    '--port=8080',
    'a:8080',
    '$(MISSING)',
    '$(PORT)',
    '$5',
    'x$',
  ]);
});
