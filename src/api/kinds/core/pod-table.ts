// `kubectl get pods` columns and cells, computed exactly like kube-apiserver's printPod
// (pkg/printers/internalversion/printers.go): READY counts, the STATUS summary and RESTARTS.
import { age, humanDuration } from '../../printers/age.ts';
import type { KubeObject, TableCell, TableColumn } from '../../resource-type.ts';
import { ageColumn, column, nameColumn } from './print-helpers.ts';

type Json = Record<string, any>;

/** Reason the node lifecycle controller gives pods on an unreachable node. */
export const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

export const podColumns: TableColumn[] = [
  nameColumn,
  column('Ready', 'How many containers of the pod are ready, out of how many.'),
  column('Status', 'A summary of the state of the containers of the pod.'),
  column('Restarts', 'Container restarts, and how long ago the last one happened.'),
  ageColumn,
  column('IP', 'IP address allocated to the pod.', 1),
  column('Node', 'Node the pod is scheduled to.', 1),
  column('Nominated Node', 'Node the pod will likely run on once preemption finishes.', 1),
  column('Readiness Gates', 'How many readiness gates of the pod are True, out of how many.', 1),
];

const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null) : []);

/** A sidecar: an init container that keeps running, restartPolicy Always. */
const isRestartableInit = (container: Json | undefined): boolean => container?.restartPolicy === 'Always';

function conditionTrue(status: Json, type: string): boolean {
  return listOf(status.conditions).some((c) => c.type === type && c.status === 'True');
}

/** Parses an RFC 3339 time; 0 when absent, so it never wins a "latest" comparison. */
function timeOf(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const t = Date.parse(value);
  return Number.isNaN(t) ? 0 : t;
}

function terminatedReason(terminated: Json, prefix: string): string {
  if (terminated.reason) return prefix + terminated.reason;
  if (terminated.signal) return `${prefix}Signal:${terminated.signal}`;
  return `${prefix}ExitCode:${terminated.exitCode ?? 0}`;
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** READY, STATUS and RESTARTS of one pod. */
export function summarizePod(pod: KubeObject, now: Date): PodSummary {
  const spec: Json = pod.spec ?? {};
  const status: Json = pod.status ?? {};
  const phase: string = status.phase ?? '';
  let reason = status.reason || phase;
  if (listOf(status.conditions).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const initSpecs = new Map<string, Json>();
  let totalContainers = listOf(spec.containers).length;
  for (const container of listOf(spec.initContainers)) {
    initSpecs.set(container.name, container);
    if (isRestartableInit(container)) totalContainers++;
  }
  const initCount = listOf(spec.initContainers).length;

  let restarts = 0;
  let lastRestart = 0;
  let sidecarRestarts = 0;
  let lastSidecarRestart = 0;
  let readyContainers = 0;
  let initializing = false;

  const initStatuses = listOf(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const state: Json = cs.state ?? {};
    const finished = timeOf(cs.lastState?.terminated?.finishedAt);
    restarts += cs.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finished);
    const sidecar = isRestartableInit(initSpecs.get(cs.name));
    if (sidecar) {
      sidecarRestarts += cs.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, finished);
    }
    if (state.terminated && (state.terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (state.terminated) reason = terminatedReason(state.terminated, 'Init:');
    else if (state.waiting?.reason && state.waiting.reason !== 'PodInitializing') reason = `Init:${state.waiting.reason}`;
    else reason = `Init:${i}/${initCount}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = listOf(status.containerStatuses);
    // Kubernetes walks the list backwards, so the first container's state wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      const state: Json = cs.state ?? {};
      restarts += cs.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, timeOf(cs.lastState?.terminated?.finishedAt));
      if (state.waiting?.reason) reason = state.waiting.reason;
      else if (state.terminated) reason = terminatedReason(state.terminated, '');
      else if (cs.ready && state.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(status, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = pod.metadata?.deletionTimestamp != null;
  if (deleting && status.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) restartsCell = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;

  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsCell };
}

function readinessGatesCell(spec: Json, status: Json): string {
  const gates = listOf(spec.readinessGates);
  if (gates.length === 0) return '<none>';
  const conditions = listOf(status.conditions);
  let trueCount = 0;
  for (const gate of gates) {
    const condition = conditions.find((c) => c.type === gate.conditionType);
    if (condition?.status === 'True') trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

/** One `kubectl get pods` row, wide columns included (kubectl hides them without -o wide). */
export function podRow(pod: KubeObject, now: Date): TableCell[] {
  const spec: Json = pod.spec ?? {};
  const status: Json = pod.status ?? {};
  const summary = summarizePod(pod, now);
  const podIP = listOf(status.podIPs)[0]?.ip || '<none>';
  return [
    pod.metadata?.name ?? '',
    summary.ready,
    summary.status,
    summary.restarts,
    age(pod.metadata?.creationTimestamp, now),
    podIP,
    spec.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    readinessGatesCell(spec, status),
  ];
}

export const podTable = { columns: podColumns, row: podRow };
