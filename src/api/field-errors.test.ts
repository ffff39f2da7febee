import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duplicate, formatFieldError, GoValue, goStringMap, goStringSlice, invalid, notSupported } from './field-errors.ts';
import { goIsPrint, goQuote } from './go-quote.ts';

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

// The expectations are strconv.Quote's output, worked out from its rules (Go is not installed
// here): printable runes kept, \a \b \f \n \r \t \v, \xNN below 0x20 and for 0x7f, \uNNNN and
// \UNNNNNNNN for the other runes unicode.IsPrint refuses, lowercase hex throughout.
test('goQuote quotes as Go strconv.Quote (%q) does', () => {
  assert.equal(goQuote('plain text'), '"plain text"');
  assert.equal(goQuote(''), '""');
  assert.equal(goQuote('say "hi" \\ bye'), '"say \\"hi\\" \\\\ bye"');
  // The seven short escapes, and \x for the other C0 controls and DEL.
  assert.equal(goQuote('\x07\b\f\n\r\t\v'), '"\\a\\b\\f\\n\\r\\t\\v"');
  assert.equal(goQuote('\x00\x01\x1b\x1f\x7f'), '"\\x00\\x01\\x1b\\x1f\\x7f"');
  // Printable non-ASCII stays as it is, astral characters included; ' and / are not escaped.
  assert.equal(goQuote("é ✓ 日本 😀 it's a/b"), `"é ✓ 日本 😀 it's a/b"`);
  assert.equal(goQuote('é\x07x'), '"é\\ax"');
  // Not printable for unicode.IsPrint: C1 controls, spaces other than U+0020 (Zs, Zl, Zp),
  // format characters (Cf), private use, unassigned code points.
  assert.equal(goQuote('\x80\x9f'), '"\\u0080\\u009f"');
  assert.equal(goQuote('a\u00a0b\u3000c'), '"a\\u00a0b\\u3000c"');
  assert.equal(goQuote('\u2028\u2029'), '"\\u2028\\u2029"');
  assert.equal(goQuote('\u00ad\u200b\u200d\ufeff'), '"\\u00ad\\u200b\\u200d\\ufeff"');
  assert.equal(goQuote('\ue000\uffff'), '"\\ue000\\uffff"');
  assert.equal(goQuote('\u{e0001}\u{f0000}\u{10ffff}'), '"\\U000e0001\\U000f0000\\U0010ffff"');
  // U+FFFD is a printable symbol; a lone surrogate becomes U+FFFD, as Go's JSON decoding
  // makes of a "\ud800" escape, so it prints the same way.
  assert.equal(goQuote('\ufffd'), '"\ufffd"');
  assert.equal(goQuote('a\ud800b\udc00'), '"a\ufffdb\ufffd"');
  // Not a string: printed as String() gives it; null and undefined as the empty string.
  assert.equal(goQuote(42), '"42"');
  assert.equal(goQuote(undefined), '""');
});

test('goIsPrint is unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space', () => {
  assert.equal(goIsPrint(0x20), true);
  assert.equal(goIsPrint(0x7e), true);
  assert.equal(goIsPrint(0x1f), false);
  assert.equal(goIsPrint(0x7f), false);
  assert.equal(goIsPrint(0xa0), false); // a space other than U+0020
  assert.equal(goIsPrint(0xa1), true);
  assert.equal(goIsPrint(0xad), false); // a format character (soft hyphen)
  assert.equal(goIsPrint(0x2028), false);
  assert.equal(goIsPrint(0x1f600), true);
  assert.equal(goIsPrint(0xe000), false); // private use
  assert.equal(goIsPrint(0x10ffff), false);
});

test('Go slices and maps of strings quote their elements with %q', () => {
  assert.equal(goStringSlice(['All', 'a\tb', '\u00a0']), '[]string{"All", "a\\tb", "\\u00a0"}');
  assert.equal(goStringSlice(undefined), '[]string(nil)');
  assert.equal(goStringMap({ 'k\n': 'v\x01' }), 'map[string]string{"k\\n":"v\\x01"}');
  assert.equal(formatFieldError(notSupported('a', 'x\x07', ['A\tB'])), 'a: Unsupported value: "x\\a": supported values: "A\\tB"');
});
