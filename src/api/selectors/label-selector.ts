// Label selectors (k8s.io/apimachinery/pkg/labels): the string form used by `kubectl get -l` and
// `?labelSelector=`, and the object form (matchLabels/matchExpressions) used in specs. Both
// produce the same LabelMatcher, printed the way `kubectl describe` prints selectors.

import { type FieldError, formatFieldError, formatFieldErrors, GoValue, invalid, notSupported } from '../field-errors.ts';
import { isQualifiedName, isValidLabelValue } from '../validation/names.ts';

/** Operators as Kubernetes' selection package names them. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** Sorted, de-duplicated for parsed selectors; empty for exists / does-not-exist. */
  values: string[];
}

export type Labels = Record<string, string> | null | undefined;

export interface LabelMatcher {
  matches(labels: Labels): boolean;
  /** True when the selector matches everything (no requirements). */
  empty(): boolean;
  /** The canonical string form ("app=web,tier in (a,b)"); "" for match-everything and match-nothing. */
  toString(): string;
  readonly requirements: readonly LabelRequirement[];
}

const hasKey = (labels: Labels, key: string): labels is Record<string, string> => !!labels && Object.hasOwn(labels, key);

/** strconv.ParseInt(s, 10, 64) */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n ? v : undefined;
}

export function requirementMatches(r: LabelRequirement, labels: Labels): boolean {
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return hasKey(labels, r.key) && r.values.includes(labels[r.key]);
    case 'notin':
    case '!=':
      return !hasKey(labels, r.key) || !r.values.includes(labels[r.key]);
    case 'exists':
      return hasKey(labels, r.key);
    case '!':
      return !hasKey(labels, r.key);
    case 'gt':
    case 'lt': {
      if (!hasKey(labels, r.key) || r.values.length !== 1) return false;
      const actual = parseInt64(labels[r.key]);
      const bound = parseInt64(r.values[0]);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

export function requirementToString(r: LabelRequirement): string {
  const joined = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
      return `${r.key} in (${joined})`;
    case 'notin':
      return `${r.key} notin (${joined})`;
    case 'gt':
      return `${r.key}>${joined}`;
    case 'lt':
      return `${r.key}<${joined}`;
    default:
      return `${r.key}${r.operator}${joined}`;
  }
}

class RequirementsMatcher implements LabelMatcher {
  readonly requirements: readonly LabelRequirement[];
  constructor(requirements: LabelRequirement[]) {
    // Sorted by key (stable), as Kubernetes does, so the string form is deterministic.
    this.requirements = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  matches(labels: Labels): boolean {
    return this.requirements.every((r) => requirementMatches(r, labels));
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }
}

/** labels.Nothing(): what a nil selector means in a spec (e.g. a Service without selector). */
class NothingMatcher implements LabelMatcher {
  readonly requirements: readonly LabelRequirement[] = [];
  matches(): boolean {
    return false;
  }
  empty(): boolean {
    return false;
  }
  toString(): string {
    return '';
  }
}

export const everything = (): LabelMatcher => new RequirementsMatcher([]);
export const nothing = (): LabelMatcher => new NothingMatcher();

/** labels.NewRequirement's checks; messages are field errors with paths relative to the requirement. */
function requirementErrors(key: string, operator: LabelOperator, values: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(invalid('key', key, keyErrs.join('; ')));
  switch (operator) {
    case 'in':
    case 'notin':
      // Only a matchExpressions entry has no values here (the string syntax reads `in ()` as
      // [""]), and LabelSelectorAsSelector passes them on as a nil slice.
      if (values.length === 0) {
        errs.push(invalid('values', new GoValue('[]string(nil)'), "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(notSupported('operator', operator, ['in', 'notin', '=', '==', '!=', 'exists', '!', 'gt', 'lt']));
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length) errs.push(invalid(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  return errs;
}

function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs = requirementErrors(key, operator, values);
  if (errs.length) throw new Error(formatFieldErrors(errs));
  return { key, operator, values };
}

// ---- string syntax: lexer ----

type TokenKind = 'end' | 'identifier' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';

interface Token {
  kind: TokenKind;
  text: string;
}

const specialSymbols = new Set(['=', '!', '(', ')', ',', '>', '<']);
const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (isWhitespace(c)) {
      i++;
    } else if (specialSymbols.has(c)) {
      // Longest match: "==" and "!=" are the only two-character operators.
      const two = input.slice(i, i + 2);
      const text = two === '==' || two === '!=' ? two : c;
      tokens.push({ kind: text as TokenKind, text });
      i += text.length;
    } else {
      let j = i;
      while (j < input.length && !isWhitespace(input[j]) && !specialSymbols.has(input[j])) j++;
      const text = input.slice(i, j);
      tokens.push({ kind: text === 'in' || text === 'notin' ? text : 'identifier', text });
      i = j;
    }
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

// ---- string syntax: parser (same grammar and error texts as labels.Parse) ----

const binaryOperators = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

class SelectorParser {
  #tokens: Token[];
  #pos = 0;

  constructor(input: string) {
    this.#tokens = lex(input);
  }

  /** Where a value or key is expected, the keywords "in"/"notin" are plain identifiers. */
  #peek(asValue: boolean): Token {
    const t = this.#tokens[this.#pos];
    return asValue && (t.kind === 'in' || t.kind === 'notin') ? { kind: 'identifier', text: t.text } : t;
  }

  #next(asValue: boolean): Token {
    const t = this.#peek(asValue);
    if (this.#pos < this.#tokens.length - 1) this.#pos++;
    return t;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const t = this.#peek(true);
      if (t.kind === 'end') return requirements;
      if (t.kind !== 'identifier' && t.kind !== '!') {
        throw new Error(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.#requirement());
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`);
      }
      const after = this.#next(true);
      if (after.kind === 'end') return requirements;
      if (after.kind !== ',') throw new Error(`found '${after.text}', expected: ',' or 'end of string'`);
      const following = this.#peek(true);
      if (following.kind !== 'identifier' && following.kind !== '!') {
        throw new Error(`found '${following.text}', expected: identifier after ','`);
      }
    }
  }

  #requirement(): LabelRequirement {
    let t = this.#next(true);
    let unary: LabelOperator | undefined;
    if (t.kind === '!') {
      unary = '!';
      t = this.#next(true);
    }
    if (t.kind !== 'identifier') throw new Error(`found '${t.text}', expected: identifier`);
    const key = t.text;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) throw new Error(formatFieldError(invalid('<nil>', key, keyErrs.join('; '))));
    const following = this.#peek(true).kind;
    if (!unary && (following === 'end' || following === ',')) unary = 'exists';
    if (unary) return newRequirement(key, unary, []);

    const op = this.#operator();
    const values = op === 'in' || op === 'notin' ? this.#valueSet() : this.#exactValue();
    return newRequirement(key, op, [...new Set(values)].sort());
  }

  #operator(): LabelOperator {
    const t = this.#next(false);
    switch (t.kind) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        return t.kind;
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new Error(`found '${t.text}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  #valueSet(): string[] {
    const open = this.#next(true);
    if (open.kind !== '(') throw new Error(`found '${open.text}' expected: '('`);
    const t = this.#peek(true);
    if (t.kind === ')') {
      this.#next(true);
      return [''];
    }
    if (t.kind !== 'identifier' && t.kind !== ',') throw new Error(`found '${t.text}', expected: ',', ')' or identifier`);
    const values = this.#identifierList();
    if (this.#next(true).kind !== ')') throw new Error(`found '${t.text}', expected: ')'`);
    return values;
  }

  /** "(a,b)", and the empty-value spellings "(,a)", "(a,)", "(a,,b)" that Kubernetes accepts. */
  #identifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const t = this.#next(true);
      if (t.kind === 'identifier') {
        values.push(t.text);
        const after = this.#peek(true);
        if (after.kind === ',') continue;
        if (after.kind === ')') return values;
        throw new Error(`found '${after.text}', expected: ',' or ')'`);
      }
      if (t.kind === ',') {
        if (values.length === 0) values.push('');
        const after = this.#peek(true);
        if (after.kind === ')') {
          values.push('');
          return values;
        }
        if (after.kind === ',') {
          this.#next(true);
          values.push('');
        }
        continue;
      }
      throw new Error(`found '${t.text}', expected: ',', or identifier`);
    }
  }

  #exactValue(): string[] {
    const t = this.#peek(true);
    if (t.kind === 'end' || t.kind === ',') return [''];
    this.#next(true);
    if (t.kind === 'identifier') return [t.text];
    throw new Error(`found '${t.text}', expected: identifier`);
  }
}

/**
 * Parses the string syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * `a>1`, `a<1`, joined by commas. "" matches everything. Throws Error with Kubernetes' message.
 */
export function parseLabelSelector(selector: string): LabelMatcher {
  return new RequirementsMatcher(new SelectorParser(selector).parse());
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

const objectOperators: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: a null/undefined selector matches NOTHING, while an empty
 * selector ({}) matches EVERYTHING. Throws on an unknown operator or invalid key/value.
 */
export function labelSelectorFromObject(selector: LabelSelectorObject | null | undefined): LabelMatcher {
  if (!selector) return nothing();
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push(newRequirement(key, '=', [value]));
  }
  for (const expr of selector.matchExpressions ?? []) {
    const op = objectOperators[expr.operator];
    if (!op) throw new Error(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    requirements.push(newRequirement(expr.key, op, [...(expr.values ?? [])]));
  }
  return new RequirementsMatcher(requirements);
}

/** labels.SelectorFromSet: every label must be present with exactly that value; {} matches everything. */
export function labelSelectorFromSet(labels: Record<string, string> | null | undefined): LabelMatcher {
  return new RequirementsMatcher(Object.entries(labels ?? {}).map(([k, v]) => ({ key: k, operator: '=', values: [v] })));
}

/** metav1.FormatLabelSelector, as `kubectl describe` shows it: "<none>" when empty or nil, "<error>" when invalid. */
export function labelSelectorToString(selector: LabelSelectorObject | null | undefined): string {
  let text: string;
  try {
    text = labelSelectorFromObject(selector).toString();
  } catch {
    return '<error>';
  }
  return text || '<none>';
}

/** labels.FormatLabels: "a=b,c=d" sorted by key, "<none>" when there are none. */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  const text = Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${labels?.[k]}`)
    .join(',');
  return text || '<none>';
}
