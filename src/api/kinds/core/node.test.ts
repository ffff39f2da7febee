import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { nodeResource, nodeRoles, nodeStatusCell } from './node.ts';

const node = (extra: Record<string, any> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', creationTimestamp: '2024-01-01T00:00:00Z', ...(extra.metadata ?? {}) },
  spec: extra.spec ?? {},
  status: extra.status ?? {},
});

describe('node', () => {
  it('computes the Status cell from the Ready condition and cordon state', () => {
    assert.equal(nodeStatusCell(node()), 'Unknown');
    assert.equal(nodeStatusCell(node({ status: { conditions: [{ type: 'Ready', status: 'True' }] } })), 'Ready');
    assert.equal(nodeStatusCell(node({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })), 'NotReady');
    const cordoned = node({ spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    assert.equal(nodeStatusCell(cordoned), 'Ready,SchedulingDisabled');
  });

  it('derives roles from role labels', () => {
    assert.equal(nodeRoles(node()), '<none>');
    const labels = { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'edge' };
    assert.equal(nodeRoles(node({ metadata: { labels } })), 'control-plane,edge,worker');
  });

  it('prints every column, wide ones included', () => {
    const n = node({
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [
          { type: 'Hostname', address: 'n1' },
          { type: 'InternalIP', address: '192.168.1.10' },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.33.0-hale',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          kernelVersion: '6.1.0',
          containerRuntimeVersion: '',
        },
      },
    });
    assert.deepEqual(nodeResource.table?.row(n, new Date('2024-01-01T03:00:00Z')), [
      'n1',
      'Ready',
      '<none>',
      '3h',
      'v1.33.0-hale',
      '192.168.1.10',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0',
      '<unknown>',
    ]);
    assert.deepEqual(
      nodeResource.table?.columns.filter((c) => c.priority === 1).map((c) => c.name),
      ['Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'],
    );
  });

  it('validates taints and keeps podCIDR immutable once set', () => {
    const n = node({
      spec: {
        taints: [
          { key: 'dedicated', effect: 'Sometimes' },
          { key: 'a', effect: 'NoSchedule' },
          { key: 'a', effect: 'NoSchedule' },
        ],
      },
    });
    const msgs = (nodeResource.validate?.(n) ?? []).map(formatFieldError);
    assert.equal(
      msgs[0],
      'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"',
    );
    assert.match(msgs[1], /^spec\.taints\[2\]: Duplicate value: /);
    const old = node({ spec: { podCIDR: '10.244.0.0/24' } });
    assert.deepEqual((nodeResource.validateUpdate?.(node({ spec: { podCIDR: '10.244.1.0/24' } }), old) ?? []).map(formatFieldError), [
      'spec.podCIDR: Invalid value: "10.244.1.0/24": field is immutable',
    ]);
    assert.deepEqual(nodeResource.validateUpdate?.(node({ spec: { podCIDR: '10.244.0.0/24' } }), node()), []);
  });

  it('defaults allocatable to capacity and selects on spec.unschedulable', () => {
    const n = node({ status: { capacity: { cpu: '4', memory: '8Gi' } } });
    nodeResource.defaults?.(n);
    assert.deepEqual(n.status.allocatable, { cpu: '4', memory: '8Gi' });
    assert.deepEqual(nodeResource.selectableFields?.(n), { 'spec.unschedulable': 'false' });
  });
});
