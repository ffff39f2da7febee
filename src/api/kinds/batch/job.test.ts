import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { jobs } from './job.ts';

const UID = '3f1c2d4e-0000-4000-8000-000000000001';

function job(spec: KubeObject = {}): KubeObject {
  return {
    metadata: { name: 'pi', namespace: 'default', uid: UID, creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } }, ...spec },
  };
}

/** The create pipeline of the API server: defaults, then prepare, then validate. */
function create(obj: KubeObject): KubeObject {
  jobs.defaults!(obj);
  jobs.prepareForCreate!(obj);
  return obj;
}

test('defaults follow SetDefaults_Job', () => {
  const obj = create(job());
  const spec = obj.spec;
  assert.equal(spec.completions, 1);
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.equal(spec.manualSelector, false);
  assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
  const parallel = create(job({ parallelism: 3 }));
  assert.equal(parallel.spec.completions, undefined);
  const perIndex = create(job({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 }));
  assert.equal(perIndex.spec.backoffLimit, 2147483647);
});

test('the API server generates the selector and pod labels from the uid and name', () => {
  const obj = create(job());
  assert.deepEqual(obj.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } });
  const expected = {
    'batch.kubernetes.io/controller-uid': UID,
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': UID,
    'job-name': 'pi',
  };
  assert.deepEqual(obj.spec.template.metadata.labels, expected);
  assert.deepEqual(obj.metadata?.labels, expected);
  assert.deepEqual(obj.status, {});
  assert.deepEqual(jobs.validate!(obj), []);
});

test('a manual selector is kept as given', () => {
  const obj = create(
    job({
      manualSelector: true,
      selector: { matchLabels: { app: 'pi' } },
      template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'pi', image: 'perl' }] } },
    }),
  );
  assert.deepEqual(obj.spec.selector, { matchLabels: { app: 'pi' } });
  assert.deepEqual(jobs.validate!(obj), []);
});

test('restartPolicy must be OnFailure or Never', () => {
  const obj = job();
  delete obj.spec.template.spec.restartPolicy;
  assert.equal(
    formatFieldErrors(jobs.validate!(create(obj))),
    'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
  );
});

test('counts must not be negative and Indexed jobs need completions', () => {
  assert.equal(
    formatFieldErrors(jobs.validate!(create(job({ backoffLimit: -1 })))),
    'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
  );
  const indexed = create(job({ completionMode: 'Indexed', parallelism: 2 }));
  assert.equal(formatFieldErrors(jobs.validate!(indexed)), 'spec.completions: Required value: when completion mode is Indexed');
});

test('a pod failure policy needs restartPolicy Never and a known action', () => {
  const obj = job({ podFailurePolicy: { rules: [{ action: 'Explode', onExitCodes: { operator: 'In', values: [1] } }] } });
  obj.spec.template.spec.restartPolicy = 'OnFailure';
  assert.equal(
    formatFieldErrors(jobs.validate!(create(obj))),
    '[spec.podFailurePolicy.rules[0].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore", spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified]',
  );
  assert.equal(obj.spec.podReplacementPolicy, 'Failed');
});

test('selector, completions and template are immutable', () => {
  const old = create(job());
  const changed = structuredClone(old);
  changed.spec.completions = 2;
  changed.spec.template.spec.containers[0].image = 'perl:2';
  assert.deepEqual(
    jobs.validateUpdate!(changed, old).map((e) => [e.field, e.detail]),
    [
      ['spec.completions', 'field is immutable'],
      ['spec.template', 'field is immutable'],
    ],
  );
  const suspended = create(job({ suspend: true }));
  const rescheduled = structuredClone(suspended);
  rescheduled.spec.template.spec.nodeSelector = { zone: 'a' };
  assert.deepEqual(jobs.validateUpdate!(rescheduled, suspended), []);
});

