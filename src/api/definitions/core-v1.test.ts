import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import './index.ts';
import { allDefinitions, getDefinition, hasDefinition, jsonFields } from '../schema/registry.ts';
import type { Schema } from '../schema/types.ts';

const core = (name: string): string => `io.k8s.api.core.v1.${name}`;

function refsOf(schema: Schema): string[] {
  if ('ref' in schema) return [schema.ref];
  if (schema.type === 'array') return refsOf(schema.items);
  if (schema.type === 'map') return refsOf(schema.values);
  return [];
}

describe('core/v1 definitions', () => {
  it('resolve every reference they make', () => {
    const missing: string[] = [];
    for (const [name, def] of Object.entries(allDefinitions())) {
      if (!name.startsWith('io.k8s.api.core.v1.')) continue;
      for (const [field, schema] of Object.entries(def.fields)) {
        for (const ref of refsOf(schema)) if (!hasDefinition(ref)) missing.push(`${name}.${field} -> ${ref}`);
      }
      for (const embedded of def.inline ?? []) if (!hasDefinition(embedded.ref)) missing.push(`${name} inline -> ${embedded.ref}`);
    }
    assert.deepEqual(missing, []);
  });

  it('declare kinds and lists with group/version/kind', () => {
    for (const kind of [
      'Namespace',
      'Service',
      'Endpoints',
      'ConfigMap',
      'Secret',
      'ServiceAccount',
      'Node',
      'Event',
      'PersistentVolume',
      'PersistentVolumeClaim',
      'ReplicationController',
    ]) {
      assert.deepEqual(getDefinition(core(kind)).gvk, [{ group: '', version: 'v1', kind }], kind);
      assert.deepEqual(getDefinition(core(`${kind}List`)).gvk, [{ group: '', version: 'v1', kind: `${kind}List` }], kind);
      assert.equal(getDefinition(core(`${kind}List`)).fields.items.proto, 2);
    }
    assert.deepEqual(getDefinition(core('Binding')).gvk, [{ group: '', version: 'v1', kind: 'Binding' }]);
  });

  it('carry the generated.proto field numbers', () => {
    const proto = (def: string, field: string): number | undefined => getDefinition(core(def)).fields[field]?.proto;
    assert.equal(proto('Secret', 'immutable'), 5);
    assert.equal(proto('Secret', 'type'), 3);
    assert.equal(proto('ConfigMap', 'immutable'), 4);
    assert.equal(proto('ServiceSpec', 'clusterIPs'), 18);
    assert.equal(proto('ServiceSpec', 'ipFamilyPolicy'), 17);
    assert.equal(proto('ServiceSpec', 'trafficDistribution'), 23);
    assert.equal(proto('ServicePort', 'appProtocol'), 6);
    assert.equal(proto('EndpointAddress', 'targetRef'), 2);
    assert.equal(proto('NodeSpec', 'podCIDRs'), 7);
    assert.equal(proto('NodeSystemInfo', 'swap'), 11);
    assert.equal(proto('Event', 'reportingComponent'), 14);
    assert.equal(proto('PersistentVolumeClaimStatus', 'allocatedResourceStatuses'), 7);
    assert.equal(proto('ReplicationControllerSpec', 'minReadySeconds'), 4);
    assert.equal(proto('ISCSIPersistentVolumeSource', 'chapAuthSession'), 11);
  });

  it('inline the volume source into the PV spec and keep merge keys', () => {
    assert.deepEqual(getDefinition(core('PersistentVolumeSpec')).inline, [{ proto: 2, ref: core('PersistentVolumeSource') }]);
    assert.ok(jsonFields(core('PersistentVolumeSpec')).csi, 'csi is a JSON field of the PV spec');
    const ports = getDefinition(core('ServiceSpec')).fields.ports;
    assert.equal(ports.patchMergeKey, 'port');
    assert.equal(ports.patchStrategy, 'merge');
    assert.equal(getDefinition(core('ServiceAccount')).fields.secrets.patchMergeKey, 'name');
    assert.equal(getDefinition(core('NodeStatus')).fields.conditions.patchMergeKey, 'type');
    assert.equal((getDefinition(core('Secret')).fields.data as { type?: string }).type, 'map');
  });
});
