import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { cronJobs } from './cronjob.ts';

function cronJob(spec: KubeObject = {}): KubeObject {
  return {
    metadata: { name: 'nightly', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'backup', image: 'backup:1' }] } } } },
      ...spec,
    },
  };
}

const errorsOf = (obj: KubeObject) => {
  cronJobs.defaults!(obj);
  return formatFieldErrors(cronJobs.validate!(obj));
};

test('defaults follow SetDefaults_CronJob without Job defaults in the template', () => {
  const obj = cronJob();
  cronJobs.defaults!(obj);
  assert.equal(obj.spec.concurrencyPolicy, 'Allow');
  assert.equal(obj.spec.suspend, false);
  assert.equal(obj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(obj.spec.failedJobsHistoryLimit, 1);
  assert.equal(obj.spec.jobTemplate.spec.backoffLimit, undefined);
  assert.equal(obj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
  assert.deepEqual(cronJobs.validate!(obj), []);
});

test('schedule, time zone and concurrency policy are validated', () => {
  assert.equal(
    errorsOf(cronJob({ schedule: '* * *' })),
    'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]',
  );
  assert.equal(
    errorsOf(cronJob({ schedule: 'TZ=UTC 0 3 * * *' })),
    'spec.schedule: Invalid value: "TZ=UTC 0 3 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  );
  assert.equal(
    errorsOf(cronJob({ timeZone: 'Mars/Olympus' })),
    'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
  );
  const berlin = cronJob({ timeZone: 'Europe/Berlin' });
  cronJobs.defaults!(berlin);
  assert.deepEqual(cronJobs.validate!(berlin), []);
  assert.equal(
    errorsOf(cronJob({ concurrencyPolicy: 'Sometimes' })),
    'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
  );
});

test('the job template may not choose its selector and names stay short', () => {
  const obj = cronJob();
  obj.spec.jobTemplate.spec.selector = { matchLabels: { a: 'b' } };
  assert.match(errorsOf(obj), /^spec\.jobTemplate\.spec\.selector: Invalid value: .*: `selector` will be auto-generated$/);
  const long = cronJob();
  long.metadata!.name = 'x'.repeat(53);
  assert.match(errorsOf(long), /metadata\.name: Invalid value: "x+": must be no more than 52 characters/);
});

test('table cells follow printCronJob', () => {
  const obj = cronJob({ timeZone: 'Etc/UTC' });
  cronJobs.defaults!(obj);
  obj.status = { active: [{ name: 'nightly-1' }], lastScheduleTime: '2025-01-02T03:00:00Z' };
  const now = new Date('2025-01-02T03:00:30Z');
  assert.deepEqual(cronJobs.table!.columns.map((c) => c.name).slice(0, 7), [
    'Name',
    'Schedule',
    'Timezone',
    'Suspend',
    'Active',
    'Last Schedule',
    'Age',
  ]);
  assert.deepEqual(cronJobs.table!.row(obj, now), [
    'nightly',
    '0 3 * * *',
    'Etc/UTC',
    'False',
    1,
    '30s',
    '27h',
    'backup',
    'backup:1',
    '<none>',
  ]);
  const fresh = cronJob();
  assert.deepEqual(cronJobs.table!.row(fresh, now).slice(2, 6), ['<none>', '<unset>', 0, '<none>']);
});
