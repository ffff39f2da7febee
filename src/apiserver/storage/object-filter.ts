// Label and field selector filtering of API objects, for list and watch.
import type { KubeObject, ResourceType } from '../../api/resource-type.ts';
import { type FieldMatcher, parseFieldSelector } from '../../api/selectors/field-selector.ts';
import { type LabelMatcher, parseLabelSelector } from '../../api/selectors/label-selector.ts';
import { badRequest } from '../errors.ts';

export interface ObjectFilter {
  matches(obj: KubeObject): boolean;
}

/** Builds a filter from the labelSelector/fieldSelector query parameters; undefined when both are empty. */
export function objectFilter(rt: ResourceType, labelSelector?: string, fieldSelector?: string): ObjectFilter | undefined {
  let labels: LabelMatcher | undefined;
  let fields: FieldMatcher | undefined;
  if (labelSelector?.trim()) {
    try {
      labels = parseLabelSelector(labelSelector);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
  }
  if (fieldSelector?.trim()) {
    try {
      fields = parseFieldSelector(fieldSelector);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    const supported = new Set(['metadata.name', 'metadata.namespace', ...Object.keys(rt.selectableFields?.(sampleObject) ?? {})]);
    for (const name of fields.fieldNames()) {
      if (!supported.has(name)) throw badRequest(`field label not supported: ${name}`);
    }
  }
  if (!labels && !fields) return undefined;
  return {
    matches(obj: KubeObject): boolean {
      if (labels && !labels.matches(obj.metadata?.labels ?? {})) return false;
      if (fields && !fields.matches(objectFields(rt, obj))) return false;
      return true;
    },
  };
}

// selectableFields() is called on an empty object to learn the supported field names.
const sampleObject: KubeObject = { metadata: {}, spec: {}, status: {} };

function objectFields(rt: ResourceType, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = {
    'metadata.name': obj.metadata?.name ?? '',
    ...(rt.namespaced ? { 'metadata.namespace': obj.metadata?.namespace ?? '' } : {}),
    ...(rt.selectableFields?.(obj) ?? {}),
  };
  return fields;
}
