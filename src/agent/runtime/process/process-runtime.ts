// ProcessRuntime: Hale's first Runtime. Each container is a host process tree, supervised by
// its own hale-shim (native/hale-shim.c) so that pods outlive the agent.
//
// How pod features map onto host processes:
// - Pod sandbox: a record on disk, a pod cgroup and a pod IP. There is no pause process.
// - Pod IP, from the pod network (src/agent/network/), passed to containers as $POD_IP.
//   Host mode: a distinct loopback address per pod (127.100.0.0/16 by default, persisted in
//   <rootDir>/pod-ips.json) and no network namespace: apps must bind to $POD_IP (or 0.0.0.0)
//   and ports are shared with the host. Isolated mode: the pod's own network namespace on
//   the node's bridge, which every container (and exec) joins, with its own /etc/hosts and
//   /etc/resolv.conf bind-mounted. Port-forward connects to localhost:port inside the pod's
//   namespace (hale-shim port-forward) in isolated mode, to POD_IP:port in host mode.
// - Containers: the shim forks the workload in its own process group, joins its cgroups,
//   writes container.json (pid + start time + boot id) and exit.json, and copies output into
//   the CRI-format log file with rotation. A new ProcessRuntime instance re-adopts running
//   containers by pid + start time + boot id and learns exit codes from exit.json.
// - Volumes (root): the workload gets a private mount namespace in which every volume is
//   bind-mounted at its real mountPath (read-only where asked); exec joins that namespace.
//   The mount point is created on the host if missing (an empty directory or file remains).
// - Volumes (not root): no mount namespaces; a symlink at mountPath points at the volume
//   where that path is free on the host, otherwise the volume is only at its host path.
// - Resources: with usable cgroups (v1, v2 or hybrid) memory limits OOM-kill (reason
//   OOMKilled, exit code 137), CPU limits become a CFS quota, CPU requests cpu.shares/weight,
//   and pids.max caps forks; stop/kill reaches every process of the container through its
//   cgroup. Without cgroups (not root, read-only cgroupfs) containers run unlimited,
//   `features.cgroups` is false with a reason for the agent to report once, stop signals the
//   process group only, and stats come from /proc.
// - Environment: PATH and HOME of the agent (HOME of the runAsUser in /etc/passwd, else /,
//   for a container that runs as another user), HOSTNAME, POD_IP, TERM=xterm with a tty, then
//   the container's env. The working directory defaults to "/". In a pod with a network
//   namespace of its own, each container also gets a UTS namespace named after the pod.
// - Image: recorded only; imageRef is process://<resolved argv[0]>.
import { randomBytes } from 'node:crypto';
import { accessSync, constants, type FSWatcher, mkdirSync, statSync, watch } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { HostPodNetwork } from '../../network/host-network.ts';
import { hostResolvConf, hostsFileContent, removePodFiles, writePodFiles } from '../../network/pod-files.ts';
import type { PodNetwork } from '../../network/pod-network.ts';
import { firstInternalIPv4 } from '../../node/host-info.ts';
import { spreadSubdirectories } from '../../spread-subdirectories.ts';
import type {
  ContainerConfig,
  ContainerStats,
  ContainerStatus,
  ExecOptions,
  ExecResult,
  Mount,
  PodSandboxConfig,
  PodSandboxStatus,
  Runtime,
  StreamSession,
} from '../runtime.ts';
import { startAttachSession } from './attach-session.ts';
import { CgroupManager, type CgroupMode } from './cgroups.ts';
import { type ExecContext, execSync, startExecSession } from './exec-session.ts';
import { createMountLinks, removeMountLinks } from './mount-links.ts';
import { passwdEntry } from './passwd.ts';
import { PodIpAllocator } from './pod-ip.ts';
import { portForwardInNetns } from './port-forward.ts';
import {
  bootId,
  childProcesses,
  isSameProcess,
  processesWithArgument,
  processGroupMembers,
  processTreeUsage,
  readProcStat,
  trySignal,
} from './proc.ts';
import {
  DEFAULT_SHIM_PATH,
  readContainerInfo,
  readExitInfo,
  readShimPid,
  type ShimContainerInfo,
  type ShimExitInfo,
  type ShimUser,
  startShim,
} from './shim.ts';
import { type ContainerRecord, type SandboxRecord, StateStore } from './state-store.ts';

export const DEFAULT_LOG_MAX_SIZE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_MAX_FILES = 5;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** containerd's exit code for a container whose fate is unknown. */
const UNKNOWN_EXIT_CODE = 255;
/** How long a SIGKILLed container may take to be reported by its shim. */
const KILL_WAIT_MS = 10_000;

