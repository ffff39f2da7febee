// The downward API's values: pod fields (fieldRef) and container resources
// (resourceFieldRef), shared by environment variables and downwardAPI/projected volumes.
// Texts and rounding follow the kubelet, since apps parse them.
import os from 'node:os';
import { goQuote } from '../../api/go-quote.ts';
import { parseQuantity, type Quantity } from '../../api/quantity.ts';
import type { KubeObject } from '../../api/resource-type.ts';

type Json = Record<string, any>;

/** A whole label/annotation map as the downward API writes it: sorted `key="value"` lines. */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(String(map?.[k] ?? ''))}`)
    .join('\n');
}

const SUBSCRIPTED = /^metadata\.(labels|annotations)\['(.*)'\]$/;
const FIELD_LABELS = new Set([
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'metadata.labels',
  'metadata.annotations',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

/** Pod metadata fields: all that downwardAPI volumes may project. */
export function metadataFieldValue(pod: KubeObject, fieldPath: string): string {
  const meta: Json = pod.metadata ?? {};
  const sub = SUBSCRIPTED.exec(fieldPath);
  if (sub) return String(meta[sub[1]]?.[sub[2]] ?? '');
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    default:
      throw new Error(`unsupported fieldPath: ${fieldPath}`);
  }
}

/**
 * A fieldRef value for an environment variable. `pod.status` should carry the pod's IPs
 * and the host's (the agent fills them in before the first status write); hostIP falls
 * back to the node's InternalIP.
 */
export function podFieldValue(pod: KubeObject, fieldRef: Json, node?: KubeObject): string {
  const apiVersion: string = fieldRef.apiVersion || 'v1';
  const fieldPath = String(fieldRef.fieldPath ?? '');
  if (apiVersion !== 'v1') throw new Error(`unsupported pod version: ${apiVersion}`);
  if (!FIELD_LABELS.has(fieldPath) && !SUBSCRIPTED.test(fieldPath)) throw new Error(`field label not supported: ${fieldPath}`);
  const status: Json = pod.status ?? {};
  const podIPs: string[] = (status.podIPs ?? []).map((p: Json) => p.ip).filter(Boolean);
  if (podIPs.length === 0 && status.podIP) podIPs.push(status.podIP);
  switch (fieldPath) {
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return hostIPsOf(pod, node)[0] ?? '';
    case 'status.hostIPs':
      return hostIPsOf(pod, node).join(',');
    case 'status.podIP':
      return podIPs[0] ?? '';
    case 'status.podIPs':
      return podIPs.join(',');
    default:
      return metadataFieldValue(pod, fieldPath);
  }
}

function hostIPsOf(pod: KubeObject, node?: KubeObject): string[] {
  const status: Json = pod.status ?? {};
  const ips: string[] = (status.hostIPs ?? []).map((h: Json) => h.ip).filter(Boolean);
  if (ips.length === 0 && status.hostIP) ips.push(status.hostIP);
  if (ips.length > 0) return ips;
  const addresses: Json[] = node?.status?.addresses ?? [];
  return addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address);
}

/** The resources a unset limit defaults to (node allocatable, else what the OS reports). */
export function nodeAllocatable(node?: KubeObject): Record<string, string> {
  const allocatable: Record<string, string> = { ...(node?.status?.allocatable ?? {}) };
  allocatable.cpu ??= String(os.availableParallelism());
  allocatable.memory ??= String(os.totalmem());
  return allocatable;
}

const DEFAULTED_LIMITS = ['cpu', 'memory', 'ephemeral-storage'];

/**
 * A resourceFieldRef value ("limits.cpu", "requests.memory", …) for `container`, divided
 * by `divisor` and rounded up. As in the kubelet, cpu/memory/ephemeral-storage limits that
 * are unset (or zero) read as the node's allocatable amount. With `containerName`, the named
 * container of the pod is used instead.
 */
export function containerResourceValue(pod: KubeObject, container: KubeObject | undefined, ref: Json, node?: KubeObject): string {
  let target = container;
  if (ref.containerName) {
    const all: Json[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
    target = all.find((c) => c.name === ref.containerName);
    if (!target) throw new Error(`container ${ref.containerName} not found`);
  }
  const resource = String(ref.resource ?? '');
  const m = /^(limits|requests)\.(.+)$/.exec(resource);
  const name = m?.[2] ?? '';
  if (!m || !(DEFAULTED_LIMITS.includes(name) || name.startsWith('hugepages-'))) {
    throw new Error(`unsupported container resource : ${resource}`);
  }
  const listed: Record<string, string> = target?.resources?.[m[1]] ?? {};
  let amount: string | undefined = listed[name];
  if (m[1] === 'limits' && DEFAULTED_LIMITS.includes(name) && (amount == null || parseQuantity(amount).isZero())) {
    amount = nodeAllocatable(node)[name];
  }
  const quantity = parseQuantity(amount ?? '0');
  const divisor =
    ref.divisor == null || ref.divisor === '' || parseQuantity(ref.divisor).isZero() ? parseQuantity('1') : parseQuantity(ref.divisor);
  return String(name === 'cpu' ? divideRoundUp(quantity, divisor, true) : divideRoundUp(quantity, divisor, false));
}

function divideRoundUp(q: Quantity, divisor: Quantity, milli: boolean): number {
  const value = milli ? q.milliValue() : q.value();
  const by = milli ? divisor.milliValue() : divisor.value();
  return Math.ceil(value / by);
}
