// What the runtime says about one pod: its sandboxes and every container they hold, grouped by
// container name with the newest attempt first. This is the "actual" side of each pod sync;
// the agent keeps no copy of it, so a restarted agent sees exactly what its predecessor saw.
import type { ContainerStatus, PodSandboxStatus, Runtime } from '../runtime/runtime.ts';

export interface PodRuntimeState {
  /** Every sandbox of the pod, newest first. */
  sandboxes: PodSandboxStatus[];
  /** The newest ready sandbox, if any. */
  readySandbox?: PodSandboxStatus;
  /** Container name → its containers, newest attempt first. */
  containers: Map<string, ContainerStatus[]>;
}

function newestFirst(a: ContainerStatus, b: ContainerStatus): number {
  if (a.attempt !== b.attempt) return b.attempt - a.attempt;
  return b.createdAt.getTime() - a.createdAt.getTime();
}

export async function readPodRuntimeState(runtime: Runtime, podUid: string, allSandboxes?: PodSandboxStatus[]): Promise<PodRuntimeState> {
  const sandboxes = (allSandboxes ?? (await runtime.listPodSandboxes({ podUid })))
    .filter((s) => s.podUid === podUid)
    .sort((a, b) => b.attempt - a.attempt || b.createdAt.getTime() - a.createdAt.getTime());
  const containers = new Map<string, ContainerStatus[]>();
  for (const sandbox of sandboxes) {
    for (const c of await runtime.listContainers({ sandboxId: sandbox.id })) {
      const list = containers.get(c.name) ?? [];
      list.push(c);
      containers.set(c.name, list);
    }
  }
  for (const list of containers.values()) list.sort(newestFirst);
  return { sandboxes, readySandbox: sandboxes.find((s) => s.state === 'ready'), containers };
}

export function latestOf(state: PodRuntimeState, name: string): ContainerStatus | undefined {
  return state.containers.get(name)?.[0];
}

export function runningContainers(state: PodRuntimeState): ContainerStatus[] {
  return [...state.containers.values()].flat().filter((c) => c.state === 'running' || c.state === 'created');
}
