// Turns a container of a pod spec into the runtime's ContainerConfig (generateContainerConfig in
// the kubelet): final argv, env, mounts (volumes plus the termination-message file), resources,
// log path, the user it runs as, and the labels that let a restarted agent recognise it.
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cpuMillis, memoryBytes } from '../../api/quantity.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import type { ContainerConfig, ContainerResources, Mount } from '../runtime/runtime.ts';
import type { EnvVar } from './expand-vars.ts';
import {
  CONTAINER_KIND_ANNOTATION,
  CONTAINER_NAME_LABEL,
  type ContainerKind,
  podLabels,
  TERMINATION_MESSAGE_HOST_PATH_ANNOTATION,
  TERMINATION_MESSAGE_PATH_ANNOTATION,
  TERMINATION_MESSAGE_POLICY_ANNOTATION,
} from './runtime-labels.ts';
import { containerRunAs, runAsNonRootViolation } from './security-context.ts';

/** A container that cannot be configured: waiting reason CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

/** `<dataDir>/pods/<namespace>_<name>_<uid>`: the pod's log directory (and our per-pod files). */
export function podDirectory(dataDir: string, pod: KubeObject): string {
  const meta = pod.metadata ?? {};
  return path.join(dataDir, 'pods', `${meta.namespace}_${meta.name}_${meta.uid}`);
}

export function containerLogPath(dataDir: string, pod: KubeObject, containerName: string, restartCount: number): string {
  return path.join(podDirectory(dataDir, pod), containerName, `${restartCount}.log`);
}

/**
 * The host file mounted at terminationMessagePath: beside the attempt's log, so that a start
 * creates no directories of its own for it (log readers take only `N.log` and `N.log.M`).
 */
export function terminationMessageHostPath(dataDir: string, pod: KubeObject, containerName: string, restartCount: number): string {
  return path.join(podDirectory(dataDir, pod), containerName, `${restartCount}.termination-log`);
}

export interface ContainerConfigInput {
  pod: KubeObject;
  container: KubeObject;
  kind: ContainerKind;
  restartCount: number;
  env: EnvVar[];
  /** Volume name → host path, from the volume manager. */
  volumePaths: Map<string, string>;
  dataDir: string;
  /** The runtime cannot run an image's own entrypoint, so `command` (or `args`) is required. */
  requireCommand: boolean;
  /** The user the image runs as when runAsUser is not set (for runAsNonRoot), if the runtime knows it. */
  imageUid?: number;
  runtimeName: string;
  expandArgs: (argv: string[], env: EnvVar[]) => string[];
}

function resourcesOf(container: KubeObject): ContainerResources {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const out: ContainerResources = {};
  try {
    if (limits.cpu != null) out.cpuLimitMillis = cpuMillis(limits.cpu);
    const cpuRequest = requests.cpu ?? limits.cpu;
    if (cpuRequest != null) out.cpuRequestMillis = cpuMillis(cpuRequest);
    if (limits.memory != null) out.memoryLimitBytes = memoryBytes(limits.memory);
  } catch (err) {
    throw new ContainerConfigError(`invalid resources: ${err instanceof Error ? err.message : String(err)}`);
  }
  return out;
}

/** configMap, secret, downwardAPI and projected volumes are always read-only, as in Kubernetes since 1.9.4. */
function isApiDataVolume(pod: KubeObject, volumeName: string): boolean {
  const volume = (Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : []).find((v: KubeObject) => v?.name === volumeName);
  return Boolean(volume?.configMap || volume?.secret || volume?.downwardAPI || volume?.projected);
}

async function volumeMounts(input: ContainerConfigInput): Promise<Mount[]> {
  const mounts: Mount[] = [];
  for (const vm of Array.isArray(input.container.volumeMounts) ? input.container.volumeMounts : []) {
    const hostPath = input.volumePaths.get(vm.name);
    if (hostPath === undefined) {
      throw new ContainerConfigError(`cannot find volume "${vm.name}" to mount into container "${input.container.name}"`);
    }
    let subPath: string = vm.subPath ?? '';
    if (vm.subPathExpr) subPath = input.expandArgs([vm.subPathExpr], input.env)[0];
    let source = hostPath;
    if (subPath) {
      if (path.isAbsolute(subPath) || subPath.split('/').includes('..')) {
        throw new ContainerConfigError(`invalid subpath "${subPath}" in container "${input.container.name}"`);
      }
      source = path.join(hostPath, subPath);
      // As the kubelet does, a missing subPath inside a directory volume is created.
      const exists = await stat(source).then(
        () => true,
        () => false,
      );
      if (!exists) await mkdir(source, { recursive: true });
    }
    mounts.push({ containerPath: vm.mountPath, hostPath: source, readOnly: vm.readOnly === true || isApiDataVolume(input.pod, vm.name) });
  }
  return mounts;
}

const containerList: Record<ContainerKind, string> = { app: 'containers', init: 'initContainers', ephemeral: 'ephemeralContainers' };

export async function buildContainerConfig(input: ContainerConfigInput): Promise<ContainerConfig> {
  const { pod, container, restartCount, dataDir } = input;
  const command: string[] = Array.isArray(container.command) ? container.command : [];
  const args: string[] = Array.isArray(container.args) ? container.args : [];
  // Without a command, args alone run as the command: what an image without an ENTRYPOINT
  // (busybox, alpine, debian, …) does, and what `kubectl run NAME --image=IMG -- CMD…` sends.
  if (command.length === 0 && args.length === 0 && input.requireCommand) {
    throw new ContainerConfigError(
      `container "${container.name}" has no command: the ${input.runtimeName} runtime cannot run an image's entrypoint, ` +
        `so spec.${containerList[input.kind]}[].command (or args) must be set`,
    );
  }
  const violation = runAsNonRootViolation(pod, container, input.imageUid);
  if (violation) throw new ContainerConfigError(violation);
  const argv = input.expandArgs([...command, ...args], input.env);
  const mounts = await volumeMounts(input);

  const annotations: Record<string, string> = { [CONTAINER_KIND_ANNOTATION]: input.kind };
  const logPath = containerLogPath(dataDir, pod, container.name, restartCount);
  await mkdir(path.dirname(logPath), { recursive: true });
  const messagePath: string | undefined = container.terminationMessagePath || undefined;
  if (messagePath) {
    // Like the kubelet: a fresh, world-writable file per attempt, mounted at terminationMessagePath.
    const hostFile = terminationMessageHostPath(dataDir, pod, container.name, restartCount);
    await writeFile(hostFile, '');
    await chmod(hostFile, 0o666);
    mounts.push({ containerPath: messagePath, hostPath: hostFile, readOnly: false });
    annotations[TERMINATION_MESSAGE_PATH_ANNOTATION] = messagePath;
    annotations[TERMINATION_MESSAGE_HOST_PATH_ANNOTATION] = hostFile;
  }
  annotations[TERMINATION_MESSAGE_POLICY_ANNOTATION] = container.terminationMessagePolicy ?? 'File';

  return {
    name: container.name,
    attempt: restartCount,
    image: container.image ?? '',
    argv,
    workingDir: container.workingDir || undefined,
    env: input.env,
    mounts,
    logPath,
    tty: container.tty === true,
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    resources: resourcesOf(container),
    runAs: containerRunAs(pod, container),
    labels: { ...podLabels(pod), [CONTAINER_NAME_LABEL]: container.name },
    annotations,
  };
}
