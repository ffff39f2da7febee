import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cannotBeHandledMessage,
  checkFields,
  duplicateFieldEntries,
  findDuplicateFields,
  quantityProblem,
  strictDecodingMessage,
  timeProblem,
  unknownFieldEntries,
} from './strict-decode.ts';
import { registerWidgetDefinitions, WIDGET } from './testdata/widget-definitions.ts';

registerWidgetDefinitions();

const widget = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'hale.test.io/v1',
  kind: 'Widget',
  metadata: { name: 'w', labels: { app: 'w' } },
  spec: { size: '1Gi', ...spec },
  ...extra,
});

const details = (obj: unknown) => checkFields(obj, WIDGET).errors.map((e) => e.detail);

describe('checkFields: unknown fields', () => {
  test('a valid object has no findings', () => {
    const result = checkFields(
      widget({
        replicas: 3,
        port: 'http',
        parts: [{ name: 'a', count: 1 }],
        limits: { cpu: '500m', memory: 128 },
        payload: { anything: [1, { goes: true }] },
        offsets: [-1, 2],
        timeout: '1m30s',
        blob: 'aGVsbG8=',
        renewTime: '2026-01-02T03:04:05.123456Z',
        probe: { command: ['true'], periodSeconds: 5 },
        missing: { whatever: 1 },
        ratio: 0.5,
        mode: 'Fast',
      }),
      WIDGET,
    );
    assert.deepEqual(result, { unknown: [], errors: [] });
  });

  test('reports paths with list indexes, in document order, including inlined structs', () => {
    const result = checkFields(
      widget({ foo: 1, parts: [{ name: 'a' }, { name: 'b', colour: 'red' }], probe: { command: [], pth: '/' } }, { extra: true }),
      WIDGET,
    );
    assert.deepEqual(result.unknown, ['spec.foo', 'spec.parts[1].colour', 'spec.probe.pth', 'extra']);
    assert.deepEqual(result.errors, []);
  });

  test('prune removes exactly the unknown fields, however deep, and keeps free-form ones', () => {
    const obj = widget({ foo: 1, parts: [{ name: 'a' }, { name: 'b', colour: 'red' }], payload: { x: { y: 1 } } }, { extra: true });
    const result = checkFields(obj, WIDGET, { prune: true });
    assert.deepEqual(result.unknown, ['spec.foo', 'spec.parts[1].colour', 'extra']);
    assert.deepEqual(obj, widget({ parts: [{ name: 'a' }, { name: 'b' }], payload: { x: { y: 1 } } }));
    const untouched = widget({ foo: 1 });
    checkFields(untouched, WIDGET);
    assert.equal((untouched.spec as Record<string, unknown>).foo, 1, 'without prune the object is only read');
  });

  test('field names are case-sensitive, like sigs.k8s.io/json', () => {
    assert.deepEqual(checkFields(widget({ Replicas: 1 }), WIDGET).unknown, ['spec.Replicas']);
  });

  test('free-form (any) fields and map keys are never unknown', () => {
    assert.deepEqual(checkFields(widget({ payload: { x: { y: 1 } } }, { metadata: { labels: { 'any-key': 'v' } } }), WIDGET).unknown, []);
  });

  test('messages are worded like Kubernetes', () => {
    const entries = [...unknownFieldEntries(['spec.foo', 'extra']), ...duplicateFieldEntries(findDuplicateFields('{"a":1,"a":2}'))];
    assert.deepEqual(entries, ['unknown field "spec.foo"', 'unknown field "extra"', 'duplicate field "a"']);
    assert.equal(
      cannotBeHandledMessage('ConfigMap', 'v1', strictDecodingMessage(unknownFieldEntries(['foo']))),
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "foo"',
    );
    assert.equal(strictDecodingMessage(unknownFieldEntries(['a', 'b'])), 'strict decoding error: unknown field "a", unknown field "b"');
  });
});

