// Finds, from what the runtime reports, the container a streaming request names: the newest
// attempt of that container in the pod's newest sandbox, and for `kubectl logs --previous` the
// newest attempt that ended (the container lastState describes). The runtime labels sandboxes
// with the pod's namespace and name, so this needs no API access.
import { access } from 'node:fs/promises';
import type { ContainerStatus, PodSandboxStatus, Runtime } from '../runtime/runtime.ts';

export interface ContainerRef {
  containerId: string;
  sandboxId: string;
  /** The log file of the current attempt. */
  logPath: string;
  /**
   * The log file of the newest attempt that ended, other than a running one (the container in
   * lastState: the current attempt itself when it exited and waits in back-off), when it still
   * exists. A removed container's log is removed with it.
   */
  previousLogPath?: string;
  running: boolean;
}

export type FindContainer = (namespace: string, pod: string, container: string) => Promise<ContainerRef | undefined>;
export type FindSandbox = (namespace: string, pod: string) => Promise<string | undefined>;

function newestSandboxFirst(a: PodSandboxStatus, b: PodSandboxStatus): number {
  if (a.state !== b.state) return a.state === 'ready' ? -1 : 1;
  return b.createdAt.getTime() - a.createdAt.getTime() || b.attempt - a.attempt;
}

function newestContainerFirst(a: ContainerStatus, b: ContainerStatus): number {
  return b.attempt - a.attempt || b.createdAt.getTime() - a.createdAt.getTime();
}

async function podSandboxes(runtime: Runtime, namespace: string, pod: string): Promise<PodSandboxStatus[]> {
  const all = await runtime.listPodSandboxes();
  return all.filter((s) => s.namespace === namespace && s.name === pod).sort(newestSandboxFirst);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export function runtimeContainerFinder(runtime: Runtime): { findContainer: FindContainer; findSandbox: FindSandbox } {
  return {
    async findContainer(namespace, pod, container) {
      let current: { status: ContainerStatus; sandboxId: string } | undefined;
      const ended: ContainerStatus[] = [];
      for (const sandbox of await podSandboxes(runtime, namespace, pod)) {
        const attempts = (await runtime.listContainers({ sandboxId: sandbox.id }))
          .filter((c) => c.name === container)
          .sort(newestContainerFirst);
        if (!current && attempts[0]) current = { status: attempts[0], sandboxId: sandbox.id };
        ended.push(...attempts.filter((c) => c.state === 'exited' || c.state === 'unknown'));
      }
      if (!current) return undefined;
      // What lastState describes, as the kubelet reads --previous from lastState.terminated:
      // the newest instance that ended, other than a running one. In CrashLoopBackOff that is
      // the newest attempt itself, the crash being debugged, not the one before it.
      const previous = ended.sort(newestContainerFirst)[0];
      let previousLogPath: string | undefined = previous?.logPath;
      if (previousLogPath && !(await exists(previousLogPath))) previousLogPath = undefined;
      return {
        containerId: current.status.id,
        sandboxId: current.sandboxId,
        logPath: current.status.logPath,
        previousLogPath,
        running: current.status.state === 'running',
      };
    },
    async findSandbox(namespace, pod) {
      const ready = (await podSandboxes(runtime, namespace, pod)).find((s) => s.state === 'ready');
      return ready?.id;
    },
  };
}
