import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { deployments } from './deployment.ts';

const now = new Date('2025-01-01T00:10:00Z');

function deployment(spec: KubeObject = {}): KubeObject {
  return {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      ...spec,
    },
  };
}

function errorsOf(obj: KubeObject): string {
  deployments.defaults!(obj);
  return formatFieldErrors(deployments.validate!(obj));
}

test('defaults follow SetDefaults_Deployment', () => {
  const obj = deployment();
  deployments.defaults!(obj);
  assert.equal(obj.spec.replicas, 1);
  assert.deepEqual(obj.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.equal(obj.spec.progressDeadlineSeconds, 600);
  assert.equal(obj.spec.template.spec.restartPolicy, 'Always');
});

test('a Recreate strategy gets no rolling update parameters', () => {
  const obj = deployment({ strategy: { type: 'Recreate' } });
  deployments.defaults!(obj);
  assert.deepEqual(obj.spec.strategy, { type: 'Recreate' });
  assert.deepEqual(deployments.validate!(obj), []);
});

test('negative replicas are reported like Kubernetes', () => {
  assert.equal(errorsOf(deployment({ replicas: -1 })), 'spec.replicas: Invalid value: -1: must be greater than or equal to 0');
});

test('a missing selector reports both the selector and the template labels', () => {
  const obj = deployment();
  delete obj.spec.selector;
  deployments.defaults!(obj);
  const errs = deployments.validate!(obj);
  assert.deepEqual(
    errs.map((e) => [e.field, e.type]),
    [
      ['spec.selector', 'FieldValueRequired'],
      ['spec.template.metadata.labels', 'FieldValueInvalid'],
    ],
  );
  assert.equal(
    formatFieldErrors(errs),
    '[spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`]',
  );
});

test('a selector that does not match the template is rejected', () => {
  const errs = (() => {
    const obj = deployment({ selector: { matchLabels: { app: 'other' } } });
    deployments.defaults!(obj);
    return deployments.validate!(obj);
  })();
  assert.deepEqual(
    errs.map((e) => e.field),
    ['spec.template.metadata.labels'],
  );
});

test('maxSurge and maxUnavailable may not both be zero', () => {
  const obj = deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } });
  // Kubernetes 1.33 prints the IntOrString with Go's %#v.
  assert.equal(
    errorsOf(obj),
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
  );
  const ints = deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } });
  assert.equal(
    errorsOf(ints),
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
  );
});

test('rollingUpdate is forbidden with the Recreate strategy and percentages are checked', () => {
  const recreate = deployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } });
  assert.equal(errorsOf(recreate), "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'");
  const tooMuch = deployment({ strategy: { rollingUpdate: { maxUnavailable: '150%' } } });
  assert.equal(
    errorsOf(tooMuch),
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
  );
  const notPercent = deployment({ strategy: { rollingUpdate: { maxSurge: 'lots' } } });
  assert.match(
    errorsOf(notPercent),
    /^spec\.strategy\.rollingUpdate\.maxSurge: Invalid value: intstr\.IntOrString\{Type:1, IntVal:0, StrVal:"lots"\}: a valid percent string/,
  );
  const negative = deployment({ strategy: { rollingUpdate: { maxSurge: -1 } } });
  assert.equal(errorsOf(negative), 'spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0');
});

test('an unknown strategy type reports the strategy as Kubernetes 1.33 prints it', () => {
  const obj = deployment({ strategy: { type: 'Foo' } });
  assert.equal(
    errorsOf(obj),
    'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"Foo", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
  );
});

test('progressDeadlineSeconds must exceed minReadySeconds', () => {
  const obj = deployment({ minReadySeconds: 30, progressDeadlineSeconds: 30 });
  assert.equal(errorsOf(obj), 'spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds');
});

test('the template must restart Always', () => {
  const obj = deployment();
  obj.spec.template.spec.restartPolicy = 'Never';
  assert.equal(errorsOf(obj), 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"');
});

test('the selector is immutable', () => {
  const old = deployment();
  const changed = deployment({ selector: { matchLabels: { app: 'web', tier: 'front' } } });
  assert.equal(
    formatFieldErrors(deployments.validateUpdate!(changed, old)),
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"front"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  );
  const expressions = deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } });
  assert.equal(
    formatFieldErrors(deployments.validateUpdate!(expressions, old)),
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", Values:[]string{"web", "api"}}}}: field is immutable',
  );
  assert.deepEqual(deployments.validateUpdate!(deployment(), old), []);
});

test('creation clears status and annotation changes bump the generation', () => {
  const obj = deployment();
  obj.status = { replicas: 3 };
  deployments.prepareForCreate!(obj);
  assert.deepEqual(obj.status, {});
  const old = { ...deployment(), metadata: { name: 'web', generation: 4, annotations: { a: '1' } } };
  const updated = { ...deployment(), metadata: { name: 'web', generation: 4, annotations: { a: '2' } } };
  deployments.prepareForUpdate!(updated, old);
  assert.equal(updated.metadata.generation, 5);
  const same = { ...deployment(), metadata: { name: 'web', generation: 4, annotations: { a: '1' } } };
  deployments.prepareForUpdate!(same, old);
  assert.equal(same.metadata.generation, 4);
});

test('table cells match kubectl get deployments -o wide', () => {
  const obj = deployment({
    replicas: 3,
    selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] },
  });
  obj.spec.template.spec.containers.push({ name: 'side', image: 'busybox' });
  obj.status = { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
  assert.deepEqual(
    deployments.table!.columns.map((c) => [c.name, c.priority]),
    [
      ['Name', 0],
      ['Ready', 0],
      ['Up-to-date', 0],
      ['Available', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
      ['Selector', 1],
    ],
  );
  assert.equal(deployments.table!.columns[0].format, 'name');
  assert.deepEqual(deployments.table!.row(obj, now), [
    'web',
    '2/3',
    3,
    2,
    '10m',
    'web,side',
    'nginx:1.27,busybox',
    'app=web,tier in (a,b)',
  ]);
});

test('the resource is served with scale and status subresources in the all category', () => {
  assert.deepEqual(deployments.shortNames, ['deploy']);
  assert.deepEqual(deployments.categories, ['all']);
  assert.deepEqual(deployments.subresources?.scale, {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    labelSelectorPath: 'spec.selector',
  });
});
