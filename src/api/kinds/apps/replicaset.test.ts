import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { replicaSets } from './replicaset.ts';

const rs = (spec: KubeObject = {}): KubeObject => ({
  metadata: { name: 'web-5d4f', creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
    ...spec,
  },
});

test('replicas default to 1 and the pod template is defaulted', () => {
  const obj = rs();
  replicaSets.defaults!(obj);
  assert.equal(obj.spec.replicas, 1);
  assert.equal(obj.spec.template.spec.restartPolicy, 'Always');
  assert.deepEqual(replicaSets.validate!(obj), []);
});

test('an empty selector is rejected with Kubernetes wording', () => {
  const obj = rs({ selector: {} });
  replicaSets.defaults!(obj);
  const errs = replicaSets.validate!(obj);
  assert.deepEqual(
    errs.map((e) => [e.field, e.detail]),
    [['spec.selector', 'empty selector is invalid for deployment']],
  );
  assert.equal(
    formatFieldErrors(errs),
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
  );
});

test('a changed selector is refused with the selector printed as Kubernetes 1.33 prints it', () => {
  const changed = rs({ selector: { matchLabels: { app: 'api' } } });
  assert.equal(
    formatFieldErrors(replicaSets.validateUpdate!(changed, rs())),
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"api"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  );
  assert.deepEqual(replicaSets.validateUpdate!(rs(), rs()), []);
});

test('status.replicas is a selectable field and the table shows desired/current/ready', () => {
  const obj = rs({ replicas: 3 });
  obj.status = { replicas: 2, readyReplicas: 1 };
  assert.deepEqual(replicaSets.selectableFields!(obj), { 'status.replicas': '2' });
  assert.deepEqual(replicaSets.selectableFields!({}), { 'status.replicas': '0' });
  assert.deepEqual(replicaSets.table!.row(obj, new Date('2025-01-01T01:00:00Z')), ['web-5d4f', 3, 2, 1, '60m', 'web', 'nginx', 'app=web']);
});
