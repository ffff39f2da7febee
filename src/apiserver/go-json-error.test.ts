// JSON.parse's errors in encoding/json's words, as Go's scanner reports the same texts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goJsonSyntaxError } from './go-json-error.ts';

function goError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return goJsonSyntaxError(text, err);
  }
  assert.fail(`${text} parsed`);
}

test('syntax errors read as Go reports them', () => {
  const cases: [string, string][] = [
    // Truncated bodies, wherever they stop.
    ['', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['{"metadata":', 'unexpected end of JSON input'],
    ['{"metadata": {"name": "bad"', 'unexpected end of JSON input'],
    ['{"a":"unterminated', 'unexpected end of JSON input'],
    ['[1,2', 'unexpected end of JSON input'],
    // Unexpected characters, in each of the scanner's states.
    ['{x}', "invalid character 'x' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair"],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":1}}', "invalid character '}' after top-level value"],
    ['{}\n\n x', "invalid character 'x' after top-level value"],
    ['{"a":x}', "invalid character 'x' looking for beginning of value"],
    ['{"a":[1,]}', "invalid character ']' looking for beginning of value"],
    ['{"a":+1}', "invalid character '+' looking for beginning of value"],
    ['{"a":\\}', "invalid character '\\\\' looking for beginning of value"],
    ['{"a":"b\nc"}', "invalid character '\\n' in string literal"],
    ['{"a":"\t"}', "invalid character '\\t' in string literal"],
    ['{"a":"\\q"}', "invalid character 'q' in string escape code"],
    ['{"a":"\\u12x4"}', "invalid character 'x' in \\u hexadecimal character escape"],
    ['{"a":-x}', "invalid character 'x' in numeric literal"],
    ['{"a":1.x}', "invalid character 'x' after decimal point in numeric literal"],
    ['{"a":1e+}', "invalid character '}' in exponent of numeric literal"],
    // Go names the first byte of a multi-byte character, as a Latin-1 character.
    ['{"a":é}', "invalid character 'Ã' looking for beginning of value"],
    ['{"a":😀}', "invalid character 'ð' looking for beginning of value"],
    ['\ufeff{}', "invalid character 'ï' looking for beginning of value"],
  ];
  for (const [text, expected] of cases.filter(([, e]) => e)) assert.equal(goError(text), expected, JSON.stringify(text));
});

test("where V8 does not tell Go's state apart, its own message is kept", () => {
  // Go: "invalid character '}' in literal true (expecting 'e')"; V8 does not say a literal was being read.
  assert.equal(goError('{"a":tru}'), `Unexpected token '}', "{"a":tru}" is not valid JSON`);
  assert.equal(goError('{"a":trux}'), `Unexpected token 'x', "{"a":trux}" is not valid JSON`);
  // Go: "invalid character '1' after object key:value pair" (or after array element: it depends on the container).
  assert.equal(goError('{"a":01}'), 'Unexpected number in JSON at position 6');
});
