// Request bodies: the duplicate-key check, and bodies that cannot be read as an object refused
// with kube-apiserver's messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findDuplicateFields } from '../api/schema/strict-decode.ts';
import { hasDuplicateKeys, parseBody } from './decode-body.ts';
import { StatusError } from './errors.ts';

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

function parseRefusal(body: string, contentType = 'application/json'): string {
  try {
    parseBody(Buffer.from(body), contentType, 'ConfigMap in version "v1"');
  } catch (err) {
    if (err instanceof StatusError && err.code === 400) return err.message;
    throw err;
  }
  assert.fail(`${body} should have been refused`);
}

test('a body that is not JSON is "unrecognized", with Go\'s parse error and the start of the body', () => {
  assert.equal(
    parseRefusal('{"metadata": {"name": "bad-but-long-name"'),
    'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"metadata": {"name": "bad-but ...)',
  );
  assert.equal(
    parseRefusal('{"a":1,}'),
    "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character '}' looking for beginning of object key string ({\"a\":1,})",
  );
  // Not starting with "{": the summary is hex.
  assert.equal(
    parseRefusal('x'),
    "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character 'x' looking for beginning of value (78)",
  );
  assert.equal(
    parseRefusal(''),
    "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)",
  );
});

test('JSON that is not an object cannot be read for apiVersion and kind', () => {
  const typeMeta = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';
  for (const [body, type, summary] of [
    ['"str"', 'string', '2273747222'],
    ['[1]', 'array', '5b315d'],
    ['5', 'number', '35'],
    ['true', 'bool', '74727565'],
  ]) {
    assert.equal(
      parseRefusal(body),
      `the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: json: cannot unmarshal ${type} into Go value of type ${typeMeta} (${summary})`,
    );
  }
});
