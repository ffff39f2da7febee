// One sync of one pod, with the kubelet's SyncPod/KillPod semantics: desired state is the pod
// spec, actual state is what the runtime reports (read fresh every time). Each sync takes the
// next steps — sandbox, volumes, init containers in order, app containers, restarts with
// CrashLoopBackOff, probe-triggered kills, termination — then reports the pod's status.
import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import type { EventRecorder } from '../../controllers/framework/event-recorder.ts';
import type { HookRunner } from '../lifecycle/types.ts';
import type { Prober } from '../probes/types.ts';
import type { ContainerStatus, PodSandboxStatus, Runtime } from '../runtime/runtime.ts';
import { VolumeError, VolumeErrors, type VolumeManager } from '../volumes/types.ts';
import { buildContainerConfig, ContainerConfigError, podDirectory } from './container-config.ts';
import { containerFieldPath } from './container-field-path.ts';
import { type BackoffSettings, backoffResyncMs, backoffSettingsFor, type CrashBackoff, formatDuration } from './crash-backoff.ts';
import type { EndpointDrain } from './endpoint-drain.ts';
import type { EnvVar } from './expand-vars.ts';
import { type AdmittedRequests, admitPod, admittedRequests, type PodRejection } from './pod-admission.ts';
import { generatePodStatus, isSidecar, rfc3339 } from './pod-status.ts';
import type { PodWorkerState } from './pod-workers.ts';
import { CONTAINER_KIND_ANNOTATION, type ContainerKind, podLabels, TERMINATION_MESSAGE_HOST_PATH_ANNOTATION } from './runtime-labels.ts';
import { latestOf, type PodRuntimeState, readPodRuntimeState } from './runtime-state.ts';
import { StartGate } from './start-gate.ts';
import type { PodStatusWriter } from './status-writer.ts';
import { TerminationDeadline } from './termination-deadline.ts';
import { terminationMessage } from './termination-message.ts';

type Json = Record<string, any>;

/** Resolves a container's environment (env, envFrom, valueFrom) for the pod on this node. */
export type ResolveEnv = (pod: KubeObject, container: KubeObject, node: KubeObject | undefined) => Promise<EnvVar[]>;
export type ExpandArgs = (argv: string[], env: EnvVar[]) => string[];

/** The kubelet never gives a container less than this to shut down. */
const MIN_GRACE_SECONDS = 2;
/** Exited containers kept per name (the newest is lastState/--previous material). */
const KEEP_EXITED_PER_NAME = 2;
/** immediateEvictionGracePeriodSeconds: the grace period of the kubelet's local-storage evictions. */
const EVICTION_GRACE_SECONDS = 1;
/** How long a sync that started containers waits for their first readiness attempts. */
const FIRST_READINESS_WAIT_MS = 250;

export interface PodSyncDeps {
  client: RestClient;
  nodeName: string;
  runtime: Runtime;
  prober: Prober;
  volumes: VolumeManager;
  hooks: HookRunner;
  recorder: EventRecorder;
  statusWriter: PodStatusWriter;
  backoff: CrashBackoff;
  backoffDefaults: BackoffSettings;
  resolveEnv: ResolveEnv;
  expandArgs: ExpandArgs;
  dataDir: string;
  logger: Logger;
  requireCommand: boolean;
  /** Wakes the pod's worker (container exits). */
  wake(uid: string): void;
  /** This node's IP (status.hostIP) and Node object (for env resolution), when known. */
  nodeInfo(): Promise<{ hostIP?: string; node?: KubeObject }>;
  /** The requests of the pods admitted here that still hold resources, `uid`'s own excepted. */
  admittedPods?(uid: string): AdmittedRequests[];
  retryMs: number;
  resyncMs: number;
  volumeRefreshMs: number;
  /** Self-fencing (node/fencing.ts): while it says no, the pod's containers are not (re)started. */
  fence?: { mayRun(pod: KubeObject): Promise<boolean> };
  /** Zero-drop termination: holds SIGTERM until the pod left its Services' ready endpoints. */
  endpointDrain?: EndpointDrain;
  /** The pod's /etc/resolv.conf (agent/dns/pod-resolv-conf.ts); the runtime mounts it where it can. */
  resolvConf?: (pod: KubeObject) => string;
  /** Told of every sandbox or container start, released when it ended (see AgentOptions.startActivity). */
  startActivity?: () => () => void;
}

/**
 * Starts in flight at once (see start-gate.ts). Measured with a burst of 100 pods on 2 CPUs:
 * 8 kept the best order (first pod Running after ~0.3 s) but lost throughput (more CPU, a
 * later p99); no bound kept the lock-step; 32 got most of the order at the lowest CPU.
 */
const START_CONCURRENCY = 32;

/** The FailedMount messages for a failed volume set-up: one per volume, in the kubelet's words. */
export function mountFailures(err: unknown): string[] {
  const volumeErrors = err instanceof VolumeErrors ? err.errors : err instanceof VolumeError ? [err] : [];
  if (volumeErrors.length === 0) return [`Unable to attach or mount volumes: ${errorText(err)}`];
  return volumeErrors.map((e) => `MountVolume.SetUp failed for volume "${e.volume}" : ${e.message}`);
}

