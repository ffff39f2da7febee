import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { horizontalPodAutoscalersV1 } from './horizontalpodautoscaler-v1.ts';
import { horizontalPodAutoscalersV2 } from './horizontalpodautoscaler-v2.ts';

const v2 = (spec: KubeObject): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  metadata: { name: 'web' },
  spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, maxReplicas: 5, ...spec },
});

const errorsOf = (obj: KubeObject) => {
  horizontalPodAutoscalersV2.defaults!(obj);
  return formatFieldErrors(horizontalPodAutoscalersV2.validate!(obj));
};

test('v2 defaults: one replica, 80% CPU, full behavior rules when a behavior is given', () => {
  const plain = v2({});
  horizontalPodAutoscalersV2.defaults!(plain);
  assert.equal(plain.spec.minReplicas, 1);
  assert.deepEqual(plain.spec.metrics, [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
  ]);
  assert.equal(plain.spec.behavior, undefined);
  const tuned = v2({ behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } });
  horizontalPodAutoscalersV2.defaults!(tuned);
  assert.deepEqual(tuned.spec.behavior, {
    scaleDown: { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
  });
  assert.deepEqual(horizontalPodAutoscalersV2.validate!(tuned), []);
});

test('v1 defaults only minReplicas', () => {
  const obj: KubeObject = { metadata: { name: 'web' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 } };
  horizontalPodAutoscalersV1.defaults!(obj);
  assert.deepEqual(obj.spec, { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, minReplicas: 1 });
  assert.deepEqual(horizontalPodAutoscalersV1.validate!(obj), []);
});

test('replica limits are checked with Kubernetes messages', () => {
  assert.equal(errorsOf(v2({ minReplicas: 0 })), 'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1');
  assert.equal(
    errorsOf(v2({ minReplicas: 4, maxReplicas: 2 })),
    'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
  );
  assert.equal(errorsOf(v2({ scaleTargetRef: { name: 'web' } })), 'spec.scaleTargetRef.kind: Required value');
});

test('metric sources are checked', () => {
  assert.equal(
    errorsOf(v2({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }] })),
    'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
  );
  assert.equal(
    errorsOf(v2({ metrics: [{ type: 'Pods', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] })),
    '[spec.metrics[0].pods: Required value: must populate information for the given metric source, spec.metrics[0].resource: Forbidden: must populate the given metric source only]',
  );
  assert.equal(
    errorsOf(v2({ metrics: [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '-3' } } }] })),
    'spec.metrics[0].external.target.value: Invalid value: "-3": must be positive',
  );
});

test('scaling policies are checked', () => {
  assert.equal(
    errorsOf(v2({ behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 4000 }] } } })),
    '[spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero, spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 4000: must be less than or equal to 1800]',
  );
});