describe('checkFields: wrong JSON types', () => {
  test('Go-style messages name the innermost struct and the JSON path without indexes', () => {
    assert.deepEqual(details(widget({ replicas: '3' })), [
      'json: cannot unmarshal string into Go struct field WidgetSpec.spec.replicas of type int32',
    ]);
    assert.deepEqual(details(widget({ parts: [{ name: 'a' }, { name: 7 }] })), [
      'json: cannot unmarshal number into Go struct field Part.spec.parts.name of type string',
    ]);
    assert.deepEqual(details(widget({}, { spec: 'big' })), [
      'json: cannot unmarshal string into Go struct field Widget.spec of type v1.WidgetSpec',
    ]);
    assert.deepEqual(details(widget({ parts: { name: 'a' } })), [
      'json: cannot unmarshal object into Go struct field WidgetSpec.spec.parts of type []v1.Part',
    ]);
    assert.deepEqual(details(widget({}, { metadata: { labels: ['a'] } })), [
      'json: cannot unmarshal array into Go struct field Meta.metadata.labels of type map[string]string',
    ]);
    assert.deepEqual(details(widget({}, { metadata: { labels: { a: 1 } } })), [
      'json: cannot unmarshal number into Go struct field Meta.metadata.labels of type string',
    ]);
    assert.deepEqual(details(widget({ enabled: 'yes', ratio: true })), [
      'json: cannot unmarshal string into Go struct field WidgetSpec.spec.enabled of type bool',
      'json: cannot unmarshal bool into Go struct field WidgetSpec.spec.ratio of type float64',
    ]);
  });

  test('the error carries the path and value for the caller', () => {
    const [error] = checkFields(widget({ offsets: [1, 'x'] }), WIDGET).errors;
    assert.deepEqual(error, {
      type: 'FieldValueInvalid',
      field: 'spec.offsets[1]',
      value: 'x',
      detail: 'json: cannot unmarshal string into Go struct field WidgetSpec.spec.offsets of type int32',
    });
  });

  test('integers must be whole and in range', () => {
    assert.deepEqual(details(widget({ replicas: 1.5 })), [
      'json: cannot unmarshal number 1.5 into Go struct field WidgetSpec.spec.replicas of type int32',
    ]);
    assert.deepEqual(details(widget({ replicas: 2 ** 31 })), [
      'json: cannot unmarshal number 2147483648 into Go struct field WidgetSpec.spec.replicas of type int32',
    ]);
    assert.deepEqual(details(widget({ replicas: -(2 ** 31), serial: 2 ** 40 })), []);
  });

  test('null is accepted anywhere (Go keeps the zero value)', () => {
    assert.deepEqual(details(widget({ replicas: null, parts: null, probe: null, renewTime: null }, { status: null })), []);
  });

  test('int-or-string accepts integers and strings only', () => {
    assert.deepEqual(details(widget({ port: 8080 })), []);
    assert.deepEqual(details(widget({ port: '25%' })), []);
    assert.deepEqual(details(widget({ port: true })), [
      'json: cannot unmarshal bool into Go struct field WidgetSpec.spec.port of type int32',
    ]);
    assert.deepEqual(details(widget({ port: 1.5 })), [
      'json: cannot unmarshal number 1.5 into Go struct field WidgetSpec.spec.port of type int32',
    ]);
  });

  test('quantities accept numbers and valid strings, with resource.ParseQuantity errors', () => {
    assert.deepEqual(details(widget({ size: 2, limits: { cpu: '100m', mem: '1.5Gi', e: '1e3' } })), []);
    const regex = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    assert.deepEqual(details(widget({ size: 'big' })), [regex]);
    assert.deepEqual(details(widget({ size: true })), [regex]);
    assert.equal(quantityProblem('1iM'), "unable to parse quantity's suffix");
    assert.equal(quantityProblem('1.2.3'), 'unable to parse numeric part of quantity');
    assert.equal(quantityProblem(''), regex);
    assert.equal(quantityProblem('-0.5Ki'), undefined);
  });

  test('with canonicalQuantities, valid quantities are rewritten as Go prints them; others are left for the error', () => {
    const obj = widget({ size: 0.5, limits: { cpu: '1000m', mem: ' 0.5Gi', big: '1024Ki', e: '1e3', bad: 'lots' } });
    const result = checkFields(obj, WIDGET, { canonicalQuantities: true });
    assert.equal(result.errors.length, 1);
    assert.deepEqual(obj.spec, { size: '500m', limits: { cpu: '1', mem: '512Mi', big: '1Mi', e: '1e3', bad: 'lots' } });
    // Without the option nothing changes.
    const untouched = widget({ size: 0.5 });
    checkFields(untouched, WIDGET);
    assert.equal(untouched.spec.size, 0.5);
  });

  test('times must be RFC 3339 strings; MicroTime needs microseconds', () => {
    assert.deepEqual(details(widget({}, { metadata: { creationTimestamp: '2026-01-02T03:04:05Z' } })), []);
    assert.deepEqual(details(widget({}, { metadata: { creationTimestamp: 5 } })), [
      'json: cannot unmarshal number into Go struct field Meta.metadata.creationTimestamp of type string',
    ]);
    assert.deepEqual(details(widget({}, { metadata: { creationTimestamp: 'yesterday' } })), [
      'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    ]);
    assert.equal(timeProblem('2026-01-02T03:04:05+01:00', false), undefined);
    assert.equal(timeProblem('2026-01-02T03:04:05.5Z', false), undefined);
    assert.equal(
      timeProblem('2026-01-02 03:04:05Z', false),
      'parsing time "2026-01-02 03:04:05Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 03:04:05Z" as "T"',
    );
    assert.equal(timeProblem('2026-13-02T03:04:05Z', false), 'parsing time "2026-13-02T03:04:05Z": month out of range');
    assert.equal(
      timeProblem('2026-01-02T03:04:05Z', true),
      'parsing time "2026-01-02T03:04:05Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
    );
    assert.equal(timeProblem('2026-01-02T03:04:05Zjunk', false), 'parsing time "2026-01-02T03:04:05Zjunk": extra text: "junk"');
  });

  test('durations, bytes', () => {
    assert.deepEqual(details(widget({ timeout: '1h2m3.5s' })), []);
    assert.deepEqual(details(widget({ timeout: '5 minutes' })), ['time: invalid duration "5 minutes"']);
    assert.deepEqual(details(widget({ timeout: 30 })), [
      'json: cannot unmarshal number into Go struct field WidgetSpec.spec.timeout of type string',
    ]);
    assert.deepEqual(details(widget({}, { status: { secrets: { a: 'aGk=', b: '' } } })), []);
    assert.deepEqual(details(widget({ blob: 'not base64!' })), ['illegal base64 data at input byte 3']);
    assert.deepEqual(details(widget({ blob: [1, 2] })), [
      'json: cannot unmarshal array into Go struct field WidgetSpec.spec.blob of type []uint8',
    ]);
  });

  test('a body that is not an object at all', () => {
    assert.deepEqual(details([1]), ['json: cannot unmarshal array into Go value of type v1.Widget']);
  });
});

describe('findDuplicateFields', () => {
  test('finds repeated keys at any depth, with paths, each once', () => {
    const text =
      '{"metadata":{"name":"a","labels":{"x":"1","x":"2"},"name":"b"},"spec":{"parts":[{"name":"p"},{"name":"q","name":"r"}]},"kind":"W","kind":"W","kind":"W"}';
    assert.deepEqual(findDuplicateFields(text), ['metadata.labels.x', 'metadata.name', 'spec.parts[1].name', 'kind']);
  });

  test('is not fooled by strings, escapes, whitespace and empty containers', () => {
    const text = ' { "a" : "x\\"y,\\"a\\":1}" , "b" : [ ] , "c" : { } , "d" : [ { } , [ 1 , true , null ] ] , "e\\u0041" : 1 , "eA" : 2 } ';
    assert.deepEqual(findDuplicateFields(text), ['eA']);
    assert.deepEqual(findDuplicateFields('{"a":{"a":{"a":1}}}'), []);
  });
});