/** "web-0_default(uid)", the kubelet's format.Pod. */
export function podDescription(pod: KubeObject): string {
  const meta = pod.metadata ?? {};
  return `${meta.name}_${meta.namespace}(${meta.uid})`;
}

const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null) : []);
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isExited = (cs: ContainerStatus) => cs.state === 'exited' || cs.state === 'unknown';

/** Tracks the earliest wake-up a sync asks for. */
class NextWake {
  ms?: number;
  /** A container waits in CrashLoopBackOff: the kubelet's sync failed (see backoffResyncMs). */
  backingOff = false;
  at(ms: number): void {
    this.ms = this.ms === undefined ? ms : Math.min(this.ms, ms);
  }
}

/**
 * The Killing event's message for a container a liveness or startup probe failed, in the
 * kubelet's words: computePodActions says "Container x failed liveness probe", with ", will be
 * restarted" unless the pod's restartPolicy is Never; computeInitContainerActions says "Init
 * container x failed liveness probe" for a sidecar (which is always restarted) and adds nothing.
 */
export function probeKillMessage(name: string, probe: string, sidecar: boolean, restarts: boolean): string {
  if (sidecar) return `Init container ${name} failed ${probe} probe`;
  return `Container ${name} failed ${probe} probe${restarts ? ', will be restarted' : ''}`;
}

export class PodSyncer {
  private readonly startGate: StartGate;
  /** Container exits before this were seen by an earlier agent process. */
  private readonly createdAt = Date.now();

  constructor(private readonly deps: PodSyncDeps) {
    this.startGate = new StartGate(START_CONCURRENCY, deps.startActivity);
  }

  /**
   * node-problem-detector's `OOMKilling` Warning on the Node, once per container the kernel
   * killed at its memory limit (exits seen by an earlier agent process were its to report).
   */
  private reportOomKills(w: PodWorkerState, state: PodRuntimeState): void {
    const nodeName: string | undefined = w.pod.spec?.nodeName;
    for (const list of state.containers.values()) {
      for (const cs of list) {
        if (cs.reason !== 'OOMKilled' || w.oomReported.has(cs.id)) continue;
        w.oomReported.add(cs.id);
        if (!nodeName || (cs.finishedAt?.getTime() ?? 0) < this.createdAt) continue;
        const limit = this.specOf(w.pod, cs.name)?.resources?.limits?.memory;
        const node: KubeObject = { kind: 'Node', apiVersion: 'v1', metadata: { name: nodeName, uid: nodeName } };
        this.deps.recorder.warning(
          node,
          'OOMKilling',
          `Memory cgroup out of memory: killed container ${cs.name} of pod ${w.pod.metadata?.namespace}/${w.pod.metadata?.name}${limit ? ` (memory limit ${limit})` : ''}`,
        );
      }
    }
  }

  /**
   * The pod was deleted again with a shorter grace period while it terminates: its containers'
   * deadline comes forward (the kubelet's effective grace period only ever decreases).
   */
  deletionUpdated(w: PodWorkerState): void {
    const grace = w.pod.metadata?.deletionGracePeriodSeconds;
    if (typeof grace === 'number') w.terminationDeadline?.shorten(grace);
  }

  sync = async (w: PodWorkerState): Promise<number | undefined> => {
    const pod = w.pod;
    if (w.terminated) {
      // Updates after the termination (its own final status, the removal) change nothing.
      if (w.deleted) this.deps.statusWriter.forget(w.uid);
      return undefined;
    }
    if (w.deleted || pod.metadata?.deletionTimestamp) return this.terminate(w);
    if (w.finished) return undefined;
    if (w.eviction && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') return this.evict(w, w.eviction);
    if (this.deps.fence && !(await this.deps.fence.mayRun(pod))) return this.deps.retryMs;
    let state = await readPodRuntimeState(this.deps.runtime, w.uid);
    this.reportOomKills(w, state);
    this.stopProbingExited(w, state);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      await this.windDown(w, state);
      return undefined;
    }
    if (!w.admitted) {
      const rejection = await this.admit(w, state);
      if (rejection) return this.reject(w, rejection);
    }
    const next = new NextWake();
    if (w.pendingKills.size > 0) {
      await this.applyProbeKills(w, state);
      state = await readPodRuntimeState(this.deps.runtime, w.uid);
    }

    // Volumes are set up while the sandbox is made: a token or ConfigMap read waits on the API
    // server, the sandbox on the kernel, and neither needs the other.
    const volumesSetUp = this.setUpVolumes(w);
    const sandbox = await this.ensureSandbox(w, state);
    if (!sandbox) {
      await volumesSetUp;
      await this.reportStatus(w, state);
      return this.deps.retryMs;
    }
    w.lastPodIP = sandbox.ip || w.lastPodIP;

    const volumePaths = await volumesSetUp;
    if (!volumePaths) {
      state = await readPodRuntimeState(this.deps.runtime, w.uid);
      await this.reportStatus(w, state);
      return this.deps.retryMs;
    }

    await this.syncEphemeralContainers(w, state, sandbox, volumePaths, next);
    const initialized = await this.syncInitContainers(w, state, sandbox, volumePaths, next);
    if (initialized) await this.syncAppContainers(w, state, sandbox, volumePaths, next);
    await this.awaitFirstReadiness(w);

    state = await readPodRuntimeState(this.deps.runtime, w.uid);
    const status = await this.buildStatus(w, state, false);
    const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
    if (restartPolicy !== 'Always' && (status.phase === 'Succeeded' || status.phase === 'Failed')) {
      await this.windDown(w, state);
      return undefined;
    }
    await this.removeOldContainers(w, state);
    this.deps.statusWriter.set(pod, status);
    // A sync that found a container in back-off comes again after the kubelet's error requeue
    // (10–15 s, each recording BackOff again) rather than the resync period; its wake-up
    // replaces any earlier one, as the kubelet's work queue keeps only the latest.
    if (next.backingOff) w.replaceWake = true;
    next.at(next.backingOff ? backoffResyncMs() : this.deps.resyncMs);
    return next.ms;
  };

