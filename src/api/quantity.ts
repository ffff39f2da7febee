// Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource): a fixed-point number with
// a suffix ("500m", "1Gi", "129e6"). Values are kept exact as BigInt × 10^exp, never as floats,
// and printed in Go's canonical form so objects read back exactly as a real apiserver returns them.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const SPLIT_RE_STRING = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const splitRE = new RegExp(SPLIT_RE_STRING);

export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE_STRING}'`;
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_SUFFIX = "unable to parse quantity's suffix";

/** Smallest representable step is 1n (10^-9); finer values round away from zero. */
const NANO_EXP = -9;
const MAX_INT64 = (1n << 63n) - 1n;
/** Guard against materializing absurd powers of ten ("1e999999999" parses, like in Go). */
const MAX_SHIFT = 100_000;

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalSuffixByExp = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binarySuffixByExp = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e, s]));

const pow10Cache: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 0 || n > MAX_SHIFT) throw new RangeError(`quantity exponent out of range: ${n}`);
  if (n < 64) {
    pow10Cache[n] ??= 10n ** BigInt(n);
    return pow10Cache[n];
  }
  return 10n ** BigInt(n);
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const digitCount = (v: bigint): number => abs(v).toString().length;

/** v / 10^places, rounding any remainder away from zero (Go's RoundUp on the magnitude). */
function divRoundAway(v: bigint, places: number): bigint {
  if (places <= 0) return v;
  if (v === 0n) return 0n;
  if (places > digitCount(v)) return v > 0n ? 1n : -1n;
  const d = pow10(places);
  const q = v / d;
  if (v % d === 0n) return q;
  return v > 0n ? q + 1n : q - 1n;
}

function removeFactors(v: bigint, base: bigint): [bigint, number] {
  let times = 0;
  while (v !== 0n && v % base === 0n) {
    v /= base;
    times++;
  }
  return [v, times];
}

export class Quantity {
  readonly format: QuantityFormat;
  /** value = unscaled × 10^exp */
  readonly #unscaled: bigint;
  readonly #exp: number;
  /** Go keeps the input text when it is already canonical (and, by a known quirk, a few near-canonical forms). */
  readonly #text: string | undefined;

  constructor(unscaled: bigint, exp: number, format: QuantityFormat = 'DecimalSI', text?: string) {
    this.#unscaled = unscaled;
    this.#exp = exp;
    this.format = format;
    this.#text = text;
  }