test('table cells follow printJob', () => {
  const now = new Date('2025-01-01T00:05:00Z');
  const obj = create(job({ completions: 3 }));
  obj.status = { succeeded: 1, startTime: '2025-01-01T00:01:00Z' };
  assert.deepEqual(jobs.table!.row(obj, now).slice(0, 5), ['pi', 'Running', '1/3', '4m', '5m']);
  obj.status = {
    succeeded: 3,
    startTime: '2025-01-01T00:01:00Z',
    completionTime: '2025-01-01T00:01:42Z',
    conditions: [{ type: 'Complete', status: 'True' }],
  };
  assert.deepEqual(jobs.table!.row(obj, now).slice(1, 4), ['Complete', '3/3', '42s']);
  const parallel = create(job({ parallelism: 4 }));
  assert.deepEqual(jobs.table!.row(parallel, now).slice(1, 4), ['Running', '0/1 of 4', '']);
  assert.equal(jobs.table!.row(obj, now)[7], `batch.kubernetes.io/controller-uid=${UID}`);
  assert.deepEqual(jobs.selectableFields!(obj), { 'status.successful': '3' });
});

test('backoffLimitPerIndex, which the job controller does not implement, is warned about', () => {
  assert.deepEqual(jobs.warnings!(job()), []);
  const [warning] = jobs.warnings!(job({ completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1 }));
  assert.match(warning, /^spec\.backoffLimitPerIndex is not supported by this cluster: /);
});

test('a success policy is validated as in Kubernetes (validateSuccessPolicy)', () => {
  const errors = (spec: KubeObject) => formatFieldErrors(jobs.validate!(create(job(spec))));
  const indexed = { completionMode: 'Indexed', completions: 5, parallelism: 5 };
  assert.equal(errors({ ...indexed, successPolicy: { rules: [{ succeededIndexes: '0,2-4', succeededCount: 2 }] } }), '[]');
  assert.match(
    errors({ completions: 5, successPolicy: { rules: [{ succeededCount: 1 }] } }),
    /^spec\.successPolicy: Invalid value: .*: requires indexed completion mode$/,
  );
  assert.equal(
    errors({ ...indexed, successPolicy: { rules: [] } }),
    'spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified',
  );
  assert.equal(
    errors({ ...indexed, successPolicy: { rules: [{}] } }),
    'spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified',
  );
  assert.equal(
    errors({ ...indexed, successPolicy: { rules: [{ succeededIndexes: '3,1' }] } }),
    'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "3,1": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1',
  );
  assert.equal(
    errors({ ...indexed, successPolicy: { rules: [{ succeededIndexes: '1-7' }] } }),
    'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "1-7": error parsing succeededIndexes: too large index: "7"',
  );
  assert.equal(
    errors({ ...indexed, successPolicy: { rules: [{ succeededIndexes: 'a' }] } }),
    'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "a": error parsing succeededIndexes: cannot convert string to integer for index: "a"',
  );
  assert.equal(
    errors({ ...indexed, successPolicy: { rules: [{ succeededIndexes: '0-1', succeededCount: 3 }] } }),
    'spec.successPolicy.rules[0].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)',
  );
  assert.equal(
    errors({ ...indexed, successPolicy: { rules: [{ succeededCount: 6 }] } }),
    'spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)',
  );
  assert.equal(
    errors({ ...indexed, successPolicy: { rules: Array.from({ length: 21 }, () => ({ succeededCount: 1 })) } }),
    'spec.successPolicy.rules: Too many: 21: must have at most 20 items',
  );
});

test('a changed selector prints as Go prints a LabelSelector', () => {
  const old = job({ selector: { matchLabels: { app: 'pi' } } });
  const changed = job({ selector: { matchLabels: { app: 'pi' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] } });
  assert.equal(
    formatFieldErrors(jobs.validateUpdate!(changed, old).filter((e) => e.field === 'spec.selector')),
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"pi"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"tier", Operator:"In", Values:[]string{"a"}}}}: field is immutable',
  );
});
