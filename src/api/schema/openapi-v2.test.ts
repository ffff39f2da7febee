import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import { parse as parseYaml } from 'yaml';
import { openapiV2Document, openapiV2DocumentHash } from './openapi-v2.ts';
import { encodeOpenAPIV2Document } from './openapi-v2-protobuf.ts';
import { clusterWidgetResource, registerWidgetDefinitions, T, WIDGET, widgetResource } from './testdata/widget-definitions.ts';

registerWidgetDefinitions();

type Json = any;

const doc = (): Json => openapiV2Document([widgetResource, clusterWidgetResource]);
const ITEM = '/apis/hale.test.io/v1/namespaces/{namespace}/widgets/{name}';

describe('openapiV2Document', () => {
  test('is a Swagger 2.0 document whose refs point at #/definitions', () => {
    const d = doc();
    assert.equal(d.swagger, '2.0');
    const spec = d.definitions[`${T}.WidgetSpec`];
    // v2 keeps the description beside the $ref (no allOf wrapper).
    assert.deepEqual(spec.properties.probe, { $ref: `#/definitions/${T}.Probe`, description: 'Health check.' });
    assert.deepEqual(spec.properties.limits.additionalProperties, { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' });
    assert.deepEqual(d.definitions[WIDGET]['x-kubernetes-group-version-kind'], [{ group: 'hale.test.io', kind: 'Widget', version: 'v1' }]);
  });

  test('publishes Quantity and IntOrString as strings, like kube-apiserver does in v2', () => {
    const defs = doc().definitions;
    assert.equal(defs['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
    assert.equal(defs['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, undefined);
    assert.equal(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
    assert.equal(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
  });

  test('operations use body parameters, consumes/produces and plain-typed query parameters', () => {
    const item = doc().paths[ITEM];
    assert.deepEqual(item.patch.consumes, [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    assert.deepEqual(item.patch.parameters[0], {
      in: 'body',
      name: 'body',
      required: true,
      schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' },
    });
    const fieldValidation = item.patch.parameters.find((p: Json) => p.name === 'fieldValidation');
    assert.equal(fieldValidation.in, 'query');
    assert.equal(fieldValidation.type, 'string');
    assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'hale.test.io', kind: 'Widget', version: 'v1' });
    assert.deepEqual(item.get.responses['200'], { description: 'OK', schema: { $ref: `#/definitions/${WIDGET}` } });
    assert.deepEqual(item.put.consumes, ['*/*']);
  });

  test('hash follows the content', () => {
    assert.equal(openapiV2DocumentHash([widgetResource]), openapiV2DocumentHash([{ ...widgetResource }]));
    assert.notEqual(openapiV2DocumentHash([widgetResource]), openapiV2DocumentHash([widgetResource, clusterWidgetResource]));
  });
});

// A tiny independent protobuf reader, so the test checks the field numbers themselves.
type WireField = { field: number; wire: number; bytes?: Uint8Array; varint?: number };
function readFields(buf: Uint8Array): WireField[] {
  const r = protobuf.Reader.create(buf);
  const out: WireField[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 2) out.push({ field, wire, bytes: r.bytes() });
    else if (wire === 0) out.push({ field, wire, varint: r.uint32() });
    else {
      r.skipType(wire);
      out.push({ field, wire });
    }
  }
  return out;
}
const all = (buf: Uint8Array, field: number) =>
  readFields(buf)
    .filter((f) => f.field === field && f.bytes)
    .map((f) => f.bytes!);
const one = (buf: Uint8Array, ...path: number[]): Uint8Array => {
  let current = buf;
  for (const field of path) {
    const found = all(current, field);
    assert.ok(found.length > 0, `field ${field} missing on path ${path.join('.')}`);
    current = found[0];
  }
  return current;
};
const text = (buf: Uint8Array) => new TextDecoder().decode(buf);
const str = (buf: Uint8Array, field: number) => text(one(buf, field));
/** NamedX {name=1, value=2} entries of a repeated field, by name. */
const named = (buf: Uint8Array, field: number) => new Map(all(buf, field).map((entry) => [str(entry, 1), one(entry, 2)]));
/** Vendor extensions: NamedAny {name=1, value=Any{yaml=2}}, parsed back from YAML. */
const extensions = (buf: Uint8Array, field: number) => new Map([...named(buf, field)].map(([name, any]) => [name, parseYaml(str(any, 2))]));

describe('encodeOpenAPIV2Document (gnostic protobuf)', () => {
  const bytes = encodeOpenAPIV2Document(doc());

  test('Document: swagger=1, info=2, paths=8 with NamedPathItem{name=1,value=2}', () => {
    assert.equal(str(bytes, 1), '2.0');
    assert.equal(str(one(bytes, 2), 1), 'Kubernetes');
    const paths = named(one(bytes, 8), 2);
    assert.deepEqual([...paths.keys()], Object.keys(doc().paths));
  });

  test('PATCH operation carries the GVK extension and the fieldValidation query parameter', () => {
    const item = named(one(bytes, 8), 2).get(ITEM)!;
    const patch = one(item, 8);
    assert.equal(str(patch, 5), 'patchHaleTestIoV1NamespacedWidget');
    assert.deepEqual(extensions(patch, 13).get('x-kubernetes-group-version-kind'), {
      group: 'hale.test.io',
      kind: 'Widget',
      version: 'v1',
    });
    assert.equal(extensions(patch, 13).get('x-kubernetes-action'), 'patch');
    assert.ok(all(patch, 7).map(text).includes('application/strategic-merge-patch+json'));
    // ParametersItem.parameter=1 → Parameter.non_body_parameter=2 → query_parameter_sub_schema=3 {in=2,name=4,type=6}
    const queries = all(patch, 8)
      .map((item) => one(item, 1))
      .filter((p) => all(p, 2).length)
      .map((p) => one(p, 2, 3));
    const fieldValidation = queries.find((q) => str(q, 4) === 'fieldValidation');
    assert.ok(fieldValidation);
    assert.equal(str(fieldValidation, 2), 'query');
    assert.equal(str(fieldValidation, 6), 'string');
    // The body parameter: Parameter.body_parameter=1 {name=2, in=3, required=4, schema=5}
    const body = all(patch, 8)
      .map((item) => one(item, 1))
      .find((p) => all(p, 1).length)!;
    assert.equal(str(one(body, 1), 3), 'body');
    assert.equal(str(one(body, 1, 5), 1), '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
    // Responses.response_code=1 → NamedResponseValue{name=1, value=2 → response=1 → schema=2 → schema=1}
    const responses = named(one(patch, 9), 1);
    assert.equal(str(one(responses.get('200')!, 1, 2, 1), 1), `#/definitions/${WIDGET}`);
    assert.equal(str(one(responses.get('401')!, 1), 1), 'Unauthorized');
    // Path-level parameters are PathItem.parameters=9; path parameters use sub-schema 4.
    const pathParams = all(item, 9).map((p) => one(p, 1, 2));
    const nameParam = pathParams.map((p) => all(p, 4)).find((found) => found.length && str(found[0], 4) === 'name')![0];
    assert.equal(str(nameParam, 2), 'path');
    assert.equal(readFields(nameParam).find((f) => f.field === 1)?.varint, 1);
  });

  test('definitions=9 hold schemas with refs, types, items, properties, required and extensions', () => {
    const definitions = named(one(bytes, 9), 1);
    assert.deepEqual([...definitions.keys()], Object.keys(doc().definitions));
    const widget = definitions.get(WIDGET)!;
    assert.deepEqual(extensions(widget, 31).get('x-kubernetes-group-version-kind'), [
      { group: 'hale.test.io', kind: 'Widget', version: 'v1' },
    ]);
    assert.equal(text(one(widget, 22, 1)), 'object');
    const widgetProps = named(one(widget, 25), 1);
    assert.equal(str(widgetProps.get('spec')!, 1), `#/definitions/${T}.WidgetSpec`);
    assert.equal(str(widgetProps.get('spec')!, 4), 'Desired state.');

    const spec = definitions.get(`${T}.WidgetSpec`)!;
    assert.deepEqual(all(spec, 19).map(text), ['size']);
    const props = named(one(spec, 25), 1);
    const parts = props.get('parts')!;
    assert.equal(text(one(parts, 22, 1)), 'array');
    assert.equal(str(one(parts, 23, 1), 1), `#/definitions/${T}.Part`);
    assert.equal(extensions(parts, 31).get('x-kubernetes-patch-merge-key'), 'name');
    assert.equal(extensions(parts, 31).get('x-kubernetes-patch-strategy'), 'merge');
    assert.deepEqual(extensions(parts, 31).get('x-kubernetes-list-map-keys'), ['name']);
    // additionalProperties=21 → AdditionalPropertiesItem.schema=1
    assert.equal(str(one(props.get('limits')!, 21, 1), 1), '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity');
    assert.equal(str(props.get('replicas')!, 2), 'int32');
    // enum=20 values are Any{yaml}
    assert.deepEqual(
      all(props.get('mode')!, 20).map((any) => parseYaml(str(any, 2))),
      ['Fast', 'Slow'],
    );
  });
});