  /** NewQuantity: an integer value. */
  static fromValue(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigInt(value), 0, format);
  }

  /** NewMilliQuantity: value / 1000. */
  static fromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigInt(milli), -3, format);
  }

  /** NewScaledQuantity: value × 10^exp, DecimalSI. */
  static fromScaled(value: number | bigint, exp: number): Quantity {
    return new Quantity(toBigInt(value), exp, 'DecimalSI');
  }

  sign(): -1 | 0 | 1 {
    return this.#unscaled === 0n ? 0 : this.#unscaled > 0n ? 1 : -1;
  }

  isZero(): boolean {
    return this.#unscaled === 0n;
  }

  /** ceil(q / 10^scale) with fractions rounded away from zero, e.g. scaledValue(-3) is the milli value. */
  scaledValue(scale: number): bigint {
    const shift = this.#exp - scale;
    if (shift >= 0) return this.#unscaled * pow10(shift);
    return divRoundAway(this.#unscaled, -shift);
  }

  /** The integer value, fractions rounded up (away from zero), like Go's Value(). */
  value(): number {
    return this.#toNumber(0);
  }

  /** The value in thousandths, rounded up, like Go's MilliValue(). */
  milliValue(): number {
    return this.#toNumber(-3);
  }

  #toNumber(scale: number): number {
    if (this.#unscaled === 0n) return 0;
    if (this.#exp - scale + digitCount(this.#unscaled) > 400) return this.sign() * Number.POSITIVE_INFINITY;
    return Number(this.scaledValue(scale));
  }

  /** A float approximation, for ratios and printing percentages. */
  asApproximateFloat64(): number {
    return Number(`${this.#unscaled}e${this.#exp}`);
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    const a = this.#unscaled;
    const b = other.#unscaled;
    const sa = this.sign();
    const sb = other.sign();
    if (sa !== sb) return sa < sb ? -1 : 1;
    if (sa === 0) return 0;
    // Compare orders of magnitude first so wildly different exponents never get materialized.
    const magA = digitCount(a) + this.#exp;
    const magB = digitCount(b) + other.#exp;
    if (magA !== magB) return (magA > magB ? sa : -sa) as -1 | 1;
    const [x, y] = align(a, this.#exp, b, other.#exp);
    return x === y ? 0 : x > y ? 1 : -1;
  }

  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** A new Quantity holding the sum; like Go, a zero receiver takes the other's format. */
  add(other: Quantity): Quantity {
    const exp = Math.min(this.#exp, other.#exp);
    const [x, y] = align(this.#unscaled, this.#exp, other.#unscaled, other.#exp);
    return new Quantity(x + y, exp, this.isZero() ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    return this.add(other.neg());
  }

  neg(): Quantity {
    return new Quantity(-this.#unscaled, this.#exp, this.format);
  }

  toJSON(): string {
    return this.toString();
  }

  /** Go's canonical form: no fractional digits, the largest suffix that loses nothing. */
  toString(): string {
    if (this.#text !== undefined) return this.#text;
    if (this.#unscaled === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const small = this.cmp(Quantity.fromValue(-1024)) > 0 && this.cmp(Quantity.fromValue(1024)) < 0;
      // Fractions cannot be shown in base 1024 without rounding, so they fall back to decimal.
      const integral = this.#exp >= 0 || this.#unscaled % pow10(-this.#exp) === 0n;
      if (small || !integral || this.#exp > 1000) format = 'DecimalSI';
    }
    if (format === 'BinarySI') return this.#base1024String();
    return this.#base10String(format);
  }

  #base10String(format: QuantityFormat): string {
    let [amount, times] = removeFactors(this.#unscaled, 10n);
    let exp = this.#exp + times;
    // Lower the exponent to a multiple of three (1.5 → 1500m, 15e4 → 150k).
    const over = ((exp % 3) + 3) % 3;
    amount *= pow10(over);
    exp -= over;
    if (format === 'DecimalSI') {
      const suffix = decimalSuffixByExp.get(exp);
      // Go drops the magnitude beyond 'E' (a known bug); exponent notation keeps the value intact.
      if (suffix !== undefined) return `${amount}${suffix}`;
    }
    return exp === 0 ? `${amount}` : `${amount}e${exp}`;
  }

  #base1024String(): string {
    const integer = this.scaledValue(0);
    let [amount, times] = removeFactors(integer, 1024n);
    // Beyond Ei there is no suffix; keep the remainder in the number.
    while (times > 6) {
      amount *= 1024n;
      times--;
    }
    return `${amount}${binarySuffixByExp.get(times * 10) ?? ''}`;
  }
}

function toBigInt(v: number | bigint): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isInteger(v)) throw new RangeError(`not an integer: ${v}`);
  return BigInt(v);
}

function align(a: bigint, expA: number, b: bigint, expB: number): [bigint, bigint] {
  if (expA === expB) return [a, b];
  if (expA > expB) return [a * pow10(expA - expB), b];
  return [a, b * pow10(expB - expA)];
}

interface ScannedQuantity {
  positive: boolean;
  /** The signed number without its suffix, e.g. "-1.5". */
  value: string;
  /** Integer digits with leading zeros removed ("0" when none). */
  num: string;
  /** Fraction digits. */
  denom: string;
  suffix: string;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** The same left-to-right scan as Go's parseQuantityString. */
function scanQuantity(str: string): ScannedQuantity {
  const end = str.length;
  let pos = 0;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };

  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  const num = str.slice(numStart, pos) || '0';
  if (pos >= end) return { positive, value: str, num, denom: '', suffix: '' };

  let denom = '';
  if (str[pos] === '.') {
    pos++;
    const denomStart = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
    if (pos >= end) return { positive, value: str, num, denom, suffix: '' };
  }
  const value = str.slice(0, pos);

  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos])) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new Error(ERR_FORMAT_WRONG);
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } {
  if (suffix in decimalSuffixes) return { base: 10, exponent: decimalSuffixes[suffix], format: 'DecimalSI' };
  if (suffix in binarySuffixes) return { base: 2, exponent: binarySuffixes[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const parsed = BigInt(suffix.slice(1));
    // strconv.ParseInt(…, 64) then int32(…), as Go does.
    if (parsed > MAX_INT64 || parsed < -MAX_INT64 - 1n) throw new Error(ERR_SUFFIX);
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  throw new Error(ERR_SUFFIX);
}

/** Parses a decimal like "-1.5", "+.5", "3." into unscaled digits and a (negative) exponent. */
function parseDecimal(value: string): { unscaled: bigint; exp: number } {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(value);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(ERR_NUMERIC);
  const frac = m[3] ?? '';
  const digits = BigInt(`${m[2]}${frac}` || '0');
  return { unscaled: m[1] === '-' ? -digits : digits, exp: -frac.length };
}

/** Parses a Kubernetes quantity; throws Error with Kubernetes' message when it is malformed. */
export function parseQuantity(input: string | number): Quantity {
  let str: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new Error(ERR_FORMAT_WRONG);
    str = String(input);
  } else {
    str = input;
  }
  if (str.length === 0 || !splitRE.test(str)) throw new Error(ERR_FORMAT_WRONG);
  if (str === '0') return new Quantity(0n, 0, 'DecimalSI', '0');

  const { positive, value, num, denom, suffix } = scanQuantity(str);
  const { base, exponent, format } = interpretSuffix(suffix);

  // Go's int64 fast path: small exact values; when the input is already canonical it is kept verbatim.
  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= NANO_EXP) {
      const shifted = num + denom;
      const digits = BigInt(shifted);
      const result = digits * mantissa;
      if (result <= MAX_INT64) {
        const signed = positive ? result : -result;
        const canonical =
          format === 'BinarySI'
            ? exponent % 10 === 0 && (digits & 7n) !== 0n
            : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        return new Quantity(signed, scale, format, canonical ? str : undefined);
      }
    }
  }

  // Exact decimal path: apply the suffix, round up to 1n, cap binary values at 2^63-1.
  let { unscaled, exp } = parseDecimal(value);
  if (base === 10) exp += exponent;
  else unscaled *= 1n << BigInt(exponent);
  const negative = unscaled < 0n;
  let magnitude = abs(unscaled);
  if (magnitude !== 0n && exp < NANO_EXP) {
    magnitude = divRoundAway(magnitude, NANO_EXP - exp);
    exp = NANO_EXP;
  }
  let finalFormat = format;
  if (format === 'BinarySI') {
    const q = new Quantity(magnitude, exp);
    if (q.cmp(new Quantity(MAX_INT64, 0)) > 0) {
      magnitude = MAX_INT64;
      exp = 0;
    } else if (magnitude !== 0n && q.cmp(new Quantity(1n, 0)) < 0) {
      finalFormat = 'DecimalSI';
    }
  }
  return new Quantity(negative ? -magnitude : magnitude, exp, finalFormat);
}

export function isQuantity(s: unknown): boolean {
  if (typeof s !== 'string' && typeof s !== 'number') return false;
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

type QuantityInput = Quantity | string | number | null | undefined;

function toQuantity(q: QuantityInput): Quantity | undefined {
  if (q === null || q === undefined || q === '') return undefined;
  return q instanceof Quantity ? q : parseQuantity(q);
}

/** Quantity.MilliValue: thousandths of the unit ("250m" → 250, "1.5" → 1500, "1Ki" → 1024000); 0 when unset. */
export function milliValue(q: QuantityInput): number {
  return toQuantity(q)?.milliValue() ?? 0;
}

/** CPU in millicores ("250m" → 250, "1.5" → 1500); 0 when unset. */
export function cpuMillis(q: QuantityInput): number {
  return milliValue(q);
}

/** Memory or storage in bytes ("1Gi" → 1073741824, "1.5k" → 1500); 0 when unset. */
export function memoryBytes(q: QuantityInput): number {
  return toQuantity(q)?.value() ?? 0;
}

/** Canonical string of any quantity input ("1000m" → "1"); used when normalizing stored objects. */
export function canonicalQuantity(q: string | number): string {
  return parseQuantity(q).toString();
}
