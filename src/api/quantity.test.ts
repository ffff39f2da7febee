import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuMillis, ERR_FORMAT_WRONG, ERR_SUFFIX, isQuantity, memoryBytes, parseQuantity, Quantity } from './quantity.ts';

const canonical = (s: string | number) => parseQuantity(s).toString();

test('canonical forms from the examples users meet daily', () => {
  const cases: [string, string][] = [
    ['1000m', '1'],
    ['1.5', '1500m'],
    ['1024Mi', '1Gi'],
    ['0.1', '100m'],
    ['1e3', '1e3'],
    ['129e6', '129e6'],
    ['100m', '100m'],
    ['250m', '250m'],
    ['2', '2'],
    ['1Gi', '1Gi'],
    ['512Mi', '512Mi'],
    ['1.5Gi', '1536Mi'],
    ['2048Ki', '2Mi'],
    ['1000k', '1M'],
    ['1500k', '1500k'],
    ['0', '0'],
    ['0Gi', '0'],
    ['0.0', '0'],
    ['1.0', '1'],
    ['.5', '500m'],
  ];
  for (const [input, want] of cases) assert.equal(canonical(input), want, input);
});

test('Go parse table: decimal, binary and exponent suffixes', () => {
  const cases: [string, string][] = [
    ['1Ki', '1Ki'],
    ['8Ki', '8Ki'],
    ['7Mi', '7Mi'],
    ['6Gi', '6Gi'],
    ['5Ti', '5Ti'],
    ['4Pi', '4Pi'],
    ['3Ei', '3Ei'],
    ['10Ti', '10Ti'],
    ['5n', '5n'],
    ['4u', '4u'],
    ['3m', '3m'],
    ['8k', '8k'],
    ['50k', '50k'],
    ['7M', '7M'],
    ['6G', '6G'],
    ['300T', '300T'],
    ['2P', '2P'],
    ['1E', '1E'],
    ['12E', '12E'],
    ['1E-3', '1E-3'],
    ['1E6', '1E6'],
    ['1e14', '100e12'],
    ['1e13', '10e12'],
    ['0.001', '1m'],
    ['0.0005k', '500m'],
    ['0.5e0', '500e-3'],
    ['0.5e-1', '50e-3'],
    ['1.2e3', '1200'],
    ['1.3E+6', '1300e3'],
    ['9.01', '9010m'],
    ['8.1k', '8100'],
    ['2.5P', '2500T'],
    ['1.01E', '1010P'],
    ['.001', '1m'],
    ['.0001k', '100m'],
  ];
  for (const [input, want] of cases) assert.equal(canonical(input), want, input);
});

test('rounding up to 1n, binary fractions, and the int64 cap', () => {
  const cases: [string, string][] = [
    ['3.001n', '4n'],
    ['1.1E-9', '2e-9'],
    ['0.0000000001', '1n'],
    ['0.5e-9', '1e-9'],
    ['0.9n', '1n'],
    ['0.00000012345', '124n'],
    ['9Ei', '9223372036854775807'],
    ['9223372036854775807Ki', '9223372036854775807'],
    ['100.035Ki', '102435840m'],
    ['0.5Mi', '512Ki'],
    ['0.05Gi', '53687091200m'],
    ['0.000000000001Ki', '2n'],
    ['1.5Ki', '1536'],
    ['-1.5n', '-2n'],
  ];
  for (const [input, want] of cases) assert.equal(canonical(input), want, input);
});

test('Go keeps some non-canonical inputs verbatim (fast-path string reuse)', () => {
  assert.equal(canonical('+1'), '+1');
  assert.equal(canonical('1.001'), '1.001');
  assert.equal(canonical('1Ki'), '1Ki');
  assert.equal(canonical('1001m'), '1001m');
  // Decimal points are kept when the shifted digits land on a multiple of three (kubernetes#138165).
  assert.equal(canonical('100.035k'), '100.035k');
  assert.equal(canonical('10.035M'), '10.035M');
  assert.equal(canonical('6.987654321G'), '6.987654321G');
  assert.equal(canonical('1.'), '1.');
  assert.equal(canonical('1.G'), '1.G');
  assert.equal(parseQuantity('100.035k').milliValue(), 100_035_000);
});

test('canonicalization of constructed quantities (Go TestQuantityString)', () => {
  const q = (v: number | bigint, exp: number, f: 'DecimalSI' | 'BinarySI' | 'DecimalExponent') =>
    new Quantity(BigInt(v), exp, f).toString();
  assert.equal(q(1024 * 1024 * 1024, 0, 'BinarySI'), '1Gi');
  assert.equal(q(300 * 1024 * 1024, 0, 'BinarySI'), '300Mi');
  assert.equal(q(1001 * 1024 * 1024 * 1024, 0, 'BinarySI'), '1001Gi');
  assert.equal(q(5, 0, 'BinarySI'), '5');
  assert.equal(q(500, -3, 'BinarySI'), '500m');
  assert.equal(q(1025, 0, 'BinarySI'), '1025');
  assert.equal(q(1234567, -3, 'BinarySI'), '1234567m');
  assert.equal(q(1000, 6, 'DecimalSI'), '1G');
  assert.equal(q(108, -2, 'DecimalSI'), '1080m');
  assert.equal(q(10800, -4, 'DecimalSI'), '1080m');
  assert.equal(q(1234567, 6, 'DecimalSI'), '1234567M');
  assert.equal(q(108, -8, 'DecimalSI'), '1080n');
  assert.equal(q(1, 9, 'DecimalExponent'), '1e9');
  assert.equal(q(1, -9, 'DecimalExponent'), '1e-9');
  assert.equal(q(300, 6, 'DecimalExponent'), '300e6');
  assert.equal(q(0, 0, 'DecimalExponent'), '0');
  assert.equal(q(-1500, -3, 'DecimalSI'), '-1500m');
  // Beyond 'E' there is no suffix; the value must survive instead of silently shrinking.
  assert.equal(canonical('1000E'), '1e21');
  assert.equal(parseQuantity(canonical('1000E')).cmp(parseQuantity('1000E')), 0);
});

