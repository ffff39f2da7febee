// Field selectors (k8s.io/apimachinery/pkg/fields): `?fieldSelector=spec.nodeName=n1,status.phase!=Failed`.
// Terms are joined by ',', compare one field with '=', '==' or '!=', and values escape '\', ',' and '='
// with a backslash. A missing field reads as "", so `spec.nodeName=` selects unscheduled pods.

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  field: string;
  /** '==' is read as '=' (Kubernetes treats them the same). */
  op: FieldOperator;
  value: string;
}

export interface FieldMatcher {
  matches(fields: Record<string, string>): boolean;
  readonly requirements: readonly FieldRequirement[];
  /** The distinct fields referenced, in order. */
  fieldNames(): string[];
  /** True when there are no terms (matches everything). */
  empty(): boolean;
  /** The value a `field=value` term pins, if any (fields.RequiresExactMatch), e.g. spec.nodeName for a node's agent. */
  requiresExactMatch(field: string): string | undefined;
  /** Canonical form: terms sorted, values escaped ("metadata.name=a\,b"). */
  toString(): string;
}

/** Backslash-escapes '\', ',' and '=' in a value (fields.EscapeValue). */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Reverses escapeFieldValue; unescaped ',' or '=' and unknown escapes are errors, as in Kubernetes. */
export function unescapeFieldValue(value: string): string {
  let out = '';
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new Error(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Go prints the rune with %v, i.e. its code point number.
      throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new Error('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas that are not backslash-escaped; the escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** The first operator occurrence splits the term; '!=' and '==' are tried before '='. */
function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '=']) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

class TermsMatcher implements FieldMatcher {
  constructor(readonly requirements: readonly FieldRequirement[]) {}

  matches(fields: Record<string, string>): boolean {
    return this.requirements.every((r) => {
      const actual = fields[r.field] ?? '';
      return r.op === '=' ? actual === r.value : actual !== r.value;
    });
  }

  fieldNames(): string[] {
    return [...new Set(this.requirements.map((r) => r.field))];
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.op === '=')?.value;
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.op}${escapeFieldValue(r.value)}`).join(',');
  }
}

/** Parses a field selector; "" matches everything. Throws Error with Kubernetes' message on bad input. */
export function parseFieldSelector(selector: string): FieldMatcher {
  // Terms are sorted as raw text first, which is what makes the string form canonical.
  const parts = splitTerms(selector).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (!term) throw new Error(`invalid selector: '${selector}'; can't understand '${part}'`);
    const value = unescapeFieldValue(term.rhs);
    requirements.push({ field: term.lhs, op: term.op === '!=' ? '!=' : '=', value });
  }
  return new TermsMatcher(requirements);
}

/** A selector pinning each given field to its value (fields.SelectorFromSet). */
export function fieldSelectorFromSet(set: Record<string, string>): FieldMatcher {
  const requirements = Object.keys(set)
    .sort()
    .map((field): FieldRequirement => ({ field, op: '=', value: set[field] }));
  return new TermsMatcher(requirements);
}

/** Throws Kubernetes' "field label not supported: x" for the first field a kind cannot select on. */
export function assertSupportedFields(matcher: FieldMatcher, supported: Iterable<string>): void {
  const allowed = new Set(supported);
  for (const field of matcher.fieldNames()) {
    if (!allowed.has(field)) throw new Error(`field label not supported: ${field}`);
  }
}