export interface RuntimeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ProcessRuntimeOptions {
  /** Where sandboxes, containers and pod IPs are recorded (e.g. DATA_DIR/runtime/process). */
  rootDir: string;
  shimPath?: string;
  logMaxSizeBytes?: number;
  logMaxFiles?: number;
  /** The cgroup under each hierarchy that holds every pod (default "hale"). */
  cgroupRoot?: string;
  /** --pod-max-pids: pids.max of each pod's cgroup, its containers and execs together (default: none). */
  podPidsLimit?: number;
  /** A prepared cgroup manager, or false to run without cgroups. */
  cgroups?: CgroupManager | false;
  podIps?: PodIpAllocator;
  /** The pod network (default: host mode with `podIps`/`podCidr`). */
  network?: PodNetwork;
  /** --cluster-domain, for the pods' /etc/hosts (default cluster.local). */
  clusterDomain?: string;
  /** Loopback range for pod IPs when no allocator is given (default 127.100.0.0/16). */
  podCidr?: string;
  /** Bind-mount volumes in a private mount namespace (default: when running as root). */
  mountNamespaces?: boolean;
  /** Run workloads as their runAsUser/runAsGroup (default: when running as root, which can switch). */
  switchUsers?: boolean;
  logger?: RuntimeLogger;
  /** How often running containers are checked for exits the file watch missed (ms). */
  exitPollMs?: number;
}

/** What this machine lets the runtime do, for the agent to report once (log and Node). */
export interface ProcessRuntimeFeatures {
  cgroups: boolean;
  cgroupMode: CgroupMode;
  /** Why resource limits are not enforced, when `cgroups` is false. */
  cgroupsReason?: string;
  mountNamespaces: boolean;
  /** Whether containers run as their runAsUser/runAsGroup; otherwise as the runtime's own user. */
  switchUsers: boolean;
}

const silentLogger: RuntimeLogger = { info() {}, warn() {} };

export class ProcessRuntime implements Runtime {
  readonly name = 'process';
  readonly version = '0.1.0';
  readonly features: ProcessRuntimeFeatures;

  private readonly store: StateStore;
  private readonly cgroups?: CgroupManager;
  readonly network: PodNetwork;
  private readonly clusterDomain: string;
  private readonly shimPath: string;
  private readonly logMaxSizeBytes: number;
  private readonly logMaxFiles: number;
  private readonly podPidsLimit?: number;
  private readonly logger: RuntimeLogger;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly exitWaiters = new Map<string, ((status: ContainerStatus) => void)[]>();
  private readonly exitWatchers = new Map<string, FSWatcher>();
  private readonly exitPoller: NodeJS.Timeout;
  /** After close() this instance records nothing more: the next instance takes over. */
  private closed = false;
  private warnedUsers = false;

  constructor(options: ProcessRuntimeOptions) {
    this.store = new StateStore(options.rootDir);
    this.shimPath = options.shimPath ?? DEFAULT_SHIM_PATH;
    this.logMaxSizeBytes = options.logMaxSizeBytes ?? DEFAULT_LOG_MAX_SIZE_BYTES;
    this.logMaxFiles = options.logMaxFiles ?? DEFAULT_LOG_MAX_FILES;
    this.podPidsLimit = options.podPidsLimit !== undefined && options.podPidsLimit > 0 ? options.podPidsLimit : undefined;
    this.logger = options.logger ?? silentLogger;
    const cgroups = options.cgroups === false ? undefined : (options.cgroups ?? new CgroupManager(options.cgroupRoot ?? 'hale'));
    this.cgroups = cgroups?.enabled ? cgroups : undefined;
    this.features = {
      cgroups: this.cgroups !== undefined,
      cgroupMode: cgroups?.mode ?? 'none',
      cgroupsReason: cgroups ? cgroups.reason : 'cgroups are disabled',
      mountNamespaces: options.mountNamespaces ?? process.getuid?.() === 0,
      switchUsers: options.switchUsers ?? process.getuid?.() === 0,
    };
    if (!this.features.cgroups) {
      this.logger.warn({ reason: this.features.cgroupsReason }, 'running containers without resource limits (no usable cgroups)');
    }
    this.network =
      options.network ?? new HostPodNetwork(options.podIps ?? new PodIpAllocator(join(options.rootDir, 'pod-ips.json'), options.podCidr));
    this.clusterDomain = options.clusterDomain ?? 'cluster.local';
    // Both must exist to be marked (the store made the containers' one). Not awaited: pods
    // started before it lands only miss the spreading.
    mkdirSync(this.podFilesDir(''), { recursive: true });
    void spreadSubdirectories([this.store.containerDir(''), this.podFilesDir('')]);

    this.exitPoller = setInterval(() => this.pollExits(), options.exitPollMs ?? 1000);
    this.exitPoller.unref();
    const interrupted: SandboxRecord[] = [];
    for (const sandbox of this.store.loadSandboxes()) {
      if (sandbox.state === 'creating') interrupted.push(sandbox);
      else this.sandboxes.set(sandbox.id, sandbox);
    }
    if (interrupted.length) void this.undoInterruptedSandboxes(interrupted);
    for (const record of this.store.loadContainers()) {
      this.containers.set(record.id, record);
      this.adopt(record);
    }
  }

