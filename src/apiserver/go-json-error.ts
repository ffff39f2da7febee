// JSON.parse's SyntaxError retold in the words of Go's encoding/json, which kube-apiserver's
// messages carry ("invalid character '}' looking for beginning of object key string",
// "unexpected end of JSON input"). V8 says what it expected and where; Go says which character
// it found and in what state, so each V8 message maps to one Go context. Where V8 does not say
// enough (a misspelt true/false/null, a number with a leading zero) its own message is kept.

const endOfInput = 'unexpected end of JSON input';

/** V8's message (Node 20) → Go's scanner context for the character at the position V8 names. */
const contexts: [RegExp, string][] = [
  [/^Expected property name or '}'/, 'looking for beginning of object key string'],
  [/^Expected double-quoted property name/, 'looking for beginning of object key string'],
  [/^Expected ':' after property name/, 'after object key'],
  [/^Expected ',' or '}' after property value/, 'after object key:value pair'],
  [/^Expected ',' or ']' after array element/, 'after array element'],
  [/^Unexpected non-whitespace character after JSON/, 'after top-level value'],
  [/^Bad control character in string literal/, 'in string literal'],
  [/^Bad escaped character/, 'in string escape code'],
  [/^Bad Unicode escape/, 'in \\u hexadecimal character escape'],
  [/^No number after minus sign/, 'in numeric literal'],
  [/^Unterminated fractional number/, 'after decimal point in numeric literal'],
  [/^Exponent part is missing a number/, 'in exponent of numeric literal'],
];

/** Text that ends inside a true, false or null: Go then reports "in literal …", which V8 does not tell apart. */
const partialLiteral = /(?:^|[^\w])(?:t|tr|tru|f|fa|fal|fals|n|nu|nul)$/;

/** Go's text for the error JSON.parse threw on `text`. */
export function goJsonSyntaxError(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (message === 'Unexpected end of JSON input') return endOfInput;
  const at = /JSON at position (\d+)/.exec(message);
  if (at) {
    const position = Number(at[1]);
    // V8 names the end of the text where Go runs out of input.
    if (position >= text.length) return endOfInput;
    const context = contexts.find(([pattern]) => pattern.test(message))?.[1];
    return context ? `invalid character ${quoteChar(text, position)} ${context}` : message;
  }
  // "Unexpected token 'x', …" without a position: a character that cannot start a value, unless it
  // may follow the start of a literal somewhere.
  const token = /^Unexpected token '([\s\S])', /.exec(message)?.[1];
  if (token === undefined) return message;
  const positions: number[] = [];
  for (let i = text.indexOf(token); i !== -1; i = text.indexOf(token, i + 1)) positions.push(i);
  if (!positions.length || positions.some((i) => partialLiteral.test(text.slice(Math.max(0, i - 5), i)))) return message;
  return `invalid character ${quoteChar(text, positions[0])} looking for beginning of value`;
}

/**
 * Go's quoteChar of the byte it stopped at: the first byte of the character's UTF-8 form,
 * which Go prints as the Latin-1 character of that value.
 */
function quoteChar(text: string, position: number): string {
  const byte = Buffer.from(String.fromCodePoint(text.codePointAt(position)!))[0];
  if (byte === 0x27) return `'\\''`;
  if (byte === 0x22) return `'"'`;
  return `'${goQuoted(byte)}'`;
}

const goEscapes: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 92: '\\\\' };

/** strconv.Quote of one byte taken as a rune, without the quotes. */
function goQuoted(byte: number): string {
  if (goEscapes[byte]) return goEscapes[byte];
  if (byte < 0x20 || byte === 0x7f) return `\\x${byte.toString(16).padStart(2, '0')}`;
  return String.fromCharCode(byte);
}
