import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { replicationControllerResource as rcResource } from './replicationcontroller.ts';

const rc = (spec: Record<string, any>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec,
});
const template = (labels: Record<string, string> = { app: 'web' }) => ({
  metadata: { labels },
  spec: {
    containers: [
      { name: 'app', image: 'nginx:1.27' },
      { name: 'log', image: 'busybox' },
    ],
  },
});
const messages = (o: KubeObject): string[] => (rcResource.validate?.(o) ?? []).map(formatFieldError);

describe('replicationcontroller', () => {
  it('defaults replicas, selector and labels from the template, and the pod template', () => {
    const o = rc({ template: template() });
    rcResource.defaults?.(o);
    assert.equal(o.spec.replicas, 1);
    assert.deepEqual(o.spec.selector, { app: 'web' });
    assert.deepEqual(o.metadata?.labels, { app: 'web' });
    assert.equal(o.spec.template.spec.restartPolicy, 'Always');
    assert.equal(o.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  });

  it('accepts a defaulted controller and reports selector and replica errors', () => {
    const ok = rc({ template: template() });
    rcResource.defaults?.(ok);
    assert.deepEqual(messages(ok), []);

    const bad = rc({ replicas: -1, selector: { app: 'other' }, template: template() });
    rcResource.defaults?.(bad);
    assert.deepEqual(messages(bad), [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
    assert.deepEqual(messages(rc({ replicas: 1 })), ['spec.selector: Required value', 'spec.template: Required value']);
  });

  it('only allows restartPolicy Always', () => {
    const o = rc({ template: { ...template(), spec: { ...template().spec, restartPolicy: 'Never' } } });
    rcResource.defaults?.(o);
    assert.ok(messages(o).includes('spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'));
  });

  it('prints desired/current/ready and the wide columns', () => {
    const o = rc({ replicas: 3, selector: { app: 'web' }, template: template() });
    o.status = { replicas: 2, readyReplicas: 1 };
    assert.deepEqual(rcResource.table?.row(o, new Date('2024-01-01T00:00:10Z')), [
      'web',
      3,
      2,
      1,
      '10s',
      'app,log',
      'nginx:1.27,busybox',
      'app=web',
    ]);
    assert.deepEqual(rcResource.categories, ['all']);
    assert.equal(rcResource.subresources?.scale?.specReplicasPath, 'spec.replicas');
  });
});
