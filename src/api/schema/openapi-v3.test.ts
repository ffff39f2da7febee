import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { groupVersionPath, openapiV3Document, openapiV3DocumentHash, openapiV3Root } from './openapi-v3.ts';
import { registerDefinitions } from './registry.ts';
import { clusterWidgetResource, registerWidgetDefinitions, T, WIDGET, widgetResource } from './testdata/widget-definitions.ts';

registerWidgetDefinitions();

type Json = any;

const doc = (): Json => openapiV3Document('hale.test.io/v1', [widgetResource, clusterWidgetResource]);

/** What kubectl ≥1.29 looks for before sending fieldValidation=Strict (QueryParamVerifierV3). */
function supportsFieldValidation(document: Json, gvk: { group: string; version: string; kind: string }): boolean {
  for (const item of Object.values(document.paths) as Json[]) {
    const op = item.patch;
    const ext = op?.['x-kubernetes-group-version-kind'];
    if (!ext || ext.group !== gvk.group || ext.version !== gvk.version || ext.kind !== gvk.kind) continue;
    if ((op.parameters ?? []).some((p: Json) => p.name === 'fieldValidation' && p.in === 'query')) return true;
  }
  return false;
}

describe('openapiV3Document components', () => {
  test('contains every definition reachable from the kinds, with wrapper types', () => {
    const names = Object.keys(doc().components.schemas);
    for (const name of [WIDGET, `${T}.WidgetList`, `${T}.WidgetSpec`, `${T}.Part`, `${T}.Probe`, `${T}.Meta`, `${T}.WidgetStatus`]) {
      assert.ok(names.includes(name), name);
    }
    assert.ok(names.includes('io.k8s.apimachinery.pkg.api.resource.Quantity'));
    assert.ok(names.includes('io.k8s.apimachinery.pkg.util.intstr.IntOrString'));
    assert.ok(names.includes('io.k8s.apimachinery.pkg.apis.meta.v1.Time'));
    assert.ok(names.includes('io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime'));
    assert.ok(names.includes('io.k8s.apimachinery.pkg.apis.meta.v1.Patch'));
    // Inlined structs are flattened into their parent, not published.
    assert.ok(!names.includes(`${T}.Handler`));
    assert.ok(!names.includes(`${T}.NeverRegistered`));
    assert.deepEqual(names, [...names].sort());
  });

  test('kinds carry their group/version/kind; fields carry descriptions, required and types', () => {
    const schemas = doc().components.schemas;
    assert.deepEqual(schemas[WIDGET]['x-kubernetes-group-version-kind'], [{ group: 'hale.test.io', kind: 'Widget', version: 'v1' }]);
    assert.equal(schemas[WIDGET].type, 'object');
    const spec = schemas[`${T}.WidgetSpec`];
    assert.deepEqual(spec.required, ['size']);
    assert.deepEqual(spec.properties.replicas, { description: 'How many.', format: 'int32', type: 'integer' });
    assert.deepEqual(spec.properties.mode.enum, ['Fast', 'Slow']);
    assert.deepEqual(spec.properties.ratio, { description: 'A fraction.', format: 'double', type: 'number' });
    assert.deepEqual(spec.properties.blob, { description: 'Raw bytes.', format: 'byte', type: 'string' });
    assert.deepEqual(spec.properties.timeout, { description: 'How long to wait.', type: 'string' });
    assert.deepEqual(spec.properties.payload, {
      description: 'Free-form JSON.',
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    assert.deepEqual(Object.keys(spec.properties), [...Object.keys(spec.properties)].sort());
  });

  test('refs point into components and are wrapped in allOf when they carry a description', () => {
    const spec = doc().components.schemas[`${T}.WidgetSpec`];
    assert.deepEqual(spec.properties.probe, { allOf: [{ $ref: `#/components/schemas/${T}.Probe` }], description: 'Health check.' });
    assert.deepEqual(spec.properties.size, {
      allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' }],
      description: 'How big.',
    });
    assert.deepEqual(spec.properties.limits.additionalProperties, {
      $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity',
    });
    assert.deepEqual(spec.properties.parts.items, { $ref: `#/components/schemas/${T}.Part` });
    // An unregistered ref degrades to free-form JSON instead of a dangling $ref.
    assert.equal(spec.properties.missing.$ref, undefined);
    assert.equal(spec.properties.missing['x-kubernetes-preserve-unknown-fields'], true);
  });

  test('inline structs contribute their fields to the parent schema', () => {
    const probe = doc().components.schemas[`${T}.Probe`];
    assert.deepEqual(Object.keys(probe.properties), ['command', 'path', 'periodSeconds']);
  });

  test('patch metadata and list types are published as Kubernetes extensions', () => {
    const schemas = doc().components.schemas;
    const parts = schemas[`${T}.WidgetSpec`].properties.parts;
    assert.equal(parts['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(parts['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(parts['x-kubernetes-list-type'], 'map');
    assert.deepEqual(parts['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(schemas[`${T}.Meta`].properties.finalizers['x-kubernetes-list-type'], 'set');
  });

  test('wrapper types are published the way kube-apiserver publishes them in v3', () => {
    const schemas = doc().components.schemas;
    const intOrString = schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
    assert.equal(intOrString.format, 'int-or-string');
    assert.deepEqual(intOrString.oneOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.equal(intOrString.type, undefined);
    assert.deepEqual(schemas['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [{ type: 'string' }, { type: 'number' }]);
    assert.equal(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format, 'date-time');
    assert.equal(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].type, 'string');
  });
});

describe('openapiV3Document paths', () => {
  test('namespaced resources get collection, item, all-namespaces and subresource paths', () => {
    const paths = Object.keys(doc().paths);
    assert.deepEqual(
      paths.filter((p) => p.includes('/widgets')),
      [
        '/apis/hale.test.io/v1/namespaces/{namespace}/widgets',
        '/apis/hale.test.io/v1/namespaces/{namespace}/widgets/{name}',
        '/apis/hale.test.io/v1/namespaces/{namespace}/widgets/{name}/scale',
        '/apis/hale.test.io/v1/namespaces/{namespace}/widgets/{name}/status',
        '/apis/hale.test.io/v1/widgets',
      ],
    );
    const item = doc().paths['/apis/hale.test.io/v1/namespaces/{namespace}/widgets/{name}'];
    assert.deepEqual(Object.keys(item).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
    assert.equal(item.patch.operationId, 'patchHaleTestIoV1NamespacedWidget');
    assert.equal(item.get.operationId, 'readHaleTestIoV1NamespacedWidget');
    assert.deepEqual(
      item.parameters.map((p: Json) => [p.name, p.in, p.required ?? false]),
      [
        ['name', 'path', true],
        ['namespace', 'path', true],
        ['pretty', 'query', false],
      ],
    );
    const collection = doc().paths['/apis/hale.test.io/v1/namespaces/{namespace}/widgets'];
    assert.equal(collection.delete.operationId, 'deleteHaleTestIoV1CollectionNamespacedWidget');
    assert.equal(collection.delete['x-kubernetes-action'], 'deletecollection');
    assert.equal(doc().paths['/apis/hale.test.io/v1/widgets'].get.operationId, 'listHaleTestIoV1WidgetForAllNamespaces');
  });

  test('the PATCH operation lets kubectl leave validation to the server', () => {
    const document = doc();
    assert.ok(supportsFieldValidation(document, { group: 'hale.test.io', version: 'v1', kind: 'Widget' }));
    assert.ok(supportsFieldValidation(document, { group: 'hale.test.io', version: 'v1', kind: 'ClusterWidget' }));
    assert.ok(!supportsFieldValidation(document, { group: 'hale.test.io', version: 'v1', kind: 'Gadget' }));
    const patch = document.paths['/apis/hale.test.io/v1/namespaces/{namespace}/widgets/{name}'].patch;
    assert.deepEqual(Object.keys(patch.requestBody.content).sort(), [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    assert.deepEqual(patch.responses['200'].content['application/json'].schema, { $ref: `#/components/schemas/${WIDGET}` });
    assert.deepEqual(
      patch.parameters.find((p: Json) => p.name === 'fieldValidation'),
      {
        description: patch.parameters.find((p: Json) => p.name === 'fieldValidation').description,
        in: 'query',
        name: 'fieldValidation',
        schema: { type: 'string', uniqueItems: true },
      },
    );
  });

  test('list responses use the List definition; scale uses autoscaling/v1 Scale', () => {
    const document = doc();
    const list = document.paths['/apis/hale.test.io/v1/namespaces/{namespace}/widgets'].get;
    assert.deepEqual(list.responses['200'].content['application/json'].schema, { $ref: `#/components/schemas/${T}.WidgetList` });
    assert.ok(list.parameters.some((p: Json) => p.name === 'watch' && p.schema.type === 'boolean'));
    const scale = document.paths['/apis/hale.test.io/v1/namespaces/{namespace}/widgets/{name}/scale'].patch;
    assert.deepEqual(scale['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  });

  test('cluster-scoped resources have no namespace and only their verbs', () => {
    const paths = doc().paths;
    const item = paths['/apis/hale.test.io/v1/clusterwidgets/{name}'];
    assert.deepEqual(Object.keys(item).sort(), ['get', 'parameters', 'patch']);
    assert.equal(item.get.operationId, 'readHaleTestIoV1ClusterWidget');
    assert.ok(!item.parameters.some((p: Json) => p.name === 'namespace'));
    assert.deepEqual(Object.keys(paths['/apis/hale.test.io/v1/clusterwidgets']).sort(), ['get', 'parameters']);
    // Its schema is not registered: operations still exist, without a response schema.
    assert.equal(item.get.responses['200'].content, undefined);
  });

  test('core group operation ids use "Core" and paths start with /api', () => {
    registerDefinitions({
      [`${T}.Thing`]: { fields: { apiVersion: { type: 'string' } }, gvk: [{ group: '', version: 'v1', kind: 'Thing' }] },
    });
    const thing = { group: '', version: 'v1', kind: 'Thing', plural: 'things', singular: 'thing', namespaced: true, schema: `${T}.Thing` };
    const document: Json = openapiV3Document('v1', [thing]);
    assert.equal(document.paths['/api/v1/namespaces/{namespace}/things/{name}'].patch.operationId, 'patchCoreV1NamespacedThing');
    assert.equal(document.paths['/api/v1/namespaces/{namespace}/things/{name}'].patch.tags[0], 'core_v1');
  });
});

describe('openapiV3Root and hashes', () => {
  test('lists each group/version with a URL carrying the document hash', () => {
    const root: Json = openapiV3Root(['hale.test.io/v1', 'v1'], (gv) => (gv === 'v1' ? [] : [widgetResource]));
    assert.deepEqual(Object.keys(root.paths), ['api/v1', 'apis/hale.test.io/v1']);
    const url = root.paths['apis/hale.test.io/v1'].serverRelativeURL;
    assert.equal(url, `/openapi/v3/apis/hale.test.io/v1?hash=${openapiV3DocumentHash('hale.test.io/v1', [widgetResource])}`);
    assert.match(url, /\?hash=[0-9A-F]{128}$/);
  });

  test('the hash is a content hash: same content, same hash; other content, other hash', () => {
    const a = openapiV3DocumentHash('hale.test.io/v1', [widgetResource]);
    assert.equal(openapiV3DocumentHash('hale.test.io/v1', [{ ...widgetResource }]), a);
    assert.notEqual(openapiV3DocumentHash('hale.test.io/v1', [widgetResource, clusterWidgetResource]), a);
    assert.notEqual(openapiV3DocumentHash('hale.test.io/v1', [{ ...widgetResource, verbs: ['get'] }]), a);
  });

  test('without resources the hash still depends on the group/version and the definitions', () => {
    const first: Json = openapiV3Root(['apps/v1', 'v1']);
    assert.equal(JSON.stringify(openapiV3Root(['v1', 'apps/v1'])), JSON.stringify(first));
    assert.notEqual(
      first.paths['api/v1'].serverRelativeURL.split('hash=')[1],
      first.paths['apis/apps/v1'].serverRelativeURL.split('hash=')[1],
    );
    registerDefinitions({ [`${T}.Extra`]: { fields: {} } });
    const second: Json = openapiV3Root(['apps/v1', 'v1']);
    assert.notEqual(second.paths['api/v1'].serverRelativeURL, first.paths['api/v1'].serverRelativeURL);
  });

  test('groupVersionPath', () => {
    assert.equal(groupVersionPath('v1'), 'api/v1');
    assert.equal(groupVersionPath('apps/v1'), 'apis/apps/v1');
  });
});
