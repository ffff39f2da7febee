// The pod status the agent reports, computed from the runtime's containers the way the kubelet's
// generateAPIPodStatus does: container statuses (state, lastState, ready, started,
// restartCount), the phase (getPhase) and the kubelet-owned conditions. Pure: no I/O.
import { metaTime } from '../../api/meta-time.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import type { ContainerStatus, PodSandboxStatus } from '../runtime/runtime.ts';

type Json = Record<string, any>;

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface WaitingReason {
  reason: string;
  message?: string;
}

export interface PodStatusInputs {
  pod: KubeObject;
  sandbox?: PodSandboxStatus;
  /** Last known pod IP (kept once the sandbox is gone, as the kubelet does). */
  podIP?: string;
  hostIP?: string;
  /** Container name → its runtime containers, newest attempt first. */
  containers: Map<string, ContainerStatus[]>;
  /** Container id → terminated.message. */
  messages: Map<string, string>;
  /** Container name → why it is waiting (CrashLoopBackOff, CreateContainerConfigError, …). */
  waiting: Map<string, WaitingReason>;
  isReady(containerId: string): boolean;
  isStarted(containerId: string): boolean;
  runtimeName: string;
  /** The pod will run nothing more (deleted, or finished): its phase becomes Succeeded/Failed. */
  podIsTerminal: boolean;
  startTime: string;
  /** The pod was terminated abnormally (evicted): phase Failed with this status.reason and message. */
  failed?: { reason: string; message: string };
}

export const KUBELET_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];

/** RFC 3339 with second precision, as Kubernetes serializes metav1.Time. */
export function rfc3339(d: Date): string {
  return metaTime(d);
}

const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null) : []);
export const isSidecar = (c: Json): boolean => c.restartPolicy === 'Always';

function terminatedOf(cs: ContainerStatus, runtimeName: string, message: string | undefined): Json {
  if (cs.state === 'unknown') {
    return {
      terminated: {
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message: 'The container could not be located when the pod was terminated',
        startedAt: cs.startedAt ? rfc3339(cs.startedAt) : null,
        finishedAt: cs.finishedAt ? rfc3339(cs.finishedAt) : null,
        containerID: `${runtimeName}://${cs.id}`,
      },
    };
  }
  const terminated: Json = {
    exitCode: cs.exitCode ?? 0,
    reason: cs.reason || (cs.exitCode === 0 ? 'Completed' : 'Error'),
    startedAt: cs.startedAt ? rfc3339(cs.startedAt) : null,
    finishedAt: cs.finishedAt ? rfc3339(cs.finishedAt) : null,
    containerID: `${runtimeName}://${cs.id}`,
  };
  if (message) terminated.message = message;
  return { terminated };
}

const isDone = (cs: ContainerStatus | undefined) => cs?.state === 'exited' || cs?.state === 'unknown';

function containerStatusOf(spec: Json, inputs: PodStatusInputs, defaultWaiting: string): Json {
  const attempts = inputs.containers.get(spec.name) ?? [];
  const [latest, previous] = attempts;
  const override = inputs.podIsTerminal ? undefined : inputs.waiting.get(spec.name);
  const waiting = (w: WaitingReason): Json => ({ waiting: w.message ? { reason: w.reason, message: w.message } : { reason: w.reason } });
  const terminated = (cs: ContainerStatus) => terminatedOf(cs, inputs.runtimeName, inputs.messages.get(cs.id));
  let state: Json;
  let lastState: Json = {};
  if (!latest) {
    state = waiting(override ?? { reason: defaultWaiting });
  } else if (latest.state === 'running') {
    state = { running: { startedAt: rfc3339(latest.startedAt ?? latest.createdAt) } };
    if (previous && isDone(previous)) lastState = terminated(previous);
  } else if (isDone(latest)) {
    if (override) {
      state = waiting(override);
      lastState = terminated(latest);
    } else {
      state = terminated(latest);
      if (previous && isDone(previous)) lastState = terminated(previous);
    }
  } else {
    state = waiting(override ?? { reason: defaultWaiting });
    if (previous && isDone(previous)) lastState = terminated(previous);
  }
  const running = latest?.state === 'running';
  const out: Json = {
    name: spec.name,
    state,
    lastState,
    ready: running && inputs.isReady(latest.id),
    restartCount: latest?.attempt ?? 0,
    image: spec.image ?? '',
    imageID: latest?.imageRef ?? '',
  };
  if (latest) out.containerID = `${inputs.runtimeName}://${latest.id}`;
  out.started = running && inputs.isStarted(latest.id);
  return out;
}

/** A regular init container is ready once it has exited 0 (the kubelet's prober manager); a sidecar by its probes. */
function initContainerStatusOf(spec: Json, inputs: PodStatusInputs, defaultWaiting: string): Json {
  const status = containerStatusOf(spec, inputs, defaultWaiting);
  if (!isSidecar(spec)) status.ready = status.state.terminated?.exitCode === 0;
  return status;
}

/** An ephemeral container is never ready, and the kubelet reports no `started` for it. */
function ephemeralContainerStatusOf(spec: Json, inputs: PodStatusInputs): Json {
  const { started: _, ...status } = containerStatusOf(spec, inputs, 'ContainerCreating');
  return { ...status, ready: false };
}

