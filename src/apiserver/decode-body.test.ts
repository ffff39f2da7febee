import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findDuplicateFields } from '../api/schema/strict-decode.ts';
import { hasDuplicateKeys } from './decode-body.ts';

test('the cheap duplicate-key check agrees with the full scan', () => {
  const texts = [
    '{"a":1,"a":2}',
    '{"a":{"b":"x\\"y","b":1}}',
    '{"a":"\\\\","b":"c"}',
    '{"a":[{"k":1},{"k":2,"k":3}]}',
    '{ "a" : "b:" , "c" :{}}',
    '{"__proto__":{"x":1},"y":2}',
    '{"a\\u0022":1,"a\\"":2}',
    '{"x":"\\\\\\"","x":1}',
    '{"s":"a\\\\","t":["\\"",":"]}',
    '{"metadata":{"labels":{"a":"1","a":"2"}}}',
    '{"metadata":{"name":"x"},"spec":{"containers":[{"name":"a","command":["sh","-c","echo \\"a\\": 1"]}]}}',
  ];
  for (const text of texts) {
    assert.equal(hasDuplicateKeys(text, JSON.parse(text)), findDuplicateFields(text).length > 0, text);
  }
});