  /** Stops watching (containers keep running; a new instance re-adopts them). */
  close(): void {
    this.closed = true;
    this.store.close();
    clearInterval(this.exitPoller);
    for (const w of this.exitWatchers.values()) w.close();
    this.exitWatchers.clear();
  }

  // ---------- sandboxes ----------

  /** Where a sandbox's own hosts and resolv.conf are (isolated network with mount namespaces). */
  private podFilesDir(sandboxId: string): string {
    return join(this.store.rootDir, 'pod-files', sandboxId);
  }

  /**
   * Sandboxes an earlier instance was killed while making: their network, cgroup and pod files
   * may exist without any record that would let the agent remove them. No container ran in one.
   */
  private async undoInterruptedSandboxes(records: SandboxRecord[]): Promise<void> {
    for (const { id, config } of records) {
      const undo: Promise<unknown>[] = [removePodFiles(this.podFilesDir(id))];
      if (!config.hostNetwork) undo.push(this.network.detach(id));
      if (this.cgroups) undo.push(this.cgroups.remove(podCgroup(id)));
      const failed = (await Promise.allSettled(undo)).find((r) => r.status === 'rejected');
      if (failed) this.logger.warn({ sandboxId: id, err: String(failed.reason) }, 'cannot undo a sandbox interrupted while it was made');
      await this.store.deleteSandbox(id);
      this.logger.info({ sandboxId: id, pod: `${config.namespace}/${config.name}` }, 'removed a sandbox interrupted while it was made');
    }
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = randomBytes(32).toString('hex');
    // Recorded before anything of it exists: an agent killed half-way leaves a record to undo from.
    await this.store.saveSandbox({ id, config, createdAt: new Date().toISOString(), state: 'creating', ip: '' });
    // The network, the pod's cgroup and its log directory do not depend on each other.
    const [network, cgroup, logDirectory] = await Promise.allSettled([
      config.hostNetwork ? { ip: firstInternalIPv4(), netnsPath: undefined } : this.network.attach(id),
      this.cgroups?.create(podCgroup(id), { pidsLimit: this.podPidsLimit }),
      mkdir(config.logDirectory, { recursive: true }),
    ]);
    let record: SandboxRecord | undefined;
    try {
      if (network.status === 'rejected') throw network.reason;
      for (const step of [cgroup, logDirectory]) if (step.status === 'rejected') throw step.reason;
      const { ip, netnsPath } = network.value;
      record = { id, config, createdAt: new Date().toISOString(), state: 'ready', ip, netnsPath };
      if (netnsPath && this.features.mountNamespaces) {
        record.podFilesDir = this.podFilesDir(id);
        await this.writePodFiles(record.podFilesDir, config, ip);
      }
      this.sandboxes.set(id, record);
      // On disk before any of its containers runs, so that a restarted agent knows the sandbox.
      await this.store.saveSandbox(record);
      return id;
    } catch (err) {
      // Nothing may stay of a sandbox that was never recorded: no one would remove it.
      this.sandboxes.delete(id);
      const undo: Promise<unknown>[] = [];
      if (network.status === 'fulfilled' && !config.hostNetwork) undo.push(this.network.detach(id));
      if (cgroup.status === 'fulfilled' && this.cgroups) undo.push(this.cgroups.remove(podCgroup(id)));
      if (record?.podFilesDir) undo.push(removePodFiles(record.podFilesDir));
      await Promise.allSettled(undo);
      await this.store.deleteSandbox(id).catch(() => undefined);
      throw err;
    }
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) return;
    const running = [...this.containers.values()].filter((c) => c.sandboxId === sandboxId && c.state === 'running');
    await Promise.all(running.map((c) => this.stopContainer(c.id, 0)));
    await this.cgroups?.signal(podCgroup(sandboxId), 'SIGKILL');
    if (sandbox.state !== 'notready') {
      sandbox.state = 'notready';
      await this.store.saveSandbox(sandbox);
    }
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.sandboxes.get(sandboxId);
    await this.stopPodSandbox(sandboxId);
    for (const c of [...this.containers.values()]) if (c.sandboxId === sandboxId) await this.removeContainer(c.id);
    await this.cgroups?.remove(podCgroup(sandboxId)).catch((err) => this.logger.warn({ err, sandboxId }, 'cannot remove pod cgroup'));
    await this.network.detach(sandboxId);
    if (sandbox?.podFilesDir) await removePodFiles(sandbox.podFilesDir);
    this.sandboxes.delete(sandboxId);
    await this.store.deleteSandbox(sandboxId);
  }

  async podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus | undefined> {
    const sandbox = this.sandboxes.get(sandboxId);
    return sandbox && sandboxStatus(sandbox);
  }

  async listPodSandboxes(filter?: { podUid?: string }): Promise<PodSandboxStatus[]> {
    const all = [...this.sandboxes.values()];
    return (filter?.podUid ? all.filter((s) => s.config.podUid === filter.podUid) : all).map(sandboxStatus);
  }

  // ---------- containers ----------

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) throw new Error(`pod sandbox "${sandboxId}" not found`);
    if (sandbox.state !== 'ready') throw new Error(`pod sandbox "${sandboxId}" is not ready`);
    if (config.argv.length === 0) {
      throw new Error('the process runtime needs an explicit command: set "command" (and "args") in the container spec');
    }
    const user = this.features.switchUsers && config.runAs ? passwdEntry(config.runAs.uid) : undefined;
    if (user && config.runAs) {
      // As containerd does from an image: the user's primary group and home, from /etc/passwd.
      config = { ...config, runAs: { ...config.runAs, gid: config.runAs.gid ?? user.gid } };
    }
    const env = containerEnv(config, sandbox, config.runAs && this.features.switchUsers ? (user?.home ?? '/') : undefined);
    const id = randomBytes(32).toString('hex');
    const record: ContainerRecord = {
      id,
      sandboxId,
      config,
      createdAt: new Date().toISOString(),
      state: 'created',
      imageRef: `process://${resolveExecutable(config.argv[0], env.PATH, config.workingDir)}`,
      env,
      mountNamespace: false,
    };
    // Kept in memory only until it starts: a container that never ran needs no record.
    this.containers.set(id, record);
    return id;
  }

  async startContainer(containerId: string): Promise<void> {
    const c = this.mustGet(containerId);
    if (c.state !== 'created') throw new Error(`container "${containerId}" is ${c.state}; only a created container can be started`);
    if (this.cgroups) c.cgroup = `${podCgroup(c.sandboxId)}/${c.id}`;
    const [stateDir] = await Promise.all([
      this.store.createContainerDir(c.id),
      mkdir(dirname(c.config.logPath), { recursive: true }),
      c.cgroup ? this.cgroups?.create(c.cgroup, c.config.resources) : undefined,
    ]);
    const mounts = sortMounts([...c.config.mounts, ...this.podFileMounts(c.sandboxId)]);
    let shimMounts: Mount[] = [];
    if (mounts.length > 0 && this.features.mountNamespaces) {
      c.mountNamespace = true;
      shimMounts = mounts;
    } else if (mounts.length > 0) {
      const links = createMountLinks(mounts);
      c.mountLinks = links.created;
      for (const s of links.skipped) this.logger.warn({ container: c.config.name, ...s }, 'volume is not visible at its mountPath');
    }
    // On disk before the workload runs: a restarted agent must find (and adopt) it.
    await this.store.saveContainer(c);

    const cgroupDirs = c.cgroup && this.cgroups ? this.cgroups.dirs(c.cgroup) : [];
    const result = await startShim({
      shimPath: this.shimPath,
      stateDir,
      logPath: c.config.logPath,
      logMaxSizeBytes: this.logMaxSizeBytes,
      logMaxFiles: this.logMaxFiles,
      cwd: c.config.workingDir || '/',
      cgroups: cgroupDirs,
      mounts: shimMounts,
      netnsPath: this.sandboxes.get(c.sandboxId)?.netnsPath,
      hostname: this.ownHostname(c),
      user: this.userOf(c),
      tty: c.config.tty,
      stdin: c.config.stdin,
      stdinOnce: c.config.stdinOnce,
      argv: c.config.argv,
      env: c.env,
    });
    if (!result.started) {
      this.finalize(c, result.exit ?? startFailure(result.error));
      throw new Error(result.error);
    }
    markRunning(c, result.shimPid, readProcStat(result.shimPid)?.startTime, result.info);
    // Not saved: the record on disk stays "created" until the exit, and a restarted agent
    // learns the rest from the shim's container.json (see adopt). One record
    // write per start: each write is a new inode, costly on some file systems (see
    // docs/benchmarks-agent.md, "Fewer files per container start").
    this.watchForExit(c);
    result.onShimExit(() => this.checkExit(c));
    this.checkExit(c);
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const c = this.mustGet(containerId);
    if (c.state !== 'running') return;
    await this.signalContainer(c, 'SIGTERM');
    if (await this.exitsWithin(c, Math.max(0, timeoutSeconds) * 1000)) return;
    await this.signalContainer(c, 'SIGKILL');
    if (await this.exitsWithin(c, KILL_WAIT_MS)) return;
    this.logger.warn({ containerId }, 'container did not report its exit after SIGKILL');
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) return;
    if (c.state === 'running') await this.stopContainer(containerId, 0);
    this.unwatch(c.id);
    if (c.cgroup) await this.cgroups?.remove(c.cgroup).catch((err) => this.logger.warn({ err, containerId }, 'cannot remove cgroup'));
    if (c.mountLinks) removeMountLinks(c.mountLinks);
    this.containers.delete(c.id);
    await this.store.deleteContainer(c.id);
    await this.removeLogFiles(c);
  }

  /**
   * A removed container's log goes with it, rotated files included, as the kubelet removes
   * a container's logs when it removes the container: otherwise a crash loop leaves a log per
   * attempt until the pod is deleted. Kept while another container still writes to the path
   * (a replacement started under the same attempt number).
   */
  private async removeLogFiles(c: ContainerRecord): Promise<void> {
    const path = c.config.logPath;
    if ([...this.containers.values()].some((other) => other.config.logPath === path)) return;
    // Whatever rotation limit the container was started with: every PATH.N beside it.
    const base = basename(path);
    const names = await readdir(dirname(path)).catch(() => [] as string[]);
    const rotated = names.filter((n) => n.startsWith(`${base}.`) && /^\d+$/.test(n.slice(base.length + 1)));
    await Promise.all(
      [path, ...rotated.map((n) => join(dirname(path), n))].map((file) =>
        rm(file, { force: true }).catch((err) => this.logger.warn({ err, containerId: c.id, file }, 'cannot remove container log')),
      ),
    );
  }

  async containerStatus(containerId: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(containerId);
    return c && containerStatus(c);
  }

  async listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]> {
    return [...this.containers.values()].filter((c) => !filter?.sandboxId || c.sandboxId === filter.sandboxId).map(containerStatus);
  }

  waitContainer(containerId: string): Promise<ContainerStatus> {
    const c = this.containers.get(containerId);
    if (!c) return Promise.reject(new Error(`container "${containerId}" not found`));
    if (c.state === 'exited') return Promise.resolve(containerStatus(c));
    return new Promise((resolveWait) => {
      const list = this.exitWaiters.get(c.id) ?? [];
      list.push(resolveWait);
      this.exitWaiters.set(c.id, list);
      // Someone waits for an exit: keep the process alive until it comes.
      this.exitPoller.ref();
    });
  }

  /** The workload's pid while it runs (for diagnostics and tests). */
  containerPid(containerId: string): number | undefined {
    const c = this.containers.get(containerId);
    return c?.state === 'running' ? c.pid : undefined;
  }

  // ---------- streams ----------

  async execSync(containerId: string, argv: string[], timeoutMs: number): Promise<ExecResult> {
    return execSync(this.execContext(this.mustBeRunning(containerId)), argv, timeoutMs);
  }

  async exec(containerId: string, opts: ExecOptions): Promise<StreamSession> {
    return startExecSession(this.execContext(this.mustBeRunning(containerId)), opts);
  }

  async attach(containerId: string, opts: Omit<ExecOptions, 'argv'>): Promise<StreamSession> {
    const c = this.mustBeRunning(containerId);
    const dir = this.store.containerDir(c.id);
    return startAttachSession(
      {
        logPath: c.config.logPath,
        stdinFifo: c.config.stdin ? join(dir, 'stdin') : undefined,
        resizeFifo: c.config.tty ? join(dir, 'resize') : undefined,
        tty: c.config.tty,
        exited: this.waitContainer(c.id).then((s) => s.exitCode ?? 0),
      },
      opts,
    );
  }

  /**
   * A connection to the pod's localhost:port, as CRI runtimes make it: inside the pod's
   * network namespace (isolated mode), so that apps bound to 127.0.0.1 are reachable; the
   * node's localhost for hostNetwork pods. Host network mode has no namespace per pod (every
   * pod's 127.0.0.1 is the node's): there it connects to the pod IP.
   */
  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) throw new Error(`pod sandbox "${sandboxId}" not found`);
    if (sandbox.netnsPath) return portForwardInNetns(this.shimPath, sandbox.netnsPath, port);
    const host = sandbox.config.hostNetwork ? '127.0.0.1' : sandbox.ip;
    return new Promise((resolveSocket, reject) => {
      const socket = connect({ host, port, allowHalfOpen: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolveSocket(socket);
      });
    });
  }

  async containerStats(containerId: string): Promise<ContainerStats | undefined> {
    const c = this.containers.get(containerId);
    if (c?.state !== 'running') return undefined;
    let cpu: number;
    let memory: number;
    const fromCgroup = c.cgroup ? this.cgroups?.usage(c.cgroup) : undefined;
    if (fromCgroup) {
      cpu = fromCgroup.cpuNanos;
      memory = fromCgroup.memoryWorkingSetBytes;
    } else {
      const usage = processTreeUsage(c.pid ? processGroupMembers(c.pid) : []);
      cpu = usage.cpuNanos;
      memory = usage.memoryBytes;
    }
    return { containerId: c.id, timestamp: new Date(), cpuUsageCoreNanoSeconds: cpu, memoryWorkingSetBytes: memory };
  }

  // ---------- exits ----------

  /** On load: a running container is watched again, or its end is recorded. */
  private adopt(c: ContainerRecord): void {
    if (c.state === 'created') {
      // Saved before its shim started (the running state is not saved): the shim's own files
      // say whether it did start, and which processes to watch.
      const dir = this.store.containerDir(c.id);
      const info = readContainerInfo(dir);
      if (!info) {
        this.killUnrecordedStart(c);
        return;
      }
      const shimPid = readShimPid(dir, info);
      markRunning(c, shimPid, supervisorStartTime(shimPid, info.startTime), info);
    }
    if (c.state !== 'running') return;
    if (this.checkExit(c)) return;
    this.watchForExit(c);
  }

  /**
   * A record saved as "created" with no container.json from its shim: the previous agent
   * stopped while the container was starting. Usually its shim never ran; but if it did and
   * had not written container.json yet, it and its workload are still there, unknown to
   * anyone. They are killed, so that the pod worker's new start of the container is the only
   * copy (the container stays "created", which the pod worker replaces).
   */
  private killUnrecordedStart(c: ContainerRecord): void {
    for (const shim of processesWithArgument('--state-dir', this.store.containerDir(c.id))) {
      // The workload is the shim's child, leading its own process group.
      for (const workload of childProcesses(shim)) {
        trySignal(-workload, 'SIGKILL');
        trySignal(workload, 'SIGKILL');
      }
      trySignal(shim, 'SIGKILL');
      this.logger.warn({ containerId: c.id, shimPid: shim }, 'killed a container whose start the previous agent did not see through');
    }
    if (c.cgroup && this.cgroups) {
      this.cgroups
        .signal(c.cgroup, 'SIGKILL')
        .catch((err) => this.logger.warn({ err, containerId: c.id }, 'cannot kill the cgroup of an unrecorded start'));
    }
  }

  /** Records the exit if the container ended; true when it is no longer running. */
  private checkExit(c: ContainerRecord): boolean {
    if (c.state !== 'running') return true;
    if (this.closed) return false;
    const dir = this.store.containerDir(c.id);
    const exit = readExitInfo(dir);
    if (exit) {
      this.finalize(c, exit);
      return true;
    }
    const shimAlive = isSameProcess(c.shimPid, c.shimStartTime, c.bootId);
    if (shimAlive || isSameProcess(c.pid, c.startTime, c.bootId)) return false;
    // Both gone: the shim may just have written exit.json, otherwise it died without telling.
    this.finalize(c, readExitInfo(dir));
    return true;
  }

  private finalize(c: ContainerRecord, exit: ShimExitInfo | undefined): void {
    if (c.state === 'exited') return;
    const oomKilled =
      exit !== undefined &&
      (exit.oomKilled ||
        ((exit.signal === 9 || exit.exitCode === 137) && c.cgroup !== undefined && (this.cgroups?.oomKills(c.cgroup) ?? 0) > 0));
    c.state = 'exited';
    c.finishedAt = exit?.finishedAt || new Date().toISOString();
    c.startedAt ??= c.finishedAt;
    c.signal = exit?.signal ?? undefined;
    if (!exit) {
      c.exitCode = UNKNOWN_EXIT_CODE;
      c.reason = 'Unknown';
      c.message =
        c.bootId && c.bootId !== readBootIdSafe()
          ? 'the node rebooted while the container was running'
          : 'the container ended while its supervisor (hale-shim) was not running; its exit code is unknown';
    } else if (exit.startFailed) {
      c.exitCode = exit.exitCode;
      c.reason = 'StartError';
      c.message = exit.message;
    } else {
      c.exitCode = oomKilled ? 137 : exit.exitCode;
      c.reason = oomKilled ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error';
      c.message = exit.message || undefined;
    }
    // Not waited for: until it lands, a restarted agent learns the exit from the shim's exit.json.
    this.persist(this.store.saveContainer(c));
    this.unwatch(c.id);
    // Like a container's pid namespace ending: nothing it started outlives it.
    if (c.cgroup) void this.cgroups?.signal(c.cgroup, 'SIGKILL').catch(() => {});
    const status = containerStatus(c);
    for (const resolveWait of this.exitWaiters.get(c.id) ?? []) resolveWait(status);
    this.exitWaiters.delete(c.id);
    if (this.exitWaiters.size === 0) this.exitPoller.unref();
  }

  private watchForExit(c: ContainerRecord): void {
    if (this.exitWatchers.has(c.id)) return;
    try {
      const watcher = watch(this.store.containerDir(c.id), { persistent: false }, (_event, file) => {
        if (file === 'exit.json') this.checkExit(c);
      });
      watcher.on('error', () => this.unwatch(c.id));
      this.exitWatchers.set(c.id, watcher);
    } catch {
      // the periodic check still notices the exit
    }
  }

  private unwatch(id: string): void {
    this.exitWatchers.get(id)?.close();
    this.exitWatchers.delete(id);
  }

  private pollExits(): void {
    for (const c of this.containers.values()) if (c.state === 'running') this.checkExit(c);
  }

  private exitsWithin(c: ContainerRecord, ms: number): Promise<boolean> {
    if (c.state !== 'running') return Promise.resolve(true);
    return new Promise((resolveWait) => {
      const timer = setTimeout(() => resolveWait(this.checkExit(c)), ms);
      void this.waitContainer(c.id).then(() => {
        clearTimeout(timer);
        resolveWait(true);
      });
    });
  }

  /** Signals the workload's process group, then anything else left in its cgroup. */
  private async signalContainer(c: ContainerRecord, signal: NodeJS.Signals): Promise<void> {
    const pid = c.pid;
    if (pid && isSameProcess(pid, c.startTime, c.bootId)) trySignal(-pid, signal);
    if (c.cgroup && this.cgroups) {
      // Group members already got the signal; a second SIGTERM makes some apps skip their clean-up.
      const alreadySignalled = signal === 'SIGKILL' ? undefined : (p: number) => readProcStat(p)?.pgid === pid;
      await this.cgroups.signal(c.cgroup, signal, alreadySignalled);
    }
  }

  /** The pod's own hosts and resolv.conf, written next to the sandbox records. */
  private async writePodFiles(dir: string, config: PodSandboxConfig, ip: string): Promise<void> {
    const hosts = hostsFileContent({
      podIp: ip,
      hostname: config.hostname,
      subdomain: config.subdomain,
      namespace: config.namespace,
      clusterDomain: this.clusterDomain,
      hostAliases: config.hostAliases,
    });
    await writePodFiles(dir, hosts, config.resolvConf ?? hostResolvConf());
  }

  private podFileMounts(sandboxId: string): Mount[] {
    const dir = this.sandboxes.get(sandboxId)?.podFilesDir;
    if (!dir) return [];
    return [
      { hostPath: join(dir, 'hosts'), containerPath: '/etc/hosts', readOnly: false },
      { hostPath: join(dir, 'resolv.conf'), containerPath: '/etc/resolv.conf', readOnly: false },
    ];
  }

  /**
   * The pod's hostname for a container of a pod with a network namespace of its own (isolated
   * mode, which also gives every container a mount namespace): in a UTS namespace of its own,
   * `hostname` and uname() give the pod's name, as in Kubernetes. Pods on the host's network
   * (hostNetwork, or host mode) keep the host's, as Kubernetes' hostNetwork pods do. Exec
   * sessions and exec probes join the container's UTS namespace with its mount namespace.
   */
  private ownHostname(c: ContainerRecord): string | undefined {
    const sandbox = this.sandboxes.get(c.sandboxId);
    if (!c.mountNamespace || !sandbox?.netnsPath) return undefined;
    return sandbox.config.hostname || undefined;
  }

  /** There are no images: a container without runAsUser runs as this process's user. */
  imageUid(): number | undefined {
    return process.getuid?.();
  }

  /** The container's runAsUser/runAsGroup, when this runtime can switch users (as root). */
  private userOf(c: ContainerRecord): ShimUser | undefined {
    const runAs = c.config.runAs;
    if (!runAs) return undefined;
    if (this.features.switchUsers) return { ...runAs, gid: runAs.gid ?? 0 };
    if (!this.warnedUsers) {
      this.warnedUsers = true;
      this.logger.warn({ container: c.config.name }, 'runAsUser/runAsGroup are not applied: the runtime does not run as root');
    }
    return undefined;
  }

  private execContext(c: ContainerRecord): ExecContext {
    return {
      shimPath: this.shimPath,
      cwd: c.config.workingDir || '/',
      cgroups: c.cgroup && this.cgroups ? this.cgroups.dirs(c.cgroup) : [],
      mountNamespacePid: c.mountNamespace ? c.pid : undefined,
      netnsPath: this.sandboxes.get(c.sandboxId)?.netnsPath,
      user: this.userOf(c),
      env: c.env,
    };
  }

  /** A write-behind save: failures are logged (the shim's own files still tell the truth). */
  private persist(save: Promise<void>): void {
    save.catch((err) => this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot save a runtime record'));
  }

  private mustGet(containerId: string): ContainerRecord {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`container "${containerId}" not found`);
    return c;
  }

  private mustBeRunning(containerId: string): ContainerRecord {
    const c = this.mustGet(containerId);
    if (c.state !== 'running') throw new Error(`container "${c.config.name}" is not running`);
    return c;
  }
}