  /**
   * Hale's addition: a container that just started is probed for readiness at once (see
   * probes/prober.ts), and its first attempt usually takes milliseconds. Waiting for it, up to
   * FIRST_READINESS_WAIT_MS, before the status is built lets Running and Ready go out in one
   * status write instead of two: one write, one watch event per watcher less per pod start.
   */
  private async awaitFirstReadiness(w: PodWorkerState): Promise<void> {
    if (w.firstReadiness.length === 0) return;
    const attempts = w.firstReadiness.splice(0);
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FIRST_READINESS_WAIT_MS);
    });
    await Promise.race([Promise.all(attempts), cap]);
    clearTimeout(timer);
  }

  // --- sandbox and volumes ---

  private async ensureSandbox(w: PodWorkerState, state: PodRuntimeState): Promise<PodSandboxStatus | undefined> {
    if (state.readySandbox) return state.readySandbox;
    const { runtime, recorder } = this.deps;
    const pod = w.pod;
    if (state.sandboxes.length > 0) {
      recorder.normal(pod, 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      await this.killContainers(w, state, new TerminationDeadline(this.podGraceSeconds(pod)));
    }
    const meta = pod.metadata ?? {};
    try {
      const id = await this.startGate.run('sandbox', () =>
        runtime.runPodSandbox({
          podUid: w.uid,
          name: meta.name,
          namespace: meta.namespace,
          attempt: state.sandboxes.length > 0 ? state.sandboxes[0].attempt + 1 : 0,
          hostname: pod.spec?.hostname || String(meta.name).slice(0, 63),
          logDirectory: podDirectory(this.deps.dataDir, pod),
          labels: { ...(meta.labels ?? {}), ...podLabels(pod) },
          annotations: { ...(meta.annotations ?? {}) },
          hostNetwork: pod.spec?.hostNetwork === true,
          subdomain: pod.spec?.subdomain,
          hostAliases: pod.spec?.hostAliases,
          resolvConf: this.deps.resolvConf?.(pod),
        }),
      );
      const status = await runtime.podSandboxStatus(id);
      if (!status) throw new Error(`sandbox ${id} vanished right after creation`);
      return status;
    } catch (err) {
      recorder.warning(pod, 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorText(err)}`);
      return undefined;
    }
  }

  private async setUpVolumes(w: PodWorkerState): Promise<Map<string, string> | undefined> {
    const { volumes, recorder, logger } = this.deps;
    try {
      const paths = await volumes.setUp(w.pod);
      w.lastMountError = undefined;
      // The first set-up wrote current contents: the first refresh is due a period later.
      if (w.lastVolumeRefresh === 0) w.lastVolumeRefresh = Date.now();
      else if (Date.now() - w.lastVolumeRefresh >= this.deps.volumeRefreshMs) {
        w.lastVolumeRefresh = Date.now();
        // A failed refresh keeps the files as they were; the kubelet's remount says so in events.
        await volumes.refresh(w.pod).catch((err) => {
          logger.debug({ err: errorText(err) }, 'volume refresh failed');
          for (const message of mountFailures(err)) recorder.warning(w.pod, 'FailedMount', message);
        });
      }
      return paths;
    } catch (err) {
      const messages = mountFailures(err);
      w.lastMountError = messages[0];
      for (const message of messages) recorder.warning(w.pod, 'FailedMount', message);
      return undefined;
    }
  }

  // --- containers ---

  /** Runs init containers in order; true once all are done (sidecars started). */
  private async syncInitContainers(
    w: PodWorkerState,
    state: PodRuntimeState,
    sandbox: PodSandboxStatus,
    volumePaths: Map<string, string>,
    next: NextWake,
  ): Promise<boolean> {
    const spec: Json = w.pod.spec ?? {};
    const inits = listOf(spec.initContainers);
    if (inits.length === 0) return true;
    // A regular container that exists means initialization happened before (even if old init containers are gone).
    const initializedBefore = listOf(spec.containers).some((c) => {
      const latest = latestOf(state, c.name);
      return latest?.state === 'running' || latest?.state === 'created';
    });
    const restartPolicy = spec.restartPolicy ?? 'Always';
    for (const c of inits) {
      const latest = latestOf(state, c.name);
      if (isSidecar(c)) {
        if (latest?.state === 'running') {
          this.track(w, latest, c, sandbox);
          if (c.image !== undefined && latest.image !== c.image) {
            // computeInitContainerActions restarts a running sidecar whose definition changed.
            await this.killContainer(
              w,
              c,
              latest,
              `Init container ${c.name} definition changed`,
              new TerminationDeadline(this.podGraceSeconds(w.pod)),
            );
            w.restartNow.add(c.name);
            next.at(0);
            if (!initializedBefore) return false;
            continue;
          }
          if (!initializedBefore && !this.deps.prober.isStarted(latest.id)) return false;
          continue;
        }
        if (!latest) await this.startContainer(w, sandbox, c, 'init', 0, volumePaths, next);
        else await this.restart(w, state, sandbox, c, 'init', latest, volumePaths, next);
        if (!initializedBefore) {
          // Started (not waiting in back-off or on an error): once the prober says so (at once
          // without a startup probe), the next containers follow.
          if (!w.waiting.has(c.name)) next.at(0);
          return false;
        }
        continue;
      }
      if (initializedBefore) continue;
      if (!latest) {
        await this.startContainer(w, sandbox, c, 'init', 0, volumePaths, next);
        return false;
      }
      if (latest.state === 'running') {
        this.track(w, latest, c, sandbox);
        return false;
      }
      if (latest.state === 'created') {
        await this.restart(w, state, sandbox, c, 'init', latest, volumePaths, next);
        return false;
      }
      if (latest.exitCode === 0 && latest.state === 'exited') {
        w.waiting.delete(c.name);
        continue;
      }
      // A failed init container: the pod fails with restartPolicy Never, else it is retried.
      if (restartPolicy === 'Never') w.waiting.delete(c.name);
      else await this.restart(w, state, sandbox, c, 'init', latest, volumePaths, next);
      return false;
    }
    return true;
  }

  private async syncAppContainers(
    w: PodWorkerState,
    state: PodRuntimeState,
    sandbox: PodSandboxStatus,
    volumePaths: Map<string, string>,
    next: NextWake,
  ): Promise<void> {
    const spec: Json = w.pod.spec ?? {};
    const restartPolicy = spec.restartPolicy ?? 'Always';
    for (const c of listOf(spec.containers)) {
      const latest = latestOf(state, c.name);
      if (!latest) {
        await this.startContainer(w, sandbox, c, 'app', 0, volumePaths, next);
        continue;
      }
      if (latest.state === 'running') {
        this.track(w, latest, c, sandbox);
        if (c.image !== undefined && latest.image !== c.image) {
          // The image is the one mutable part of a container spec: a change means a new container.
          await this.killContainer(
            w,
            c,
            latest,
            `Container ${c.name} definition changed, will be restarted`,
            new TerminationDeadline(this.podGraceSeconds(w.pod)),
          );
          w.restartNow.add(c.name);
          next.at(0);
        }
        continue;
      }
      if (latest.state === 'created') {
        await this.restart(w, state, sandbox, c, 'app', latest, volumePaths, next);
        continue;
      }
      const failed = latest.state === 'unknown' || (latest.exitCode ?? 0) !== 0;
      const shouldRestart = restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && failed);
      if (!shouldRestart) {
        w.waiting.delete(c.name);
        continue;
      }
      await this.restart(w, state, sandbox, c, 'app', latest, volumePaths, next);
    }
  }

  /**
   * Starts the ephemeral (debug) containers added since the last sync, even before the pod is
   * initialized, as the kubelet does. They run once: an ended one is never restarted.
   */
  private async syncEphemeralContainers(
    w: PodWorkerState,
    state: PodRuntimeState,
    sandbox: PodSandboxStatus,
    volumePaths: Map<string, string>,
    next: NextWake,
  ): Promise<void> {
    for (const c of listOf(w.pod.spec?.ephemeralContainers)) {
      const latest = latestOf(state, c.name);
      if (!latest) await this.startContainer(w, sandbox, c, 'ephemeral', 0, volumePaths, next);
      else if (latest.state === 'created') await this.restart(w, state, sandbox, c, 'ephemeral', latest, volumePaths, next);
      else if (latest.state === 'running') this.track(w, latest, c, sandbox);
    }
  }

  /** Restarts an exited container, unless it is in CrashLoopBackOff (then waits, visibly). */
  private async restart(
    w: PodWorkerState,
    state: PodRuntimeState,
    sandbox: PodSandboxStatus,
    c: Json,
    kind: ContainerKind,
    latest: ContainerStatus,
    volumePaths: Map<string, string>,
    next: NextWake,
  ): Promise<void> {
    const { runtime, backoff, recorder } = this.deps;
    if (latest.state === 'created') {
      // Created but never started (a start that failed): replace it under the same attempt number.
      await runtime.removeContainer(latest.id).catch(() => undefined);
      await this.startContainer(w, sandbox, c, kind, latest.attempt, volumePaths, next);
      return;
    }
    const key = `${w.uid}/${c.name}`;
    const settings = backoffSettingsFor(w.pod, this.deps.backoffDefaults);
    const finishedAt = (latest.finishedAt ?? latest.createdAt).getTime();
    if (w.restartNow.delete(c.name)) {
      // Counted like any restart, so that the next one backs off.
      backoff.next(key, finishedAt, settings);
      await this.startContainer(w, sandbox, c, kind, latest.attempt + 1, volumePaths, next);
      return;
    }
    await this.reportExit(w, latest, state);
    const remaining = backoff.remainingMs(key, finishedAt, Date.now(), settings);
    if (remaining > 0) {
      const pod = podDescription(w.pod);
      const delay = formatDuration(backoff.currentDelayMs(key));
      w.waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${delay} restarting failed container=${c.name} pod=${pod}` });
      // As doBackOff: on every sync that finds the container still backing off, not once per
      // crash (the recorder counts the repeats, within client-go's spam filter).
      recorder.warning(w.pod, 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod}`, containerFieldPath(w.pod, c.name));
      // Restarted as soon as the back-off ends (the kubelet waits for its next sync, up to 15 s on).
      next.at(remaining);
      next.backingOff = true;
      return;
    }
    backoff.next(key, finishedAt, settings);
    await this.startContainer(w, sandbox, c, kind, latest.attempt + 1, volumePaths, next);
  }

  /**
   * The kubelet writes the status that shows a container's exit (state.terminated with its
   * reason and exit code, restartCount unchanged, the pod not Ready) in the sync that sees the
   * exit, and restarts the container in a later sync. Hale restarts in the same sync, so that
   * status is handed to the writer as one the restart's status may not replace: it goes out
   * first, and `kubectl get pods -w` shows the crash (Running → Error → Running, or → Error →
   * CrashLoopBackOff) without the restart waiting for the write. Containers killed for a
   * failed probe or a changed image restart without this, as in the kubelet.
   */
  private async reportExit(w: PodWorkerState, exited: ContainerStatus, state: PodRuntimeState): Promise<void> {
    if (w.exitsReported.has(exited.id)) return;
    // The status shows every container that had exited when the state was read.
    for (const list of state.containers.values()) if (list[0] && isExited(list[0])) w.exitsReported.add(list[0].id);
    this.deps.statusWriter.set(w.pod, await this.buildStatus(w, state, false), { keep: true });
  }

  /** Creates and starts one container (startContainer in kuberuntime); false when it did not start. */
  private async startContainer(
    w: PodWorkerState,
    sandbox: PodSandboxStatus,
    c: Json,
    kind: ContainerKind,
    restartCount: number,
    volumePaths: Map<string, string>,
    next: NextWake,
  ): Promise<boolean> {
    const { runtime, recorder, logger } = this.deps;
    const pod = w.pod;
    const { hostIP, node } = await this.deps.nodeInfo();
    // The informer's copy may predate our first status write: give env resolution the IPs.
    const podForEnv = {
      ...pod,
      status: {
        ...(pod.status ?? {}),
        podIP: sandbox.ip,
        podIPs: [{ ip: sandbox.ip }],
        ...(hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
      },
    };
    let config: Awaited<ReturnType<typeof buildContainerConfig>>;
    try {
      const env = await this.deps.resolveEnv(podForEnv, c, node);
      config = await buildContainerConfig({
        pod,
        container: c,
        kind,
        restartCount,
        env,
        volumePaths,
        dataDir: this.deps.dataDir,
        requireCommand: this.deps.requireCommand,
        imageUid: runtime.imageUid?.(c.image ?? ''),
        runtimeName: runtime.name,
        expandArgs: this.deps.expandArgs,
      });
      config.annotations['io.kubernetes.pod.terminationGracePeriod'] = String(this.podGraceSeconds(pod));
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) logger.debug({ err: errorText(err) }, 'container config failed');
      return this.failStart(w, c, 'CreateContainerConfigError', errorText(err), next);
    }
    const fieldPath = containerFieldPath(pod, c.name);
    recorder.normal(pod, 'Pulled', `Container image "${c.image}" already present on machine`, fieldPath);
    let id: string;
    try {
      id = await runtime.createContainer(sandbox.id, config);
    } catch (err) {
      return this.failStart(w, c, 'CreateContainerError', errorText(err), next);
    }
    recorder.normal(pod, 'Created', `Created container: ${c.name}`, fieldPath);
    try {
      await this.startGate.run('container', () => runtime.startContainer(id));
    } catch (err) {
      return this.failStart(w, c, 'RunContainerError', errorText(err), next);
    }
    recorder.normal(pod, 'Started', `Started container ${c.name}`, fieldPath);
    w.waiting.delete(c.name);
    const status = await runtime.containerStatus(id);
    if (status) this.track(w, status, c, sandbox);
    const firstReadiness = this.deps.prober.firstReadinessAttempt(id);
    if (firstReadiness) w.firstReadiness.push(firstReadiness);
    // Ended already (no exit watch was set up): the next sync restarts it or shows the back-off.
    if (status && status.state !== 'running') next.at(0);

    const postStart = c.lifecycle?.postStart;
    if (postStart && status?.state === 'running') {
      const result = await this.deps.hooks(
        postStart,
        { pod, container: c, containerId: id, podIP: sandbox.ip },
        this.podGraceSeconds(pod) * 1000,
      );
      if (!result.ok) {
        logger.info({ pod: podDescription(pod), container: c.name, message: result.message }, 'postStart hook failed');
        // Like the kubelet, the event does not carry the hook's output (it may hold secrets).
        recorder.warning(pod, 'FailedPostStartHook', 'PostStartHook failed', fieldPath);
        await this.killContainer(w, c, status, 'FailedPostStartHook', new TerminationDeadline(this.podGraceSeconds(pod)));
        w.waiting.set(c.name, { reason: 'PostStartHookError', message: result.message });
        return false;
      }
    }
    return true;
  }

  private failStart(w: PodWorkerState, c: Json, reason: string, message: string, next: NextWake): false {
    w.waiting.set(c.name, { reason, message });
    this.deps.recorder.warning(w.pod, 'Failed', `Error: ${message}`, containerFieldPath(w.pod, c.name));
    next.at(this.deps.retryMs);
    return false;
  }

  /** Watches a running container for its exit and hands it to the prober (once per container). */
  private track(w: PodWorkerState, cs: ContainerStatus, spec: Json, sandbox: PodSandboxStatus | undefined): void {
    if (cs.state !== 'running') return;
    if (!w.watched.has(cs.id)) {
      w.watched.add(cs.id);
      this.deps.runtime.waitContainer(cs.id).then(
        () => this.deps.wake(w.uid),
        (err) => this.deps.logger.debug({ containerId: cs.id, err: errorText(err) }, 'waiting for container failed'),
      );
    }
    if (!w.probed.has(cs.id)) {
      w.probed.add(cs.id);
      this.deps.prober.addContainer({
        pod: w.pod,
        container: spec,
        containerId: cs.id,
        podIP: sandbox?.ip ?? w.lastPodIP ?? '',
        startedAt: cs.startedAt ?? cs.createdAt,
      });
    }
  }

  // --- stopping ---

  private podGraceSeconds(pod: KubeObject): number {
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds;
    return typeof grace === 'number' ? grace : 30;
  }

  private specOf(pod: KubeObject, name: string): Json | undefined {
    const spec: Json = pod.spec ?? {};
    return [...listOf(spec.containers), ...listOf(spec.initContainers), ...listOf(spec.ephemeralContainers)].find((c) => c.name === name);
  }

  /** killContainer: Killing event, preStop hook within the grace period, then stop. */
  private async killContainer(
    w: PodWorkerState,
    spec: Json | undefined,
    cs: ContainerStatus,
    message: string | undefined,
    deadline: TerminationDeadline,
  ) {
    const { recorder, hooks, prober, runtime, logger } = this.deps;
    const pod = w.pod;
    const haveSpec = pod.spec !== undefined;
    const fieldPath = containerFieldPath(pod, cs.name);
    if (haveSpec) recorder.normal(pod, 'Killing', message ?? `Stopping container ${cs.name}`, fieldPath);
    const preStop = spec?.lifecycle?.preStop;
    if (preStop && deadline.secondsLeft() > 0 && cs.state === 'running') {
      const hook = hooks(preStop, { pod, container: spec, containerId: cs.id, podIP: w.lastPodIP ?? '' }, deadline.secondsLeft() * 1000);
      const result = await deadline.race(hook.catch((err) => ({ ok: false, message: errorText(err) })));
      if (result && !result.ok) {
        logger.info({ pod: podDescription(pod), container: cs.name, message: result.message }, 'preStop hook failed');
        recorder.warning(pod, 'FailedPreStopHook', 'PreStopHook failed', fieldPath);
      }
    }
    if (pod.metadata?.deletionTimestamp && this.deps.endpointDrain && deadline.secondsLeft() > 1) {
      // After preStop, within the grace period, keeping one second for SIGTERM.
      await deadline.race(this.deps.endpointDrain.waitUntilDrained(pod, (deadline.secondsLeft() - 1) * 1000));
    }
    prober.removeContainer(cs.id);
    w.probed.delete(cs.id);
    const stop = () => runtime.stopContainer(cs.id, Math.max(deadline.secondsLeft(), MIN_GRACE_SECONDS));
    // A shorter grace period while SIGTERM's wait runs: stop again, with the time now left.
    const stopListening = deadline.onShortened(() => void stop().catch(() => undefined));
    try {
      await stop();
    } finally {
      stopListening();
    }
  }

  /** Kills every running container: app containers first, then init containers (sidecars). */
  private async killContainers(w: PodWorkerState, state: PodRuntimeState, deadline: TerminationDeadline): Promise<void> {
    const running = [...state.containers.values()].flat().filter((c) => c.state === 'running' || c.state === 'created');
    const isInit = (c: ContainerStatus) => c.annotations?.[CONTAINER_KIND_ANNOTATION] === 'init';
    const kill = (list: ContainerStatus[]) =>
      Promise.all(
        list.map((cs) =>
          this.killContainer(w, this.specOf(w.pod, cs.name), cs, undefined, deadline).catch((err) =>
            this.deps.logger.warn({ containerId: cs.id, err: errorText(err) }, 'stopping container failed'),
          ),
        ),
      );
    await kill(running.filter((c) => !isInit(c)));
    await kill(running.filter(isInit));
  }

  /** The kubelet probes only running containers: one that exited by itself loses its probes. */
  private stopProbingExited(w: PodWorkerState, state: PodRuntimeState): void {
    for (const cs of [...state.containers.values()].flat()) {
      if (cs.state === 'running' || !w.probed.has(cs.id)) continue;
      this.deps.prober.removeContainer(cs.id);
      w.probed.delete(cs.id);
    }
  }

  private async applyProbeKills(w: PodWorkerState, state: PodRuntimeState): Promise<void> {
    const restartPolicy = w.pod.spec?.restartPolicy ?? 'Always';
    for (const [id, kill] of [...w.pendingKills]) {
      w.pendingKills.delete(id);
      const cs = [...state.containers.values()].flat().find((c) => c.id === id);
      if (cs?.state !== 'running') continue;
      const spec = this.specOf(w.pod, cs.name);
      const probe = kill.probe === 'liveness' ? spec?.livenessProbe : spec?.startupProbe;
      const grace = probe?.terminationGracePeriodSeconds ?? w.pod.spec?.terminationGracePeriodSeconds ?? 30;
      const sidecar = spec !== undefined && isSidecar(spec);
      const restarts = restartPolicy !== 'Never' || sidecar;
      await this.killContainer(w, spec, cs, probeKillMessage(cs.name, kill.probe, sidecar, restarts), new TerminationDeadline(grace));
      // The kubelet restarts a probe-killed container in the same sync; back-off applies only
      // once an earlier run of it has exited (from the second kill on, as for crashes).
      const ranBefore = (state.containers.get(cs.name) ?? []).some((c) => c.id !== cs.id && isExited(c));
      if (restarts && !ranBefore) w.restartNow.add(cs.name);
    }
  }

  /** A pod that reached Succeeded/Failed: stop what still runs, keep containers and status. */
  private async windDown(w: PodWorkerState, state: PodRuntimeState): Promise<void> {
    const { runtime, prober } = this.deps;
    await this.killContainers(w, state, new TerminationDeadline(this.podGraceSeconds(w.pod)));
    prober.removePod(w.uid);
    for (const sandbox of state.sandboxes) if (sandbox.state === 'ready') await runtime.stopPodSandbox(sandbox.id);
    const after = await readPodRuntimeState(runtime, w.uid);
    this.deps.statusWriter.set(w.pod, await this.buildStatus(w, after, true));
    w.finished = true;
  }

  /**
   * The eviction manager's evictPod (local storage over a limit): a Warning `Evicted` event,
   * every container killed with the eviction's grace period (the kubelet's minimum of 2 s
   * before SIGKILL still applies), then phase Failed with reason Evicted and the message. The
   * pod stays, Failed, as in Kubernetes: its controller replaces it; volumes and logs go when
   * it is deleted.
   */
  private async evict(
    w: PodWorkerState,
    eviction: { reason: string; message: string },
    statusMessage = eviction.message,
  ): Promise<undefined> {
    const { runtime, prober, recorder, statusWriter } = this.deps;
    recorder.warning(w.pod, eviction.reason, eviction.message);
    const state = await readPodRuntimeState(runtime, w.uid);
    await this.killContainers(w, state, new TerminationDeadline(EVICTION_GRACE_SECONDS));
    prober.removePod(w.uid);
    for (const sandbox of state.sandboxes) {
      if (sandbox.state === 'ready') await runtime.stopPodSandbox(sandbox.id).catch(() => undefined);
    }
    const after = await readPodRuntimeState(runtime, w.uid);
    statusWriter.set(w.pod, await this.buildStatus(w, after, true, { reason: eviction.reason, message: statusMessage }));
    w.finished = true;
    return undefined;
  }

  /**
   * The kubelet's admission, once per pod: a new pod must fit next to the pods admitted before
   * it. One that already ran here (found by a restarted agent) is admitted as it is.
   */
  private async admit(w: PodWorkerState, state: PodRuntimeState): Promise<PodRejection | undefined> {
    const requests = admittedRequests(w.pod);
    const isNew = state.sandboxes.length === 0 && (w.pod.status?.phase ?? 'Pending') === 'Pending';
    if (isNew && this.deps.admittedPods) {
      const { node } = await this.deps.nodeInfo();
      // No await between the tally and taking a place in it: pods admitted at once see each other.
      const rejection = admitPod(w.pod, node, this.deps.admittedPods(w.uid));
      if (rejection) return rejection;
    }
    w.admitted = requests;
    return undefined;
  }

  /** The kubelet's rejectPod: a Warning event, then phase Failed with "Pod was rejected: …"; nothing ran. */
  private async reject(w: PodWorkerState, rejection: PodRejection): Promise<undefined> {
    this.deps.logger.info({ pod: podDescription(w.pod), reason: rejection.reason, message: rejection.message }, 'pod rejected');
    return this.evict(w, { reason: rejection.reason, message: rejection.message }, `Pod was rejected: ${rejection.message}`);
  }

  /** KillPod plus cleanup, then confirms a graceful deletion to the API server. */
  private async terminate(w: PodWorkerState): Promise<undefined> {
    const { runtime, prober, volumes, statusWriter, backoff, client, logger } = this.deps;
    const pod = w.pod;
    const meta = pod.metadata ?? {};
    const state = await readPodRuntimeState(runtime, w.uid);
    w.terminationDeadline ??= new TerminationDeadline(this.podGraceSeconds(pod));
    await this.killContainers(w, state, w.terminationDeadline);
    prober.removePod(w.uid);
    const stopped = await readPodRuntimeState(runtime, w.uid);
    if (!w.deleted && pod.spec) {
      // The final status (terminal phase, exit codes) goes out before the pod does.
      statusWriter.set(pod, await this.buildStatus(w, stopped, true));
      await statusWriter.flush(w.uid);
    }
    for (const cs of [...stopped.containers.values()].flat()) await runtime.removeContainer(cs.id).catch(() => undefined);
    for (const sandbox of stopped.sandboxes) {
      await runtime.stopPodSandbox(sandbox.id).catch(() => undefined);
      await runtime.removePodSandbox(sandbox.id);
    }
    await volumes.tearDown(w.uid);
    if (meta.name && meta.namespace) await rm(podDirectory(this.deps.dataDir, pod), { recursive: true, force: true });
    backoff.forgetPrefix(`${w.uid}/`);
    if (!w.deleted && meta.deletionTimestamp) {
      try {
        await client.delete(resources.pods, meta.namespace, meta.name, { gracePeriodSeconds: 0, preconditions: { uid: w.uid } });
        logger.debug({ pod: podDescription(pod) }, 'pod deletion confirmed');
      } catch (err) {
        // Already gone, or a new pod now has the name: nothing left to confirm.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    if (w.deleted) statusWriter.forget(w.uid);
    w.finished = true;
    w.terminated = true;
    return undefined;
  }

  /**
   * Removes exited containers beyond the newest few of each name, with their files: the
   * runtime removes the log, and the termination-message file the agent made goes here (as the
   * kubelet's container GC removes both), so that a crash loop does not fill the disk.
   */
  private async removeOldContainers(w: PodWorkerState, state: PodRuntimeState): Promise<void> {
    for (const list of state.containers.values()) {
      const exited = list.filter(isExited);
      for (const cs of exited.slice(KEEP_EXITED_PER_NAME)) {
        const removed = await this.deps.runtime.removeContainer(cs.id).then(
          () => true,
          () => false,
        );
        const messageFile = cs.annotations?.[TERMINATION_MESSAGE_HOST_PATH_ANNOTATION];
        if (removed && messageFile) await rm(messageFile, { force: true }).catch(() => undefined);
        w.messages.delete(cs.id);
        w.exitsReported.delete(cs.id);
        w.oomReported.delete(cs.id);
        w.watched.delete(cs.id);
      }
    }
  }

  // --- status ---

  private async buildStatus(
    w: PodWorkerState,
    state: PodRuntimeState,
    podIsTerminal: boolean,
    failed?: { reason: string; message: string },
  ): Promise<Json> {
    for (const list of state.containers.values()) {
      for (const cs of list.slice(0, 2)) {
        if (isExited(cs) && !w.messages.has(cs.id)) w.messages.set(cs.id, (await terminationMessage(cs)) ?? '');
      }
    }
    const { hostIP } = await this.deps.nodeInfo();
    const waiting = new Map(w.waiting);
    if (w.lastMountError)
      for (const c of listOf(w.pod.spec?.containers)) if (!waiting.has(c.name)) waiting.set(c.name, { reason: 'ContainerCreating' });
    return generatePodStatus({
      pod: w.pod,
      sandbox: state.readySandbox,
      podIP: w.lastPodIP,
      hostIP,
      containers: state.containers,
      messages: w.messages,
      waiting,
      isReady: (id) => this.deps.prober.isReady(id),
      isStarted: (id) => this.deps.prober.isStarted(id),
      runtimeName: this.deps.runtime.name,
      podIsTerminal,
      startTime: rfc3339(w.firstSeen),
      failed,
    });
  }

  private async reportStatus(w: PodWorkerState, state: PodRuntimeState): Promise<void> {
    this.deps.statusWriter.set(w.pod, await this.buildStatus(w, state, false));
  }
}
