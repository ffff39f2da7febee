// Smoke tests of the generators over the real API definitions (src/api/definitions/), plus
// decoding of protobuf bodies captured from the real kubectl 1.32/1.33 (testdata/*.pb).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ResourceType } from '../resource-type.ts';
import { openapiV2Document } from './openapi-v2.ts';
import { encodeOpenAPIV2Document } from './openapi-v2-protobuf.ts';
import { isScalarWrapper, openapiV3Document } from './openapi-v3.ts';
import { decodeProtobufObject } from './protobuf-decode.ts';
import { allDefinitions, hasDefinition } from './registry.ts';
import { checkFields, findDuplicateFields } from './strict-decode.ts';
import type { Schema } from './types.ts';

type Json = any;

const here = dirname(fileURLToPath(import.meta.url));
const definitionsDir = join(here, '..', 'definitions');
const fixture = (name: string) => readFileSync(join(here, 'testdata', name));

before(async () => {
  for (const file of readdirSync(definitionsDir).sort()) {
    if (file.endsWith('.ts') && !file.endsWith('.test.ts')) await import(join(definitionsDir, file));
  }
});

/** One resource per kind that has a gvk (Lists excluded), grouped by group/version. */
function resourcesByGroupVersion(): Map<string, ResourceType[]> {
  const out = new Map<string, ResourceType[]>();
  for (const [schema, def] of Object.entries(allDefinitions())) {
    for (const { group, version, kind } of def.gvk ?? []) {
      if (kind.endsWith('List')) continue;
      const gv = group ? `${group}/${version}` : version;
      const plural = `${kind.toLowerCase()}s`;
      const rt: ResourceType = {
        group,
        version,
        kind,
        plural,
        singular: kind.toLowerCase(),
        namespaced: true,
        schema,
        subresources: { status: true },
      };
      out.set(gv, [...(out.get(gv) ?? []), rt]);
    }
  }
  return out;
}

function collectRefs(node: Json, into: string[]): void {
  if (Array.isArray(node)) for (const n of node) collectRefs(n, into);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref') into.push(value as string);
      else collectRefs(value, into);
    }
  }
}

describe('generators over the real definitions', () => {
  test('every ref in the definitions names a registered definition or a wrapper type', () => {
    const dangling: string[] = [];
    const check = (owner: string, field: string, schema: Schema) => {
      if ('ref' in schema) {
        if (!hasDefinition(schema.ref) && !isScalarWrapper(schema.ref)) dangling.push(`${owner}.${field} → ${schema.ref}`);
      } else if (schema.type === 'array') check(owner, field, schema.items);
      else if (schema.type === 'map') check(owner, field, schema.values);
    };
    for (const [name, def] of Object.entries(allDefinitions())) {
      for (const [field, schema] of Object.entries(def.fields)) check(name, field, schema);
      for (const embedded of def.inline ?? []) if (!hasDefinition(embedded.ref)) dangling.push(`${name} inline → ${embedded.ref}`);
    }
    assert.deepEqual(dangling, []);
  });

  test('OpenAPI v3 documents for every group/version resolve all refs and declare fieldValidation', () => {
    const byGv = resourcesByGroupVersion();
    assert.ok(byGv.has('v1') && byGv.has('apps/v1'), 'core and apps definitions are loaded');
    for (const [gv, resources] of byGv) {
      const doc: Json = openapiV3Document(gv, resources);
      const refs: string[] = [];
      collectRefs(doc, refs);
      for (const ref of refs) assert.ok(doc.components.schemas[ref.replace('#/components/schemas/', '')], `${gv}: ${ref}`);
      for (const rt of resources) {
        assert.ok(doc.components.schemas[rt.schema], `${gv}: ${rt.schema}`);
        const item = Object.entries(doc.paths as Record<string, Json>).find(([path]) => path.endsWith(`/${rt.plural}/{name}`))?.[1];
        const patch = item?.patch;
        assert.deepEqual(patch?.['x-kubernetes-group-version-kind'], { group: rt.group, kind: rt.kind, version: rt.version });
        assert.ok(
          patch?.parameters.some((p: Json) => p.name === 'fieldValidation'),
          `${gv} ${rt.kind}`,
        );
      }
    }
  });

  test('the OpenAPI v2 document resolves all refs and encodes as protobuf', () => {
    const resources = [...resourcesByGroupVersion().values()].flat();
    const doc: Json = openapiV2Document(resources);
    const refs: string[] = [];
    collectRefs(doc, refs);
    for (const ref of refs) assert.ok(doc.definitions[ref.replace('#/definitions/', '')], ref);
    assert.ok(doc.definitions['io.k8s.api.apps.v1.Deployment']);
    const bytes = encodeOpenAPIV2Document(doc);
    assert.ok(bytes.length > 10_000);
  });
});