test('invalid quantities throw Kubernetes messages', () => {
  for (const bad of ['', '1.1.M', '1+1.0M', 'aoeu', '0.1am', ' 1', '1 ', 'Mi', '-', '1Gi ', 'e3']) {
    assert.throws(() => parseQuantity(bad), { message: ERR_FORMAT_WRONG }, JSON.stringify(bad));
  }
  for (const bad of ['0.1mi', '-3.01e-', '.5i', '1i', '-3.01i', '1kk', '1e']) {
    assert.throws(() => parseQuantity(bad), { message: ERR_SUFFIX }, bad);
  }
  assert.equal(ERR_FORMAT_WRONG, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  assert.equal(isQuantity('100m'), true);
  assert.equal(isQuantity('1.5Gi'), true);
  assert.equal(isQuantity(2), true);
  assert.equal(isQuantity('abc'), false);
  assert.equal(isQuantity(undefined), false);
});

test('numbers are accepted as JSON numbers are', () => {
  assert.equal(canonical(2), '2');
  assert.equal(canonical(0.5), '500m');
  assert.equal(canonical(-1), '-1');
  assert.throws(() => parseQuantity(Number.NaN));
});

test('value() and milliValue() round up like Go', () => {
  assert.equal(parseQuantity('1.5').value(), 2);
  assert.equal(parseQuantity('1.5').milliValue(), 1500);
  assert.equal(parseQuantity('100m').value(), 1);
  assert.equal(parseQuantity('100m').milliValue(), 100);
  assert.equal(parseQuantity('1n').milliValue(), 1);
  assert.equal(parseQuantity('1Gi').value(), 1073741824);
  assert.equal(parseQuantity('1.5Gi').value(), 1610612736);
  assert.equal(parseQuantity('1k').milliValue(), 1_000_000);
  assert.equal(parseQuantity('-1.5').value(), -2);
  assert.equal(parseQuantity('0').value(), 0);
  assert.equal(parseQuantity('9223372036854775807Ki').scaledValue(0), 9223372036854775807n);
  assert.equal(parseQuantity('1e1000').value(), Number.POSITIVE_INFINITY);
});

test('cmp, add and sub are exact', () => {
  assert.equal(parseQuantity('1').cmp(parseQuantity('1000m')), 0);
  assert.equal(parseQuantity('1Gi').cmp(parseQuantity('1G')), 1);
  assert.equal(parseQuantity('999m').cmp(parseQuantity('1')), -1);
  assert.equal(parseQuantity('-1').cmp(parseQuantity('1n')), -1);
  assert.equal(parseQuantity('1e100').cmp(parseQuantity('1E')), 1);
  assert.equal(parseQuantity('1n').cmp(parseQuantity('1e-1000')), 0); // the latter rounds up to 1n
  assert.equal(parseQuantity('100m').add(parseQuantity('1.9')).toString(), '2');
  assert.equal(parseQuantity('1Gi').add(parseQuantity('512Mi')).toString(), '1536Mi');
  assert.equal(parseQuantity('0').add(parseQuantity('1Ki')).toString(), '1Ki', 'a zero takes the other format');
  assert.equal(parseQuantity('1').sub(parseQuantity('250m')).toString(), '750m');
  assert.equal(parseQuantity('1').sub(parseQuantity('1')).toString(), '0');
  // add never mutates its operands
  const a = parseQuantity('1');
  a.add(parseQuantity('1'));
  assert.equal(a.toString(), '1');
  assert.equal(JSON.stringify({ cpu: parseQuantity('1000m') }), '{"cpu":"1"}');
});

test('constructors', () => {
  assert.equal(Quantity.fromMilli(1500).toString(), '1500m');
  assert.equal(Quantity.fromValue(2048, 'BinarySI').toString(), '2Ki');
  assert.equal(Quantity.fromScaled(5, 6).toString(), '5M');
  assert.throws(() => Quantity.fromValue(1.5));
});

test('cpuMillis and memoryBytes', () => {
  assert.equal(cpuMillis('250m'), 250);
  assert.equal(cpuMillis('1.5'), 1500);
  assert.equal(cpuMillis(2), 2000);
  assert.equal(cpuMillis(undefined), 0);
  assert.equal(cpuMillis(parseQuantity('1')), 1000);
  assert.equal(memoryBytes('128Mi'), 134217728);
  assert.equal(memoryBytes('1G'), 1e9);
  assert.equal(memoryBytes(''), 0);
  assert.throws(() => memoryBytes('lots'), { message: ERR_FORMAT_WRONG });
});
