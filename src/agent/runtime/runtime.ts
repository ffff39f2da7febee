// The container runtime interface the node agent drives, shaped like Kubernetes' CRI:
// pod sandboxes, containers, exec/attach/port-forward streams and stats. The agent never
// knows which runtime it talks to; each implementation is a folder beside this file
// (process/ now; real containers later) with the same shape.
import type { Duplex, Readable, Writable } from 'node:stream';

export interface KeyValueMap {
  [key: string]: string;
}

export interface PodSandboxConfig {
  podUid: string;
  name: string;
  namespace: string;
  /** Incremented each time the sandbox is re-created. */
  attempt: number;
  hostname: string;
  /** Directory under which container log files live (…/pods/<ns>_<name>_<uid>/). */
  logDirectory: string;
  labels: KeyValueMap;
  annotations: KeyValueMap;
  /** spec.hostNetwork: the pod shares the node's network (no namespace; its IP is the node's). */
  hostNetwork?: boolean;
  /** spec.subdomain and spec.hostAliases, for the pod's /etc/hosts. */
  subdomain?: string;
  hostAliases?: { ip: string; hostnames?: string[] }[];
  /** The pod's /etc/resolv.conf content (from the agent's DNS settings); default: the node's. */
  resolvConf?: string;
}

export interface PodSandboxStatus {
  id: string;
  podUid: string;
  name: string;
  namespace: string;
  attempt: number;
  state: 'ready' | 'notready';
  createdAt: Date;
  /** The pod's IP address (a distinct loopback address under the process runtime). */
  ip: string;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
}

export interface ContainerResources {
  /** CFS quota in millicores; undefined = unlimited. */
  cpuLimitMillis?: number;
  /** cpu.shares weight from requests. */
  cpuRequestMillis?: number;
  memoryLimitBytes?: number;
  pidsLimit?: number;
}

/** Who a container's processes run as (CRI's run_as_user, run_as_group, supplemental_groups). */
export interface RunAsUser {
  uid: number;
  /** Unset: the user's primary group in the image (else 0). */
  gid?: number;
  /** Replace the supplementary groups (runAsUser's own are not added). */
  supplementalGroups: number[];
}

export interface ContainerConfig {
  name: string;
  attempt: number;
  image: string;
  /** Final argv (command + args, with $(VAR) already expanded). */
  argv: string[];
  workingDir?: string;
  env: { name: string; value: string }[];
  mounts: Mount[];
  /** Absolute path of the container's log file (CRI log format). */
  logPath: string;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  resources: ContainerResources;
  /** The workload's and every exec's identity; unset: the runtime's own. */
  runAs?: RunAsUser;
  labels: KeyValueMap;
  annotations: KeyValueMap;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerState;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  /** "OOMKilled", "Error", "Completed", "ContainerCannotRun", … */
  reason?: string;
  message?: string;
  image: string;
  /** e.g. "process:///usr/bin/node" */
  imageRef: string;
  logPath: string;
  labels: KeyValueMap;
  annotations: KeyValueMap;
}

export interface ContainerStats {
  containerId: string;
  timestamp: Date;
  /** Cumulative CPU time used, in nanoseconds. */
  cpuUsageCoreNanoSeconds: number;
  memoryWorkingSetBytes: number;
}

export interface ExecOptions {
  argv: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** A running exec or attach session: pipe the streams, resize the TTY, await the exit code. */
export interface StreamSession {
  stdin?: Writable;
  stdout?: Readable;
  /** Absent with a TTY (stderr is merged into stdout). */
  stderr?: Readable;
  resize(width: number, height: number): void;
  /** Resolves with the exit code (attach: when the stream ends, with the container's code if known). */
  exit: Promise<number>;
  /** Stop the session (kills an exec'd process). */
  close(): void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface Runtime {
  readonly name: string;
  readonly version: string;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(sandboxId: string): Promise<void>;
  removePodSandbox(sandboxId: string): Promise<void>;
  podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus | undefined>;
  /** With a filter, only the sandboxes of that pod (callers must not rely on it: filter again). */
  listPodSandboxes(filter?: { podUid?: string }): Promise<PodSandboxStatus[]>;

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** SIGTERM the container's whole process tree, SIGKILL after `timeoutSeconds`. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  containerStatus(containerId: string): Promise<ContainerStatus | undefined>;
  listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]>;
  /** Resolves when the container exits (or at once if it already has). */
  waitContainer(containerId: string): Promise<ContainerStatus>;

  /** Run a command in the container's context to completion (exec probes, hooks). */
  execSync(containerId: string, argv: string[], timeoutMs: number): Promise<ExecResult>;
  exec(containerId: string, opts: ExecOptions): Promise<StreamSession>;
  attach(containerId: string, opts: Omit<ExecOptions, 'argv'>): Promise<StreamSession>;
  /** A connection to `port` inside the pod's network. */
  portForward(sandboxId: string, port: number): Promise<Duplex>;

  containerStats(containerId: string): Promise<ContainerStats | undefined>;

  /** The user an image's containers run as without runAsUser (CRI's ImageStatus uid), if known. */
  imageUid?(image: string): number | undefined;
}
