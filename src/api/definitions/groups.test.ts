// Consistency of the non-core API group schemas: every reference resolves, protobuf field
// numbers are unique per message, and every served kind has its definition and list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appsResources } from '../kinds/apps/index.ts';
import { authorizationResources } from '../kinds/authorization/index.ts';
import { autoscalingResources } from '../kinds/autoscaling/index.ts';
import { batchResources } from '../kinds/batch/index.ts';
import { coordinationResources } from '../kinds/coordination/index.ts';
import { discoveryResources } from '../kinds/discovery/index.ts';
import { eventsResources } from '../kinds/events/index.ts';
import { policyResources } from '../kinds/policy/index.ts';
import { storageResources } from '../kinds/storage/index.ts';
import { listKindOf } from '../resource-type.ts';
import { allDefinitions, getDefinition, hasDefinition } from '../schema/registry.ts';
import type { Schema } from '../schema/types.ts';
import './index.ts';

const prefixes = [
  'io.k8s.api.apps.v1.',
  'io.k8s.api.batch.v1.',
  'io.k8s.api.autoscaling.',
  'io.k8s.api.policy.v1.',
  'io.k8s.api.coordination.v1.',
  'io.k8s.api.discovery.v1.',
  'io.k8s.api.storage.v1.',
  'io.k8s.api.events.v1.',
  'io.k8s.api.authorization.v1.',
  'io.k8s.api.core.v1.TopologySelector',
];

const ours = Object.entries(allDefinitions()).filter(([name]) => prefixes.some((p) => name.startsWith(p)));

const resources = [
  ...appsResources,
  ...authorizationResources,
  ...autoscalingResources,
  ...batchResources,
  ...coordinationResources,
  ...discoveryResources,
  ...eventsResources,
  ...policyResources,
  ...storageResources,
];

function refsOf(schema: Schema): string[] {
  if ('ref' in schema) return [schema.ref];
  if ('type' in schema && schema.type === 'array') return refsOf(schema.items);
  if ('type' in schema && schema.type === 'map') return refsOf(schema.values);
  return [];
}

test('the groups define the expected messages', () => {
  assert.ok(ours.length > 80, `only ${ours.length} definitions`);
  for (const name of [
    'io.k8s.api.apps.v1.DeploymentSpec',
    'io.k8s.api.autoscaling.v2.HPAScalingRules',
    'io.k8s.api.batch.v1.PodFailurePolicyRule',
  ]) {
    assert.ok(hasDefinition(name), name);
  }
});

test('every reference resolves to a registered definition', () => {
  for (const [name, def] of ours) {
    for (const [field, schema] of Object.entries(def.fields)) {
      for (const target of refsOf(schema)) assert.ok(hasDefinition(target), `${name}.${field} refers to missing ${target}`);
    }
  }
});

test('protobuf field numbers are unique within each message', () => {
  for (const [name, def] of ours) {
    const seen = new Map<number, string>();
    for (const [field, schema] of Object.entries(def.fields)) {
      if (schema.proto === undefined) continue;
      assert.ok(!seen.has(schema.proto), `${name}: ${field} and ${seen.get(schema.proto)} share number ${schema.proto}`);
      seen.set(schema.proto, field);
    }
  }
});

test('known field numbers match generated.proto', () => {
  const proto = (def: string, field: string) => getDefinition(def).fields[field].proto;
  assert.equal(proto('io.k8s.api.apps.v1.DeploymentSpec', 'progressDeadlineSeconds'), 9);
  assert.equal(proto('io.k8s.api.apps.v1.DeploymentStatus', 'readyReplicas'), 7);
  assert.equal(proto('io.k8s.api.apps.v1.DaemonSetSpec', 'revisionHistoryLimit'), 6);
  assert.equal(proto('io.k8s.api.batch.v1.JobSpec', 'podFailurePolicy'), 11);
  assert.equal(proto('io.k8s.api.batch.v1.CronJobSpec', 'timeZone'), 8);
  assert.equal(proto('io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec', 'targetCPUUtilizationPercentage'), 4);
  assert.equal(proto('io.k8s.api.autoscaling.v2.MetricSpec', 'containerResource'), 7);
  assert.equal(proto('io.k8s.api.discovery.v1.EndpointSlice', 'addressType'), 4);
  assert.equal(proto('io.k8s.api.events.v1.Event', 'deprecatedCount'), 15);
  assert.equal(proto('io.k8s.api.authorization.v1.SubjectAccessReviewStatus', 'denied'), 4);
});

test('merge keys are declared where Kubernetes declares them', () => {
  const field = (def: string, name: string) => getDefinition(def).fields[name];
  assert.equal(field('io.k8s.api.apps.v1.DeploymentSpec', 'strategy').patchStrategy, 'retainKeys');
  assert.equal(field('io.k8s.api.apps.v1.DeploymentStatus', 'conditions').patchMergeKey, 'type');
  assert.equal(field('io.k8s.api.policy.v1.PodDisruptionBudgetSpec', 'selector').patchStrategy, 'replace');
});

test('every served kind has its schema, group-version-kind and list', () => {
  for (const rt of resources) {
    const def = getDefinition(rt.schema);
    assert.deepEqual(def.gvk, [{ group: rt.group, version: rt.version, kind: rt.kind }], rt.schema);
    if (rt.verbs && !rt.verbs.includes('list')) continue;
    const listName = rt.schema.replace(/\.[A-Za-z]+$/, `.${listKindOf(rt)}`);
    assert.ok(hasDefinition(listName), `${listName} is missing`);
    assert.equal(getDefinition(listName).fields.items.proto, 2);
  }
});