function podCgroup(sandboxId: string): string {
  return `pod${sandboxId}`;
}

/** The record of a started container: its shim, and the workload the shim reported. */
function markRunning(c: ContainerRecord, shimPid: number | undefined, shimStartTime: number | undefined, info: ShimContainerInfo): void {
  Object.assign(c, {
    state: 'running',
    shimPid,
    shimStartTime,
    pid: info.pid,
    startTime: info.startTime,
    bootId: info.bootId,
    startedAt: info.startedAt,
  });
}

/**
 * The start time of process `shimPid` if it can still be the workload's supervisor: the shim
 * forked the workload, so a process under that pid that started later is another one.
 */
function supervisorStartTime(shimPid: number | undefined, workloadStartTime: number): number | undefined {
  const stat = shimPid ? readProcStat(shimPid) : undefined;
  return stat && stat.startTime <= workloadStartTime ? stat.startTime : undefined;
}

function startFailure(message: string): ShimExitInfo {
  return { exitCode: 128, signal: null, finishedAt: new Date().toISOString(), message, oomKilled: false, startFailed: true };
}

function readBootIdSafe(): string | undefined {
  try {
    return bootId();
  } catch {
    return undefined;
  }
}

function sandboxStatus(s: SandboxRecord): PodSandboxStatus {
  return {
    id: s.id,
    podUid: s.config.podUid,
    name: s.config.name,
    namespace: s.config.namespace,
    attempt: s.config.attempt,
    state: s.state === 'ready' ? 'ready' : 'notready',
    createdAt: new Date(s.createdAt),
    ip: s.ip,
  };
}

