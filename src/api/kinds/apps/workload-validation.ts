// Validation rules shared by the replica-managing kinds (Deployment, ReplicaSet, DaemonSet,
// StatefulSet, Job): selector checks, template/selector agreement and immutable fields.
import { type FieldError, forbidden, invalid, notSupported, required } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { FIELD_IMMUTABLE_ERROR_MSG, validateLabelSelector } from '../../validation/meta.ts';
import { validateTemplate } from './pod-template.ts';
import { type LabelSelector, selectorIsEmpty, selectorMatches, selectorToString } from './selector-utils.ts';

export const IS_NOT_POSITIVE_MSG = 'must be greater than zero';

/** Structural equality of JSON values (Go's apiequality.Semantic.DeepEqual for our purposes). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as any)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as any)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}

export function validateImmutableField(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  return deepEqual(newValue, oldValue) ? [] : [invalid(path, newValue ?? null, FIELD_IMMUTABLE_ERROR_MSG)];
}

export function validatePositiveField(value: unknown, path: string): FieldError[] {
  return typeof value === 'number' && value <= 0 ? [invalid(path, value, IS_NOT_POSITIVE_MSG)] : [];
}

/**
 * A selector that must be set and not empty (Deployment, ReplicaSet, StatefulSet). `kindWord`
 * is the word Kubernetes puts in "empty selector is invalid for <kind>".
 */
export function validateRequiredSelector(selector: LabelSelector | undefined, path: string, kindWord: string): FieldError[] {
  if (!selector) return [required(path, '')];
  const errs = validateLabelSelector(selector, path);
  if (selectorIsEmpty(selector)) errs.push(invalid(path, selector, `empty selector is invalid for ${kindWord}`));
  if (selectorToString(selector) === undefined) errs.push(invalid(path, selector, 'invalid label selector'));
  return errs;
}

/** "`selector` does not match template `labels`" unless the selector is empty ({}). */
export function validateSelectorMatchesTemplate(
  selector: LabelSelector | undefined,
  template: KubeObject | undefined,
  path: string,
): FieldError[] {
  if (selectorToString(selector) === undefined || selectorIsEmpty(selector)) return [];
  const labels = template?.metadata?.labels;
  if (selectorMatches(selector, labels)) return [];
  return [invalid(`${path}.metadata.labels`, labels ?? {}, '`selector` does not match template `labels`')];
}

/**
 * The pod template of a ReplicaSet or Deployment: matches the selector, is a valid pod
 * template, restarts Always and has no activeDeadlineSeconds.
 */
export function validateTemplateForReplicaSet(
  selector: LabelSelector | undefined,
  template: KubeObject | undefined,
  path: string,
): FieldError[] {
  const errs = validateSelectorMatchesTemplate(selector, template, path);
  if (selectorToString(selector) === undefined) return errs;
  errs.push(...validateTemplate(template, path), ...validateAlwaysRestarts(template, path, 'ReplicaSet', 'invalid'));
  return errs;
}

/** Workload pods must restart Always and may not set activeDeadlineSeconds. */
export function validateAlwaysRestarts(
  template: KubeObject | undefined,
  path: string,
  kind: string,
  deadlineError: 'invalid' | 'forbidden',
): FieldError[] {
  const errs: FieldError[] = [];
  const spec = template?.spec ?? {};
  if (spec.restartPolicy !== 'Always') errs.push(notSupported(`${path}.spec.restartPolicy`, spec.restartPolicy ?? '', ['Always']));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const field = `${path}.spec.activeDeadlineSeconds`;
    const detail = `activeDeadlineSeconds in ${kind} is not Supported`;
    errs.push(deadlineError === 'invalid' ? invalid(field, spec.activeDeadlineSeconds, detail) : forbidden(field, detail));
  }
  return errs;
}
