// What the node-lifecycle controller concludes from a node's Lease renewals, and what it
// writes because of it: the conditions it marks Unknown and the taints that follow the node's
// conditions (Kubernetes' node_lifecycle_controller: tryUpdateNodeHealth, TaintNodesByCondition
// — NoSchedule taints from the conditions and from spec.unschedulable — and the NoExecute
// taints of the taint-based evictions).
import type { KubeObject } from '../../api/resource-type.ts';
import type { PhiAccrualDetector } from './phi-accrual.ts';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';

/** The conditions the agent owns; all go Unknown when it stops reporting. */
export const AGENT_CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

export interface DetectorSettings {
  /** φ at or above which a silent node is suspected (default 8). */
  phiThreshold: number;
  /** Never suspect a node silent for less than this (default 2 s): the floor. */
  minGracePeriodMs: number;
  /** Always suspect a node silent for this long, whatever φ says (node-monitor-grace-period, default 5 s). */
  gracePeriodMs: number;
}

export interface Judgement {
  suspect: boolean;
  silentMs: number;
  phi: number;
}

/** Is the node silent long enough, and improbably enough, to be suspected? */
export function judge(detector: PhiAccrualDetector, now: number, s: DetectorSettings): Judgement {
  const last = detector.lastHeartbeatAt;
  if (last === undefined) return { suspect: false, silentMs: 0, phi: 0 };
  const silentMs = now - last;
  const phi = detector.phi(now);
  const suspect = silentMs >= s.gracePeriodMs || (silentMs >= s.minGracePeriodMs && phi >= s.phiThreshold);
  return { suspect, silentMs, phi };
}

/** Kubernetes' taint a user puts on a node known to be shut down (non-graceful node shutdown). */
export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

/** Does the node carry the out-of-service taint (any effect, as Kubernetes checks the key)? */
export function isOutOfService(node: KubeObject | undefined): boolean {
  return ((node?.spec?.taints ?? []) as Taint[]).some((t) => t.key === TAINT_OUT_OF_SERVICE);
}

export function condition(node: KubeObject | undefined, type: string): Record<string, any> | undefined {
  return (node?.status?.conditions ?? []).find((c: { type: string }) => c.type === type);
}

/** 'True' | 'False' | 'Unknown', or undefined before the agent first reported. */
export function readyStatus(node: KubeObject | undefined): string | undefined {
  return condition(node, 'Ready')?.status;
}

/**
 * The node's conditions with every agent-owned one Unknown, as Kubernetes writes them when
 * the kubelet stops posting status; undefined when they already are. A condition never posted
 * gets the node's creation time as its lastHeartbeatTime, as in Kubernetes.
 */
export function unknownConditions(
  conditions: Record<string, any>[],
  nowIso: string,
  createdIso?: string,
): Record<string, any>[] | undefined {
  let changed = false;
  const next = conditions.map((c) => ({ ...c }));
  for (const type of AGENT_CONDITION_TYPES) {
    const existing = next.find((c) => c.type === type);
    if (!existing) {
      next.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: createdIso ?? nowIso,
        lastTransitionTime: nowIso,
      });
      changed = true;
    } else if (existing.status !== 'Unknown') {
      Object.assign(existing, {
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastTransitionTime: nowIso,
      });
      changed = true;
    }
  }
  return changed ? next : undefined;
}

/** The taint key that matches the Ready condition's status, if any. */
export function conditionTaintKey(ready: string | undefined): string | undefined {
  if (ready === 'Unknown') return TAINT_UNREACHABLE;
  if (ready === 'False') return TAINT_NOT_READY;
  return undefined;
}

export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/**
 * Kubernetes' nodeConditionToTaintKeyStatusMap (TaintNodesByCondition): which condition, in
 * which status, puts which NoSchedule taint on the node.
 */
const CONDITION_TAINTS = new Map<string, Map<string, string>>([
  [
    'Ready',
    new Map([
      ['False', TAINT_NOT_READY],
      ['Unknown', TAINT_UNREACHABLE],
    ]),
  ],
  ['MemoryPressure', new Map([['True', 'node.kubernetes.io/memory-pressure']])],
  ['DiskPressure', new Map([['True', 'node.kubernetes.io/disk-pressure']])],
  ['NetworkUnavailable', new Map([['True', 'node.kubernetes.io/network-unavailable']])],
  ['PIDPressure', new Map([['True', 'node.kubernetes.io/pid-pressure']])],
]);

/** The NoSchedule taint keys the controller owns: the condition ones and the cordon's. */
const NO_SCHEDULE_KEYS = new Set([...[...CONDITION_TAINTS.values()].flatMap((m) => [...m.values()]), TAINT_UNSCHEDULABLE]);

/**
 * The NoSchedule taints the node should carry, as Kubernetes' doNoScheduleTaintingPass: one
 * per condition in a tainting status (Ready False or Unknown, MemoryPressure, DiskPressure,
 * PIDPressure, NetworkUnavailable True), in the order of the node's conditions, then
 * node.kubernetes.io/unschedulable while spec.unschedulable is true (kubectl cordon).
 */
export function noScheduleTaintKeys(node: KubeObject | undefined): string[] {
  const keys: string[] = [];
  for (const c of (node?.status?.conditions ?? []) as { type?: string; status?: string }[]) {
    const key = CONDITION_TAINTS.get(String(c?.type))?.get(String(c?.status));
    if (key && !keys.includes(key)) keys.push(key);
  }
  if (node?.spec?.unschedulable === true) keys.push(TAINT_UNSCHEDULABLE);
  return keys;
}

/** A taint this controller adds and removes: its NoSchedule ones, and not-ready/unreachable NoExecute. */
const ours = (t: Taint) =>
  t.effect === 'NoSchedule'
    ? NO_SCHEDULE_KEYS.has(t.key)
    : t.effect === 'NoExecute' && (t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY);

/**
 * The node's taints with ours brought in line with its conditions and spec.unschedulable
 * (noScheduleTaintKeys) and, for NoExecute, with Ready: `noExecute` says whether the
 * NoExecute taint may be there (the eviction rate limiter and the disruption mode decide).
 * Other taints are kept, and so is a taint of ours still wanted, in place with its
 * timeAdded; a taint added goes at the end with `nowIso` as its timeAdded, NoSchedule as well
 * as NoExecute, as Kubernetes' SwapNodeControllerTaint stamps every taint the node controller
 * adds. As there, a taint matches by key and effect.
 */
export function desiredTaints(node: KubeObject, noExecute: boolean, nowIso: string): Taint[] {
  const current: Taint[] = node.spec?.taints ?? [];
  const wanted: Taint[] = noScheduleTaintKeys(node).map((key) => ({ key, effect: 'NoSchedule' }));
  const executeKey = conditionTaintKey(readyStatus(node));
  if (executeKey && noExecute) wanted.push({ key: executeKey, effect: 'NoExecute' });
  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  const kept = current.filter((t) => !ours(t) || wanted.some((w) => same(w, t)));
  const added = wanted.filter((w) => !current.some((t) => same(t, w))).map((w) => ({ ...w, timeAdded: nowIso }));
  return [...kept, ...added];
}

export function hasNoExecuteTaint(taints: Taint[]): boolean {
  return taints.some((t) => t.effect === 'NoExecute' && ours(t));
}

export function sameTaints(a: Taint[], b: Taint[]): boolean {
  const norm = (ts: Taint[]) =>
    ts
      .map((t) => `${t.key}=${t.value ?? ''}:${t.effect}@${t.timeAdded ?? ''}`)
      .sort()
      .join('|');
  return norm(a) === norm(b);
}
