// An in-memory Runtime for pod-worker tests: containers "run" until the test makes them exit
// (exit()) or the agent stops them; every call is recorded. Shared state survives agent
// restarts, which is exactly what re-adoption tests need.
import type { Duplex } from 'node:stream';
import type {
  ContainerConfig,
  ContainerStats,
  ContainerStatus,
  ExecResult,
  PodSandboxConfig,
  PodSandboxStatus,
  Runtime,
  StreamSession,
} from '../../runtime/runtime.ts';

interface FakeContainer {
  status: ContainerStatus;
  config: ContainerConfig;
  pid: number;
  exitWaiters: ((s: ContainerStatus) => void)[];
}

export class FakeRuntime implements Runtime {
  readonly name = 'process';
  readonly version = '0.0.0-fake';
  readonly sandboxes = new Map<string, PodSandboxStatus>();
  readonly containers = new Map<string, FakeContainer>();
  /** Every call, e.g. "create web", "start web", "stop web 30". */
  readonly calls: string[] = [];
  /** Exit code a stopped container reports (SIGTERM honoured: 143; use 137 for SIGKILL). */
  stopExitCode = 143;
  /** Makes the next createContainer/startContainer for a name fail with this message. */
  failCreate = new Map<string, string>();
  failStart = new Map<string, string>();
  /** Exit code for containers that exit as soon as they start (by name). */
  exitOnStart = new Map<string, number>();
  private nextId = 1;
  private nextPid = 1000;

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = `sb${this.nextId++}`;
    this.calls.push(`runPodSandbox ${config.name}`);
    this.sandboxes.set(id, {
      id,
      podUid: config.podUid,
      name: config.name,
      namespace: config.namespace,
      attempt: config.attempt,
      state: 'ready',
      createdAt: new Date(),
      ip: `127.0.1.${this.sandboxes.size + 1}`,
    });
    return id;
  }
  async stopPodSandbox(sandboxId: string): Promise<void> {
    const sb = this.sandboxes.get(sandboxId);
    if (sb) sb.state = 'notready';
  }
  async removePodSandbox(sandboxId: string): Promise<void> {
    this.calls.push(`removePodSandbox ${this.sandboxes.get(sandboxId)?.name}`);
    this.sandboxes.delete(sandboxId);
  }
  async podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus | undefined> {
    const sb = this.sandboxes.get(sandboxId);
    return sb && { ...sb };
  }
  async listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return [...this.sandboxes.values()].map((s) => ({ ...s }));
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    this.calls.push(`create ${config.name}`);
    const failure = this.failCreate.get(config.name);
    if (failure) {
      this.failCreate.delete(config.name);
      throw new Error(failure);
    }
    const id = `c${this.nextId++}`;
    this.containers.set(id, {
      config,
      pid: 0,
      exitWaiters: [],
      status: {
        id,
        sandboxId,
        name: config.name,
        attempt: config.attempt,
        state: 'created',
        createdAt: new Date(),
        image: config.image,
        imageRef: `process:///bin/${config.argv[0] ?? 'unknown'}`,
        logPath: config.logPath,
        labels: config.labels,
        annotations: config.annotations,
      },
    });
    return id;
  }
  async startContainer(containerId: string): Promise<void> {
    const c = this.must(containerId);
    this.calls.push(`start ${c.status.name}`);
    const failure = this.failStart.get(c.status.name);
    if (failure) {
      this.failStart.delete(c.status.name);
      throw new Error(failure);
    }
    c.status.state = 'running';
    c.status.startedAt = new Date();
    c.pid = this.nextPid++;
    const code = this.exitOnStart.get(c.status.name);
    if (code !== undefined) queueMicrotask(() => this.exit(containerId, code));
  }
  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const c = this.must(containerId);
    this.calls.push(`stop ${c.status.name} ${timeoutSeconds}`);
    if (c.status.state === 'running' || c.status.state === 'created') this.exit(containerId, this.stopExitCode);
  }
  async removeContainer(containerId: string): Promise<void> {
    const c = this.containers.get(containerId);
    if (c) this.calls.push(`remove ${c.status.name}`);
    this.containers.delete(containerId);
  }
  async containerStatus(containerId: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(containerId);
    return c && { ...c.status };
  }
  async listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]> {
    return [...this.containers.values()]
      .filter((c) => !filter?.sandboxId || c.status.sandboxId === filter.sandboxId)
      .map((c) => ({ ...c.status }));
  }
  waitContainer(containerId: string): Promise<ContainerStatus> {
    const c = this.must(containerId);
    if (c.status.state === 'exited') return Promise.resolve({ ...c.status });
    return new Promise((resolve) => c.exitWaiters.push(resolve));
  }

  // --- test controls ---

  /** Makes a running container exit with `exitCode` (like the process ending on its own). */
  exit(containerId: string, exitCode: number, reason?: string): void {
    const c = this.must(containerId);
    if (c.status.state === 'exited') return;
    c.status.state = 'exited';
    c.status.exitCode = exitCode;
    c.status.reason = reason ?? (exitCode === 0 ? 'Completed' : 'Error');
    c.status.finishedAt = new Date();
    for (const resolve of c.exitWaiters.splice(0)) resolve({ ...c.status });
  }

  /** The newest container with this name (any state). */
  latest(name: string): FakeContainer | undefined {
    return [...this.containers.values()].filter((c) => c.status.name === name).sort((a, b) => b.status.attempt - a.status.attempt)[0];
  }

  running(name: string): FakeContainer | undefined {
    const c = this.latest(name);
    return c?.status.state === 'running' ? c : undefined;
  }

  // --- not needed by the pod workers ---

  async execSync(): Promise<ExecResult> {
    throw new Error('not implemented by FakeRuntime');
  }
  async exec(): Promise<StreamSession> {
    throw new Error('not implemented by FakeRuntime');
  }
  async attach(): Promise<StreamSession> {
    throw new Error('not implemented by FakeRuntime');
  }
  async portForward(): Promise<Duplex> {
    throw new Error('not implemented by FakeRuntime');
  }
  async containerStats(): Promise<ContainerStats | undefined> {
    return undefined;
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no such container ${id}`);
    return c;
  }
}
