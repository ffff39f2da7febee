// A minimal container environment resolver (plain values with $(VAR) expansion, and the common
// fieldRef paths), used when the agent is started without the full resolver of src/agent/env.
import type { KubeObject } from '../../api/resource-type.ts';
import { type EnvVar, expandVars } from './expand-vars.ts';

function fieldValue(pod: KubeObject, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelOrAnnotation) return String(meta[labelOrAnnotation[1]]?.[labelOrAnnotation[2]] ?? '');
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    default:
      throw new Error(`unsupported fieldPath: ${fieldPath}`);
  }
}

export async function resolveBasicEnv(pod: KubeObject, container: KubeObject): Promise<EnvVar[]> {
  const out: EnvVar[] = [];
  const values = new Map<string, string>();
  for (const entry of Array.isArray(container.env) ? container.env : []) {
    let value: string;
    if (entry.valueFrom?.fieldRef) value = fieldValue(pod, entry.valueFrom.fieldRef.fieldPath);
    else if (entry.valueFrom) throw new Error(`env var "${entry.name}": only value and fieldRef are supported by the basic resolver`);
    else value = expandVars(String(entry.value ?? ''), (name) => values.get(name));
    values.set(entry.name, value);
    out.push({ name: entry.name, value });
  }
  return out;
}
