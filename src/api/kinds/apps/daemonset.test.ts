import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { daemonSets } from './daemonset.ts';

const ds = (spec: KubeObject = {}): KubeObject => ({
  metadata: { name: 'agent', creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }] } },
    ...spec,
  },
});

test('defaults follow SetDefaults_DaemonSet', () => {
  const obj = ds();
  daemonSets.defaults!(obj);
  assert.deepEqual(obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.deepEqual(daemonSets.validate!(obj), []);
});

test('surge and unavailability are mutually exclusive and one is required', () => {
  const both = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } });
  daemonSets.defaults!(both);
  assert.equal(
    formatFieldErrors(daemonSets.validate!(both)),
    'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
  );
  const none = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } } });
  daemonSets.defaults!(none);
  assert.equal(
    formatFieldErrors(daemonSets.validate!(none)),
    'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
  );
});

test('the table shows scheduling counts and the node selector', () => {
  const obj = ds();
  obj.spec.template.spec.nodeSelector = { zone: 'b', disk: 'ssd' };
  obj.status = { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 };
  assert.deepEqual(daemonSets.table!.row(obj, new Date('2025-01-03T00:00:00Z')), [
    'agent',
    3,
    3,
    2,
    3,
    2,
    'disk=ssd,zone=b',
    '2d',
    'agent',
    'agent:1',
    'app=agent',
  ]);
  assert.equal(daemonSets.table!.row(ds(), new Date())[6], '<none>');
});

test('selector and strategy values print as Go prints them (Kubernetes 1.33 %#v)', () => {
  const old = ds();
  const changed = ds({ selector: { matchLabels: { app: 'other' } } });
  assert.equal(
    formatFieldErrors(daemonSets.validateUpdate!(changed, old)),
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  );
  const empty = ds({ selector: {} });
  daemonSets.defaults!(empty);
  assert.match(
    formatFieldErrors(daemonSets.validate!(empty)),
    /spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\(nil\), MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: empty selector is invalid for daemonset/,
  );
  const odd = ds({ updateStrategy: { type: 'Sometimes' } });
  daemonSets.defaults!(odd);
  assert.equal(
    formatFieldErrors(daemonSets.validate!(odd)),
    'spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Sometimes", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"',
  );
});
