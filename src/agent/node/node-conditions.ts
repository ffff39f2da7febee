// The node conditions the agent owns — MemoryPressure, DiskPressure, PIDPressure and Ready —
// with the kubelet's reasons, messages and time semantics: lastHeartbeatTime is the time of
// every report, lastTransitionTime moves only when the status flips, and a status event
// ("Node x status is now: NodeReady") is recorded for each flip and for each condition's
// first appearance. Conditions of other types (set by other components) are kept as they are.

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ConditionInputs {
  ready: boolean;
  /** Why the node is not ready (Ready's message when `ready` is false). */
  notReadyMessage?: string;
  /** A soft problem worth showing while ready, appended as the kubelet does (". WARNING: …"). */
  readyWarning?: string;
  memoryPressure: boolean;
  diskPressure: boolean;
  pidPressure: boolean;
}

interface PressureWording {
  type: string;
  onReason: string;
  onMessage: string;
  onEvent: string;
  offReason: string;
  offMessage: string;
  offEvent: string;
}

const memoryWording: PressureWording = {
  type: 'MemoryPressure',
  onReason: 'KubeletHasInsufficientMemory',
  onMessage: 'kubelet has insufficient memory available',
  onEvent: 'NodeHasInsufficientMemory',
  offReason: 'KubeletHasSufficientMemory',
  offMessage: 'kubelet has sufficient memory available',
  offEvent: 'NodeHasSufficientMemory',
};

const diskWording: PressureWording = {
  type: 'DiskPressure',
  onReason: 'KubeletHasDiskPressure',
  onMessage: 'kubelet has disk pressure',
  onEvent: 'NodeHasDiskPressure',
  offReason: 'KubeletHasNoDiskPressure',
  offMessage: 'kubelet has no disk pressure',
  offEvent: 'NodeHasNoDiskPressure',
};

const pidWording: PressureWording = {
  type: 'PIDPressure',
  onReason: 'KubeletHasInsufficientPID',
  onMessage: 'kubelet has insufficient PID available',
  onEvent: 'NodeHasInsufficientPID',
  offReason: 'KubeletHasSufficientPID',
  offMessage: 'kubelet has sufficient PID available',
  offEvent: 'NodeHasSufficientPID',
};

export const OWNED_CONDITION_TYPES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];

export const READY_MESSAGE = 'kubelet is posting ready status';

/** The message of every node status event, in the kubelet's words. */
export function nodeStatusEventMessage(nodeName: string, reason: string): string {
  return `Node ${nodeName} status is now: ${reason}`;
}

/**
 * The next conditions from the previous ones and fresh inputs at `now` (an RFC 3339 time).
 * `events` lists the event reasons to record, in order. The input array is not modified.
 */
export function nextNodeConditions(
  previous: readonly NodeCondition[],
  inputs: ConditionInputs,
  now: string,
): { conditions: NodeCondition[]; events: string[] } {
  const conditions = previous.map((c) => ({ ...c }));
  const events: string[] = [];
  const find = (type: string) => conditions.find((c) => c.type === type);

  const pressures: [PressureWording, boolean][] = [
    [memoryWording, inputs.memoryPressure],
    [diskWording, inputs.diskPressure],
    [pidWording, inputs.pidPressure],
  ];
  for (const [w, pressure] of pressures) {
    let condition = find(w.type);
    if (!condition) {
      // A new condition starts Unknown, so the checks below always give it a first status.
      condition = { type: w.type, status: 'Unknown' };
      conditions.push(condition);
    }
    condition.lastHeartbeatTime = now;
    const wanted = pressure ? 'True' : 'False';
    if (condition.status !== wanted) {
      condition.status = wanted;
      condition.reason = pressure ? w.onReason : w.offReason;
      condition.message = pressure ? w.onMessage : w.offMessage;
      condition.lastTransitionTime = now;
      events.push(pressure ? w.onEvent : w.offEvent);
    }
  }

  let message = inputs.ready ? READY_MESSAGE : inputs.notReadyMessage || 'kubelet is not ready';
  if (inputs.ready && inputs.readyWarning) message = `${message}. WARNING: ${inputs.readyWarning}`;
  const ready: NodeCondition = {
    type: 'Ready',
    status: inputs.ready ? 'True' : 'False',
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason: inputs.ready ? 'KubeletReady' : 'KubeletNotReady',
    message,
  };
  const index = conditions.findIndex((c) => c.type === 'Ready');
  if (index < 0) {
    // Ready goes last, as the kubelet keeps it (old clients read the last condition).
    conditions.push(ready);
  } else {
    const old = conditions[index];
    if (old.status === ready.status) ready.lastTransitionTime = old.lastTransitionTime ?? now;
    else events.push(inputs.ready ? 'NodeReady' : 'NodeNotReady');
    conditions[index] = ready;
  }
  return { conditions, events };
}

/** Conditions without their heartbeat times: what decides whether a status write is needed. */
export function withoutHeartbeats(conditions: readonly NodeCondition[] | undefined): Omit<NodeCondition, 'lastHeartbeatTime'>[] {
  return (conditions ?? []).map(({ lastHeartbeatTime: _, ...rest }) => rest);
}
