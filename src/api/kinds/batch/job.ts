// batch/v1 Job: runs pods until enough of them succeed.
import { type FieldError, invalid, notSupported, required, tooLong, tooMany } from '../../field-errors.ts';
import { age, humanDuration } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateLabelSelector, validateNonnegativeField } from '../../validation/meta.ts';
import { isDNS1123Label } from '../../validation/names.ts';
import { ensureObject } from '../apps/ensure.ts';
import { withGoSelectorValue } from '../apps/go-values.ts';
import { defaultTemplate, validateTemplate } from '../apps/pod-template.ts';
import { ageColumn, column, containerCells, containersColumn, imagesColumn, int, nameColumn } from '../apps/printing.ts';
import { formatLabelSelector, selectorMatches } from '../apps/selector-utils.ts';
import { deepEqual, validateImmutableField, validateSelectorMatchesTemplate } from '../apps/workload-validation.ts';

export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const podFailurePolicyActions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

/** SetDefaults_Job plus the pod template defaults. */
export function defaultJob(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  if (spec.completions == null && spec.parallelism == null) spec.completions = 1;
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(obj.metadata?.labels ?? {}).length === 0) {
    obj.metadata ??= {};
    obj.metadata.labels = { ...templateLabels };
  }
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of rule?.onPodConditions ?? []) if (!pattern.status) pattern.status = 'True';
  }
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultTemplate(spec);
}

/**
 * Unless the user picks the selector, the API server labels the pods with the Job's name
 * and uid and selects them by uid (Kubernetes does this in the Job strategy).
 */
export function generateJobSelector(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  if (spec.manualSelector === true) return;
  const name = obj.metadata?.name ?? '';
  const uid = obj.metadata?.uid ?? '';
  const template = ensureObject(spec, 'template');
  const labels = ensureObject(ensureObject(template, 'metadata'), 'labels');
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[key] ??= name;
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) labels[key] ??= uid;
  const matchLabels = ensureObject(ensureObject(spec, 'selector'), 'matchLabels');
  matchLabels[CONTROLLER_UID_LABEL] ??= uid;
  // Kubernetes copies template labels to an unlabelled Job when it is read back.
  if (Object.keys(obj.metadata?.labels ?? {}).length === 0) {
    obj.metadata ??= {};
    obj.metadata.labels = { ...labels };
  }
}

function validateHasLabel(template: KubeObject, key: string, expected: string): FieldError[] {
  const path = `spec.template.metadata.labels[${key}]`;
  const labels = template.metadata?.labels ?? {};
  if (!Object.hasOwn(labels, key)) return [required(path, expected)];
  if (labels[key] !== expected) return [invalid(path, labels, `must be '${expected}'`)];
  return [];
}

