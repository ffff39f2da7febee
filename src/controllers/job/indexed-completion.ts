// Indexed Jobs: every pod carries a completion index (0…completions-1) in an annotation and
// a label, and status.completedIndexes lists the succeeded ones as compressed ranges
// ("0-3,5,7-9"), exactly as Kubernetes formats them.
import type { KubeObject } from '../../api/resource-type.ts';

export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** Kubernetes puts the index in a label too (PodIndexLabel), for selectors. */
export const JOB_COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** The pod's completion index, or undefined when missing or malformed. */
export function completionIndexOf(pod: KubeObject): number | undefined {
  const text = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] ?? pod.metadata?.labels?.[JOB_COMPLETION_INDEX_LABEL];
  if (typeof text !== 'string' || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** Parses "1,3-5" into {1,3,4,5}; indexes at or above `completions` are dropped. */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    for (let i = first; i <= last && i < completions; i++) out.add(i);
  }
  return out;
}

/** Formats indexes as sorted, compressed ranges: {0,1,2,5} → "0-2,5". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The first `count` indexes in 0…completions-1 that are neither done nor taken by an active pod. */
export function indexesToCreate(completions: number, done: Set<number>, active: Set<number>, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!done.has(i) && !active.has(i)) out.push(i);
  }
  return out;
}

/** Stamps the index on a pod being created: annotation, label, hostname and the env var. */
export function addCompletionIndex(pod: KubeObject, jobName: string, index: number): void {
  pod.metadata ??= {};
  const meta = pod.metadata;
  meta.annotations = { ...(meta.annotations ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) };
  meta.labels = { ...(meta.labels ?? {}), [JOB_COMPLETION_INDEX_LABEL]: String(index) };
  pod.spec ??= {};
  pod.spec.hostname ??= `${jobName}-${index}`;
  const env = {
    name: JOB_COMPLETION_INDEX_ENV,
    valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } },
  };
  for (const list of [pod.spec.initContainers, pod.spec.containers]) {
    for (const c of list ?? []) {
      const existing: { name: string }[] = c.env ?? [];
      if (!existing.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) c.env = [...existing, structuredClone(env)];
    }
  }
}
