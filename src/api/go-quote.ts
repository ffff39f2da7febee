// Go's strconv.Quote (fmt's %q) of a string, for the texts Kubernetes components print with
// it and users compare with Hale's: field errors, probe and hook messages, the downward
// API's label and annotation files.

/**
 * Go's unicode.IsPrint of a code point: categories L, M, N, P and S, plus the ASCII space.
 * Node's Unicode tables are newer than Go 1.24's (15.0.0), so a character added since, such
 * as U+1C89 (Unicode 16), counts as printable here where Go escapes it.
 */
export function goIsPrint(cp: number): boolean {
  if (cp < 0x7f) return cp >= 0x20;
  return printable.test(String.fromCodePoint(cp));
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

const shortEscapes: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
const hex = (cp: number, width: number): string => cp.toString(16).padStart(width, '0');

/**
 * Go's %q of a string (strconv.Quote): `"` and `\` backslashed, printable characters
 * (goIsPrint) as they are, \a \b \f \n \r \t \v, \xNN for the other bytes below 0x20 and 0x7f,
 * \uNNNN or \UNNNNNNNN for the other code points that are not printable (U+00A0, U+200B,
 * U+2028, private use, unassigned code points).
 *
 * A lone surrogate prints as U+FFFD itself, unescaped. A JavaScript string gets one from a
 * JSON "\ud800" escape, which Go's JSON decoding turns into a valid, encoded U+FFFD, and
 * strconv.Quote keeps that as it is (U+FFFD is a printable symbol). Go escapes only bytes that
 * are not valid UTF-8, as \xNN, and such bytes never reach a JavaScript string (Node decodes
 * them to U+FFFD as well); strconv.Quote of a string never writes "\ufffd".
 */
export function goQuote(value: unknown): string {
  const s = String(value ?? '');
  let out = '"';
  for (const ch of s) {
    let cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp === 0x22 || cp === 0x5c) out += `\\${ch}`;
    else if (goIsPrint(cp)) out += String.fromCodePoint(cp);
    else if (shortEscapes[cp]) out += shortEscapes[cp];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}
