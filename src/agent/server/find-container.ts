// Finds, from what the runtime reports, the container a streaming request names: the newest
// attempt of that container in the pod's newest sandbox, and the attempt before it for
// `kubectl logs --previous`. The runtime labels sandboxes with the pod's namespace and name,
// so this needs no API access.
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ContainerStatus, PodSandboxStatus, Runtime } from '../runtime/runtime.ts';

export interface ContainerRef {
  containerId: string;
  sandboxId: string;
  /** The log file of the current attempt. */
  logPath: string;
  /** The log file of the attempt before, when it still exists. */
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
      for (const sandbox of await podSandboxes(runtime, namespace, pod)) {
        const attempts = (await runtime.listContainers({ sandboxId: sandbox.id }))
          .filter((c) => c.name === container)
          .sort(newestContainerFirst);
        const current = attempts[0];
        if (!current) continue;
        let previousLogPath: string | undefined = attempts[1]?.logPath;
        if (previousLogPath && !(await exists(previousLogPath))) previousLogPath = undefined;
        if (!previousLogPath && current.attempt > 0) {
          // The container itself may have been removed; its log file is kept beside the current one.
          const sibling = join(dirname(current.logPath), `${current.attempt - 1}.log`);
          if (sibling !== current.logPath && (await exists(sibling))) previousLogPath = sibling;
        }
        return {
          containerId: current.id,
          sandboxId: sandbox.id,
          logPath: current.logPath,
          previousLogPath,
          running: current.state === 'running',
        };
      }
      return undefined;
    },
    async findSandbox(namespace, pod) {
      const ready = (await podSandboxes(runtime, namespace, pod)).find((s) => s.state === 'ready');
      return ready?.id;
    },
  };
}