function containerStatus(c: ContainerRecord): ContainerStatus {
  return {
    id: c.id,
    sandboxId: c.sandboxId,
    name: c.config.name,
    attempt: c.config.attempt,
    state: c.state,
    createdAt: new Date(c.createdAt),
    startedAt: c.startedAt ? new Date(c.startedAt) : undefined,
    finishedAt: c.finishedAt ? new Date(c.finishedAt) : undefined,
    exitCode: c.exitCode,
    reason: c.reason,
    message: c.message,
    image: c.config.image,
    imageRef: c.imageRef,
    logPath: c.config.logPath,
    labels: c.config.labels,
    annotations: c.config.annotations,
  };
}

/** `home`: the HOME of a container that runs as another user than the agent. */
function containerEnv(config: ContainerConfig, sandbox: SandboxRecord, home?: string): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH || DEFAULT_PATH };
  if (home ?? process.env.HOME) env.HOME = home ?? (process.env.HOME as string);
  env.HOSTNAME = sandbox.config.hostname;
  env.POD_IP = sandbox.ip;
  if (config.tty) env.TERM = 'xterm';
  for (const { name, value } of config.env) env[name] = value;
  return env;
}

/** Parents before children, so a volume mounted inside another one stays visible. */
function sortMounts(mounts: Mount[]): Mount[] {
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a.containerPath) - depth(b.containerPath));
}

/** Recent PATH lookups: a burst of pods runs the same few commands (see resolveExecutable). */
const executableCache = new Map<string, { path: string; at: number }>();
const EXECUTABLE_CACHE_MS = 10_000;
const EXECUTABLE_CACHE_SIZE = 256;

/**
 * argv[0] as execvp would find it (for imageRef); unchanged if not found. PATH lookups are
 * remembered for a few seconds: imageRef is informational, and each lookup costs a stat of
 * every PATH directory.
 */
export function resolveExecutable(command: string, searchPath: string | undefined, workingDir: string | undefined): string {
  if (command.includes('/')) return resolve(workingDir || '/', command);
  const key = `${searchPath}\0${command}`;
  const cached = executableCache.get(key);
  if (cached && Date.now() - cached.at < EXECUTABLE_CACHE_MS) return cached.path;
  const path = searchExecutable(command, searchPath);
  if (executableCache.size >= EXECUTABLE_CACHE_SIZE) executableCache.clear();
  executableCache.set(key, { path, at: Date.now() });
  return path;
}

function searchExecutable(command: string, searchPath: string | undefined): string {
  for (const dir of (searchPath || DEFAULT_PATH).split(':')) {
    const candidate = join(dir || '.', command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return command;
}