/** The generated labels and selector are present and consistent (validateGeneratedSelector). */
function validateGeneratedSelector(obj: KubeObject, requirePrefixedLabels: boolean): FieldError[] {
  const spec = obj.spec ?? {};
  if (spec.manualSelector === true) return [];
  const template = spec.template ?? {};
  if (!template.metadata?.labels) return [required('spec.template.metadata.labels', '')];
  if (!spec.selector) return [];
  const errs: FieldError[] = [];
  const uid = obj.metadata?.uid ?? '';
  const name = obj.metadata?.name ?? '';
  if (!uid) errs.push(required('metadata.uid', ''));
  errs.push(...validateHasLabel(template, LEGACY_CONTROLLER_UID_LABEL, uid), ...validateHasLabel(template, LEGACY_JOB_NAME_LABEL, name));
  const expected: Record<string, string> = {};
  if (requirePrefixedLabels) {
    errs.push(...validateHasLabel(template, CONTROLLER_UID_LABEL, uid), ...validateHasLabel(template, JOB_NAME_LABEL, name));
    expected[CONTROLLER_UID_LABEL] = uid;
  } else {
    expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  }
  if (!selectorMatches(spec.selector, expected)) errs.push(invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
  return errs;
}

function validateExitCodes(req: KubeObject, path: string, containerNames: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (req.containerName != null && !containerNames.has(req.containerName)) {
    errs.push(
      invalid(`${path}.containerName`, req.containerName, 'must be one of the container or initContainer names in the pod template'),
    );
  }
  if (req.operator !== 'In' && req.operator !== 'NotIn') {
    errs.push(notSupported(`${path}.operator`, req.operator ?? '', ['In', 'NotIn']));
  }
  const values: unknown[] = Array.isArray(req.values) ? req.values : [];
  if (values.length === 0) errs.push(required(`${path}.values`, 'at least one value is required'));
  else if (values.length > 255) errs.push(tooMany(`${path}.values`, values.length, 255));
  values.forEach((value, i) => {
    if (i > 0 && (value as number) <= (values[i - 1] as number)) {
      errs.push(invalid(`${path}.values[${i}]`, value, value === values[i - 1] ? 'must not be duplicated' : 'must be ordered'));
    }
    if (req.operator === 'In' && value === 0) errs.push(invalid(`${path}.values[${i}]`, value, 'must not be 0 for the In operator'));
  });
  return errs;
}

function validatePodFailurePolicy(spec: KubeObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules: KubeObject[] = Array.isArray(spec.podFailurePolicy.rules) ? spec.podFailurePolicy.rules : [];
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(`${path}.rules`, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const podSpec = spec.template?.spec ?? {};
  const containerNames = new Set<string>(
    [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])].map((c: KubeObject) => c?.name),
  );
  rules.forEach((rule, i) => {
    const rulePath = `${path}.rules[${i}]`;
    if (!rule.action)
      errs.push(required(`${rulePath}.action`, `valid values: ${JSON.stringify(podFailurePolicyActions).replaceAll(',', ' ')}`));
    else if (rule.action === 'FailIndex' && spec.backoffLimitPerIndex == null) {
      errs.push(invalid(`${rulePath}.action`, rule.action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!podFailurePolicyActions.includes(rule.action)) {
      errs.push(notSupported(`${rulePath}.action`, rule.action, podFailurePolicyActions));
    }
    if (rule.onExitCodes) errs.push(...validateExitCodes(rule.onExitCodes, `${rulePath}.onExitCodes`, containerNames));
    const conditions: KubeObject[] = Array.isArray(rule.onPodConditions) ? rule.onPodConditions : [];
    conditions.forEach((pattern, j) => {
      const patternPath = `${rulePath}.onPodConditions[${j}]`;
      if (!pattern.type) errs.push(required(`${patternPath}.type`, ''));
      if (!['True', 'False', 'Unknown'].includes(pattern.status)) {
        errs.push(notSupported(`${patternPath}.status`, pattern.status ?? '', ['False', 'True', 'Unknown']));
      }
    });
    if (rule.onExitCodes && conditions.length > 0) {
      errs.push(invalid(rulePath, undefined, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    }
    if (!rule.onExitCodes && conditions.length === 0) {
      errs.push(invalid(rulePath, undefined, 'specifying one of OnExitCodes and OnPodConditions is required'));
    }
  });
  return errs;
}

const MAX_SUCCESS_POLICY_RULES = 20;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;

/** Go's strconv.Atoi over a fragment of an index list; undefined when it is not an integer. */
function atoi(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * Kubernetes' validateIndexesFormat: "0,2-4" style intervals, increasing, below `completions`.
 * Returns how many indexes the list names, or the error text.
 */
export function validateIndexesFormat(text: string, completions: number): { total: number } | { error: string } {
  if (text.length === 0) return { total: 0 };
  let last: number | undefined;
  let total = 0;
  for (const interval of text.split(',')) {
    const limits = interval.split('-');
    if (limits.length > 2) {
      return {
        error: `the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'`,
      };
    }
    const bounds: number[] = [];
    for (const limit of limits) {
      const value = atoi(limit);
      if (value === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(limit)}` };
      if (value >= completions) return { error: `too large index: ${JSON.stringify(limit)}` };
      bounds.push(value);
    }
    const [x, y = x] = bounds;
    if (limits.length === 2 && x >= y) return { error: `non-increasing order, previous: ${x}, current: ${y}` };
    if (last !== undefined && last >= x) return { error: `non-increasing order, previous: ${last}, current: ${x}` };
    total += y - x + 1;
    last = y;
  }
  return { total };
}

/** Kubernetes' validateSuccessPolicy (the caller has checked the Job is Indexed). */
function validateSuccessPolicy(spec: KubeObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules: KubeObject[] = Array.isArray(spec.successPolicy?.rules) ? spec.successPolicy.rules : [];
  const rulesPath = `${path}.rules`;
  if (rules.length === 0) errs.push(required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  const completions = Number(spec.completions ?? 0);
  rules.forEach((rule, i) => {
    const rulePath = `${rulesPath}[${i}]`;
    const indexes = rule?.succeededIndexes;
    const count = rule?.succeededCount;
    if (indexes == null && count == null) {
      errs.push(required(rulePath, 'at least one of succeededCount or succeededIndexes must be specified'));
    }
    let totalIndexes = 0;
    if (indexes != null) {
      const indexesPath = `${rulePath}.succeededIndexes`;
      const text = String(indexes);
      if (text.length > MAX_SUCCEEDED_INDEXES_LENGTH) errs.push(tooLong(indexesPath, text, MAX_SUCCEEDED_INDEXES_LENGTH));
      const parsed = validateIndexesFormat(text, completions);
      if ('error' in parsed) errs.push(invalid(indexesPath, text, `error parsing succeededIndexes: ${parsed.error}`));
      else totalIndexes = parsed.total;
    }
    if (count != null) {
      const countPath = `${rulePath}.succeededCount`;
      errs.push(...validateNonnegativeField(count, countPath));
      if (count > completions) {
        errs.push(invalid(countPath, count, `must be less than or equal to ${completions} (the number of specified completions)`));
      }
      if (indexes != null && count > totalIndexes) {
        errs.push(
          invalid(
            countPath,
            count,
            `must be less than or equal to ${totalIndexes} (the number of indexes in the specified succeededIndexes field)`,
          ),
        );
      }
    }
  });
  return errs;
}

/** Rules every Job spec follows, including a CronJob's job template (Go's validateJobSpec). */
export function validateJobSpecCommon(spec: KubeObject, path: string): FieldError[] {
  const errs: FieldError[] = [
    ...validateNonnegativeField(spec.parallelism, `${path}.parallelism`),
    ...validateNonnegativeField(spec.completions, `${path}.completions`),
    ...validateNonnegativeField(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`),
    ...validateNonnegativeField(spec.backoffLimit, `${path}.backoffLimit`),
    ...validateNonnegativeField(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`),
    ...validateNonnegativeField(spec.backoffLimitPerIndex, `${path}.backoffLimitPerIndex`),
  ];
  if (spec.maxFailedIndexes != null) {
    errs.push(...validateNonnegativeField(spec.maxFailedIndexes, `${path}.maxFailedIndexes`));
    if (spec.backoffLimitPerIndex == null) errs.push(required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  const mode = spec.completionMode;
  if (mode != null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (spec.completions == null) errs.push(required(`${path}.completions`, 'when completion mode is Indexed'));
      if (typeof spec.parallelism === 'number' && spec.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(
          invalid(
            `${path}.parallelism`,
            spec.parallelism,
            `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`,
          ),
        );
      }
    }
  }
  if (mode == null || mode === 'NonIndexed') {
    if (spec.backoffLimitPerIndex != null)
      errs.push(invalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (spec.maxFailedIndexes != null)
      errs.push(invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (spec.podFailurePolicy) errs.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`));
  if (spec.successPolicy != null) {
    if (mode !== 'Indexed') errs.push(invalid(`${path}.successPolicy`, spec.successPolicy, 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(spec, `${path}.successPolicy`));
  }
  if (spec.podReplacementPolicy != null) {
    if (spec.podFailurePolicy) {
      if (spec.podReplacementPolicy !== 'Failed')
        errs.push(notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed']));
    } else if (!['Failed', 'TerminatingOrFailed'].includes(spec.podReplacementPolicy)) {
      errs.push(notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validateTemplate(spec.template, `${path}.template`));
  const restartPolicy = spec.template?.spec?.restartPolicy;
  const restartPath = `${path}.template.spec.restartPolicy`;
  if (restartPolicy === 'Always' || !restartPolicy) {
    errs.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  } else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') {
    errs.push(notSupported(restartPath, restartPolicy, ['OnFailure', 'Never']));
  } else if (spec.podFailurePolicy && restartPolicy !== 'Never') {
    errs.push(invalid(restartPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

export function validateJob(obj: KubeObject, requirePrefixedLabels = true): FieldError[] {
  const spec = obj.spec ?? {};
  const errs = [...validateGeneratedSelector(obj, requirePrefixedLabels), ...validateJobSpecCommon(spec, 'spec')];
  if (!spec.selector) errs.push(required('spec.selector', ''));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (spec.selector) errs.push(...validateSelectorMatchesTemplate(spec.selector, spec.template, 'spec.template'));
  if (spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0) {
    // Pods of an Indexed Job are named <job>-<index>; the last one must be a DNS label.
    const name = obj.metadata?.name ?? '';
    const hostname = `${name}-${spec.completions - 1}`;
    if (isDNS1123Label(hostname).length > 0) {
      errs.push(invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return errs;
}

/** While a Job is suspended and has never started, its scheduling directives may change. */
const mutableWhileSuspended = {
  metadata: ['labels', 'annotations'],
  spec: ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates'],
};

function templateForComparison(template: KubeObject | undefined, allowSchedulingChanges: boolean): KubeObject {
  const copy = structuredClone(template ?? {});
  if (allowSchedulingChanges) {
    for (const key of mutableWhileSuspended.metadata) delete copy.metadata?.[key];
    for (const key of mutableWhileSuspended.spec) delete copy.spec?.[key];
  }
  return copy;
}

export function validateJobUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const oldSpec = old.spec ?? {};
  const errs: FieldError[] = [];
  const indexed = spec.completionMode === 'Indexed';
  if (!indexed) errs.push(...validateImmutableField(spec.completions, oldSpec.completions, 'spec.completions'));
  else if (!deepEqual(spec.completions, oldSpec.completions) && spec.completions != null && spec.completions !== spec.parallelism) {
    errs.push(invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
  }
  errs.push(...withGoSelectorValue(validateImmutableField(spec.selector, oldSpec.selector, 'spec.selector'), 'spec.selector'));
  const allowSchedulingChanges = oldSpec.suspend === true && !old.status?.startTime;
  if (
    !deepEqual(
      templateForComparison(spec.template, allowSchedulingChanges),
      templateForComparison(oldSpec.template, allowSchedulingChanges),
    )
  ) {
    errs.push(invalid('spec.template', spec.template ?? null, 'field is immutable'));
  }
  for (const key of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...validateImmutableField(spec[key], oldSpec[key], `spec.${key}`));
  }
  return errs;
}

function conditionIsTrue(obj: KubeObject, type: string): boolean {
  const conditions: KubeObject[] = Array.isArray(obj.status?.conditions) ? obj.status.conditions : [];
  const found = conditions.find((c) => c?.type === type);
  return found?.status === 'True';
}

/** The STATUS cell of `kubectl get jobs`. */
export function jobStatusCell(obj: KubeObject): string {
  if (conditionIsTrue(obj, 'Complete')) return 'Complete';
  if (conditionIsTrue(obj, 'Failed')) return 'Failed';
  if (obj.metadata?.deletionTimestamp) return 'Terminating';
  if (conditionIsTrue(obj, 'Suspended')) return 'Suspended';
  if (conditionIsTrue(obj, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export function jobCompletionsCell(obj: KubeObject): string {
  const succeeded = int(obj.status?.succeeded);
  if (typeof obj.spec?.completions === 'number') return `${succeeded}/${obj.spec.completions}`;
  const parallelism = int(obj.spec?.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

export function jobDurationCell(obj: KubeObject, now: Date): string {
  const start = Date.parse(obj.status?.startTime ?? '');
  if (Number.isNaN(start)) return '';
  const completion = Date.parse(obj.status?.completionTime ?? '');
  return humanDuration((Number.isNaN(completion) ? now.getTime() : completion) - start);
}

/** What a Job asks for that Hale's job controller does not do (docs/differences.md). */
function jobWarnings(obj: KubeObject): string[] {
  if (obj.spec?.backoffLimitPerIndex == null) return [];
  return [
    'spec.backoffLimitPerIndex is not supported by this cluster: no index fails on its own; failed pods count against ' +
      'spec.backoffLimit (2147483647 unless set) and spec.activeDeadlineSeconds, as for a Job without it',
  ];
}

export const jobs: ResourceType = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  schema: 'io.k8s.api.batch.v1.Job',
  subresources: { status: true },
  defaults: defaultJob,
  prepareForCreate: (obj) => {
    obj.status = {};
    generateJobSelector(obj);
  },
  validate: (obj) => validateJob(obj),
  validateUpdate: validateJobUpdate,
  warnings: jobWarnings,
  selectableFields: (obj) => ({ 'status.successful': String(int(obj.status?.succeeded)) }),
  table: {
    columns: [
      nameColumn,
      column('Status', 'string', 'Status of the job.'),
      column('Completions', 'string', 'Succeeded pods out of the required completions.'),
      column('Duration', 'string', 'How long the job ran or has been running.'),
      ageColumn,
      containersColumn,
      imagesColumn,
      column('Selector', 'string', 'Label selector of the pods.', 1),
    ],
    row: (obj, now) => {
      const [containers, images] = containerCells(obj.spec?.template?.spec);
      return [
        obj.metadata?.name ?? '',
        jobStatusCell(obj),
        jobCompletionsCell(obj),
        jobDurationCell(obj, now),
        age(obj.metadata?.creationTimestamp, now),
        containers,
        images,
        formatLabelSelector(obj.spec?.selector),
      ];
    },
  },
};