/** getPhase: Pending until every container started, Succeeded/Failed once all are done for good. */
export function podPhase(spec: Json, initStatuses: Json[], statuses: Json[], podIsTerminal: boolean): PodPhase {
  const restartPolicy = spec.restartPolicy ?? 'Always';
  const find = (list: Json[], name: string) => list.find((s) => s.name === name);
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const c of listOf(spec.initContainers)) {
    const cs = find(initStatuses, c.name);
    if (!cs) {
      pendingInitialization++;
      continue;
    }
    if (isSidecar(c)) {
      if (!cs.state?.running || !cs.started) pendingInitialization++;
      continue;
    }
    if (cs.state?.running) pendingInitialization++;
    else if (cs.state?.terminated) {
      if (cs.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (cs.state?.waiting) {
      if (cs.lastState?.terminated) {
        if (cs.lastState.terminated.exitCode !== 0) failedInitialization++;
      } else pendingInitialization++;
    } else pendingInitialization++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of listOf(spec.containers)) {
    const cs = find(statuses, c.name);
    if (!cs) unknown++;
    else if (cs.state?.running) running++;
    else if (cs.state?.terminated) {
      stopped++;
      if (cs.state.terminated.exitCode === 0) succeeded++;
    } else if (cs.state?.waiting) {
      if (cs.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  const anyRegularStarted = statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if ((pendingInitialization > 0 && !anyRegularStarted) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

const names = (list: string[]) => `[${list.join(' ')}]`;

function initializedCondition(spec: Json, initStatuses: Json[], statuses: Json[], phase: PodPhase): Json {
  const inits = listOf(spec.initContainers);
  if (inits.length === 0) return { type: 'Initialized', status: 'True' };
  const incomplete: string[] = [];
  for (const c of inits) {
    const cs = initStatuses.find((s) => s.name === c.name);
    if (isSidecar(c)) {
      if (!cs?.started) incomplete.push(c.name);
    } else if (cs?.state?.terminated?.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === 'Succeeded') return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  if (statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated))
    return { type: 'Initialized', status: 'True' };
  if (incomplete.length > 0) {
    return {
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: `containers with incomplete status: ${names(incomplete)}`,
    };
  }
  return { type: 'Initialized', status: 'True' };
}

function containersReadyCondition(spec: Json, initStatuses: Json[], statuses: Json[], phase: PodPhase): Json {
  if (phase === 'Succeeded') return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const unready: string[] = [];
  for (const c of listOf(spec.initContainers).filter(isSidecar)) {
    if (!initStatuses.find((s) => s.name === c.name)?.ready) unready.push(c.name);
  }
  for (const c of listOf(spec.containers)) {
    if (!statuses.find((s) => s.name === c.name)?.ready) unready.push(c.name);
  }
  if (unready.length > 0) {
    return {
      type: 'ContainersReady',
      status: 'False',
      reason: 'ContainersNotReady',
      message: `containers with unready status: ${names(unready)}`,
    };
  }
  return { type: 'ContainersReady', status: 'True' };
}

function readyCondition(spec: Json, containersReady: Json, otherConditions: Json[]): Json {
  if (containersReady.status !== 'True') {
    const out: Json = { type: 'Ready', status: 'False', reason: containersReady.reason };
    if (containersReady.message) out.message = containersReady.message;
    return out;
  }
  const unready: string[] = [];
  for (const gate of listOf(spec.readinessGates)) {
    const c = otherConditions.find((x) => x.type === gate.conditionType);
    if (!c) unready.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') unready.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (unready.length > 0) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: unready.join(', ') };
  return { type: 'Ready', status: 'True' };
}

/** The status the agent wants the pod to have (conditions without timestamps; see mergePodStatus). */
export function generatePodStatus(inputs: PodStatusInputs): Json {
  const { pod } = inputs;
  const spec: Json = pod.spec ?? {};
  const old: Json = pod.status ?? {};
  const hasInit = listOf(spec.initContainers).length > 0;
  const defaultWaiting = hasInit ? 'PodInitializing' : 'ContainerCreating';
  const initStatuses = listOf(spec.initContainers).map((c) => initContainerStatusOf(c, inputs, defaultWaiting));
  const statuses = listOf(spec.containers).map((c) => containerStatusOf(c, inputs, defaultWaiting));

  let phase = podPhase(spec, initStatuses, statuses, inputs.podIsTerminal);
  // A terminal phase is final (the kubelet never moves a pod out of Succeeded/Failed).
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;
  // TerminatePodAbnormally (an eviction): Failed, whatever the containers' exit codes.
  if (inputs.failed) phase = 'Failed';

  const otherConditions = listOf(old.conditions).filter((c) => !KUBELET_CONDITIONS.includes(c.type));
  const sandboxReady = inputs.sandbox?.state === 'ready' && !!inputs.sandbox.ip;
  const containersReady = containersReadyCondition(spec, initStatuses, statuses, phase);
  const conditions = [
    ...otherConditions,
    { type: 'PodReadyToStartContainers', status: sandboxReady ? 'True' : 'False' },
    initializedCondition(spec, initStatuses, statuses, phase),
    readyCondition(spec, containersReady, otherConditions),
    containersReady,
    { type: 'PodScheduled', status: 'True' },
  ];

  const status: Json = { phase, conditions };
  if (inputs.failed) {
    status.reason = inputs.failed.reason;
    status.message = inputs.failed.message;
  }
  const podIP = inputs.sandbox?.ip || inputs.podIP;
  if (inputs.hostIP) {
    status.hostIP = inputs.hostIP;
    status.hostIPs = [{ ip: inputs.hostIP }];
  }
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  status.startTime = old.startTime ?? inputs.startTime;
  if (hasInit) status.initContainerStatuses = initStatuses;
  status.containerStatuses = statuses;
  const ephemeral = listOf(spec.ephemeralContainers);
  if (ephemeral.length > 0) status.ephemeralContainerStatuses = ephemeral.map((c) => ephemeralContainerStatusOf(c, inputs));
  return status;
}
