// batch/v1 CronJob: creates Jobs on a schedule.
import { type FieldError, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateNonnegativeField } from '../../validation/meta.ts';
import { ensureObject } from '../apps/ensure.ts';
import { defaultTemplate } from '../apps/pod-template.ts';
import { ageColumn, boolPtrCell, column, containerCells, containersColumn, imagesColumn, nameColumn } from '../apps/printing.ts';
import { formatLabelSelector } from '../apps/selector-utils.ts';
import { cronScheduleError } from './cron-schedule.ts';
import { validateJobSpecCommon } from './job.ts';

/** Job names are "<cronjob>-<11 digit suffix>" and must fit in 63 characters. */
const MAX_CRONJOB_NAME_LENGTH = 52;

/** SetDefaults_CronJob plus pod defaults in the job template (JobSpec defaults are not applied). */
export function defaultCronJob(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const jobSpec = ensureObject(ensureObject(spec, 'jobTemplate'), 'spec');
  defaultTemplate(jobSpec);
}

/** Whether the host's time zone database knows this IANA name. */
function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const validTimeZoneCharacters = /^[A-Za-z.\-_0-9+]{1,14}$/;

export function validateTimeZone(timeZone: unknown, path: string): FieldError[] {
  if (timeZone === undefined || timeZone === null) return [];
  const tz = String(timeZone);
  if (tz.length === 0) return [invalid(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !validTimeZoneCharacters.test(part)) {
      return [invalid(path, tz, `unknown time zone ${tz}`)];
    }
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') {
    errs.push(invalid(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  }
  if (tz !== 'UTC' && !isKnownTimeZone(tz)) errs.push(invalid(path, tz, `unknown time zone ${tz}`));
  return errs;
}

function validateSchedule(schedule: string, allowTZ: boolean, timeZone: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const parseError = cronScheduleError(schedule);
  if (parseError) errs.push(invalid(path, schedule, parseError));
  if (allowTZ && schedule.includes('TZ') && timeZone != null) {
    errs.push(invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

/** ValidateJobTemplateSpec: the template's Job gets a generated selector, never a manual one. */
function validateJobTemplate(template: KubeObject | undefined, path: string): FieldError[] {
  const spec = template?.spec ?? {};
  const errs = validateJobSpecCommon(spec, `${path}.spec`);
  if (spec.selector) errs.push(invalid(`${path}.spec.selector`, spec.selector, '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(notSupported(`${path}.spec.manualSelector`, true, ['nil', 'false']));
  return errs;
}

function validateCronJobSpec(spec: KubeObject, oldSpec?: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.schedule) errs.push(required('spec.schedule', ''));
  else
    errs.push(...validateSchedule(String(spec.schedule), String(oldSpec?.schedule ?? '').includes('TZ'), spec.timeZone, 'spec.schedule'));
  errs.push(...validateNonnegativeField(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  switch (spec.concurrencyPolicy) {
    case 'Allow':
    case 'Forbid':
    case 'Replace':
      break;
    case undefined:
    case '':
      errs.push(required('spec.concurrencyPolicy', ''));
      break;
    default:
      errs.push(notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  }
  errs.push(...validateJobTemplate(spec.jobTemplate, 'spec.jobTemplate'));
  errs.push(...validateNonnegativeField(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...validateNonnegativeField(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

export function validateCronJob(obj: KubeObject): FieldError[] {
  const errs = validateCronJobSpec(obj.spec ?? {});
  const name = obj.metadata?.name ?? '';
  if (name.length > MAX_CRONJOB_NAME_LENGTH)
    errs.push(invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  return errs;
}

export const cronJobs: ResourceType = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  schema: 'io.k8s.api.batch.v1.CronJob',
  subresources: { status: true },
  defaults: defaultCronJob,
  prepareForCreate: (obj) => {
    obj.status = {};
  },
  // Kubernetes relaxes the TZ checks on update for objects that predate them; Hale never
  // stored such objects, so create and update share one set of rules.
  validate: validateCronJob,
  table: {
    columns: [
      nameColumn,
      column('Schedule', 'string', 'Cron schedule of the jobs.'),
      column('Timezone', 'string', 'Time zone of the schedule.'),
      column('Suspend', 'boolean', 'Whether new jobs are held back.'),
      column('Active', 'integer', 'Jobs currently running.'),
      column('Last Schedule', 'string', 'Time since a job was last scheduled.'),
      ageColumn,
      containersColumn,
      imagesColumn,
      column('Selector', 'string', 'Label selector of the jobs.', 1),
    ],
    row: (obj, now) => {
      const spec = obj.spec ?? {};
      const jobSpec = spec.jobTemplate?.spec ?? {};
      const [containers, images] = containerCells(jobSpec.template?.spec);
      const lastSchedule = obj.status?.lastScheduleTime ? age(obj.status.lastScheduleTime, now) : '<none>';
      return [
        obj.metadata?.name ?? '',
        spec.schedule ?? '',
        spec.timeZone ?? '<none>',
        boolPtrCell(spec.suspend),
        Array.isArray(obj.status?.active) ? obj.status.active.length : 0,
        lastSchedule,
        age(obj.metadata?.creationTimestamp, now),
        containers,
        images,
        formatLabelSelector(jobSpec.selector),
      ];
    },
  },
};
