// The one place this part reaches into the core pod code: pod template defaulting and
// validation, shared by every workload kind (apps, batch).
import type { FieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { defaultPodTemplateSpec } from '../core/pod-defaults.ts';
import { validatePodTemplateSpec } from '../core/pod-validation.ts';

/** Apply Kubernetes' pod defaults to a template, creating it when absent. */
export function defaultTemplate(spec: KubeObject, key = 'template'): void {
  spec[key] ??= {};
  defaultPodTemplateSpec(spec[key]);
}

/** Validate a pod template (labels, annotations and pod spec) at `path`. */
export function validateTemplate(template: KubeObject | undefined, path: string): FieldError[] {
  return validatePodTemplateSpec(template ?? {}, path);
}