describe('strict decoding of a real Deployment', () => {
  const deployment = () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, annotations: { note: 'x' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx',
              ports: [{ containerPort: 80 }],
              env: [{ name: 'A', value: '1' }],
              resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.1 } },
              readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 5 },
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  });

  test('a valid manifest passes', () => {
    assert.deepEqual(checkFields(deployment(), 'io.k8s.api.apps.v1.Deployment'), { unknown: [], errors: [] });
  });

  test('a typo deep in the pod template is reported with its path', () => {
    const d: Json = deployment();
    d.spec.template.spec.containers[0].imagee = 'x';
    d.spec.foo = 1;
    assert.deepEqual(checkFields(d, 'io.k8s.api.apps.v1.Deployment').unknown, ['spec.template.spec.containers[0].imagee', 'spec.foo']);
  });

  test('a string replica count is a Go type error', () => {
    const d: Json = deployment();
    d.spec.replicas = '3';
    assert.deepEqual(
      checkFields(d, 'io.k8s.api.apps.v1.Deployment').errors.map((e) => e.detail),
      ['json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'],
    );
  });

  test('duplicate keys in the raw text', () => {
    assert.deepEqual(findDuplicateFields('{"metadata":{"name":"a","name":"b"}}'), ['metadata.name']);
  });
});

describe('protobuf bodies captured from the real kubectl', () => {
  test('kubectl 1.32 create configmap', () => {
    assert.deepEqual(decodeProtobufObject(fixture('kubectl-1.32-create-configmap.pb')), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      // generation is a Go value field (omitempty): its zero is not kept.
      metadata: { name: 'cfg', creationTimestamp: null },
      data: { a: '1', b: 'two' },
    });
  });

  test('kubectl 1.32 create secret generic (bytes map, empty value kept)', () => {
    const secret = decodeProtobufObject(fixture('kubectl-1.32-create-secret.pb'));
    assert.deepEqual(secret.data, { empty: '', password: Buffer.from('s3cr3t').toString('base64') });
    assert.equal(secret.kind, 'Secret');
  });

  test('kubectl 1.32 create deployment --replicas=3 --port=8080', () => {
    const d: Json = decodeProtobufObject(fixture('kubectl-1.32-create-deployment.pb'));
    assert.equal(d.apiVersion, 'apps/v1');
    assert.equal(d.kind, 'Deployment');
    assert.deepEqual(d.metadata.labels, { app: 'web' });
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
    assert.deepEqual(d.spec.strategy, {});
    const [container] = d.spec.template.spec.containers;
    assert.equal(container.name, 'nginx');
    assert.equal(container.image, 'nginx');
    assert.equal(container.ports[0].containerPort, 8080);
    assert.deepEqual(container.resources, {});
    // What was decoded passes the strict decoder: every field is one the schema knows.
    assert.deepEqual(checkFields(d, 'io.k8s.api.apps.v1.Deployment'), { unknown: [], errors: [] });
  });

  test('kubectl 1.32 autoscale (autoscaling/v1)', () => {
    const hpa: Json = decodeProtobufObject(fixture('kubectl-1.32-autoscale-hpa-v1.pb'));
    assert.equal(hpa.apiVersion, 'autoscaling/v1');
    assert.deepEqual(hpa.spec, {
      scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      minReplicas: 2,
      maxReplicas: 10,
      targetCPUUtilizationPercentage: 80,
    });
  });

  test('kubectl 1.33 autoscale (autoscaling/v2)', () => {
    const hpa: Json = decodeProtobufObject(fixture('kubectl-1.33-autoscale-hpa-v2.pb'));
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec.metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
    assert.equal(hpa.spec.minReplicas, 2);
  });
});
