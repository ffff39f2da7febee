// The agent's prober (the kubelet's prober manager): one worker per container and probe kind,
// the container's started/ready state, Unhealthy/ProbeWarning events, and transitions for the
// pod workers (restart on a liveness or startup failure, Ready conditions from readiness).
//
// Schedule, per container (t0 = container start + initialDelaySeconds):
// - startup: first attempt at t0, with warm-up (see probe-worker.ts); liveness and readiness
//   wait until it succeeds. failureThreshold failures in a row → a 'failure' transition (the
//   pod worker kills and restarts the container).
// - readiness: first attempt as soon as the container counts as started (at t0 at the
//   earliest), with warm-up, so a restarted container is Ready again within milliseconds of
//   answering instead of up to periodSeconds later; then every periodSeconds. Not ready until
//   successThreshold successes in a row.
// - liveness: first attempt one period after t0 (or after startup succeeded): a liveness
//   success changes nothing, and probing earlier would only catch an app still starting.
//   failureThreshold failures in a row → a 'failure' transition, then the worker stays idle
//   until the container is replaced (a new container id).
//
// Agent restarts: a container that already ran before this prober existed is re-adopted. If
// the pod's status already records it as started/ready (matched by container id), that state
// is kept instead of dropping to not-ready, and its first probes are spread at random over one
// period so that a restarted agent does not probe every container at the same instant.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { containerFieldPath } from '../pods/container-field-path.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { type Clock, realClock } from './clock.ts';
import { errorMessage } from './go-format.ts';
import { ProbeWorker, probeSettings } from './probe-worker.ts';
import { type ProbeAttempt, type ProbeOutcome, runProbe } from './run-probe.ts';
import type { ProbeKind, Prober, ProbeTarget, ProbeTransition } from './types.ts';

/** What the prober needs of an event recorder (EventRecorder fits). */
export interface ProbeEventSink {
  warning(obj: KubeObject, reason: string, message: string, fieldPath?: string): void;
}

export type ProbeCheck = (attempt: ProbeAttempt, timeoutMs: number, kind: ProbeKind) => Promise<ProbeOutcome>;

export interface ProberOptions {
  /** Runs exec probes. */
  runtime?: Runtime;
  events?: ProbeEventSink;
  logger?: Logger;
  /** Kubernetes minor version in the User-Agent "kube-probe/<version>". Default "1.33". */
  kubeVersion?: string;
  /** Milliseconds per probe "second" (periodSeconds, timeoutSeconds, …). Tests shrink it; default 1000. */
  secondMs?: number;
  /** First warm-up retry delay in ms (doubling each time); 0 turns warm-up off. Default 25. */
  warmupFirstRetryMs?: number;
  clock?: Clock;
  /** For the re-adoption jitter; default Math.random. */
  random?: () => number;
  /** Replaces the real probe handlers (tests). */
  check?: ProbeCheck;
}

/** The kubelet retries a probe that could not run (not one that failed) this many times. */
const MAX_ATTEMPTS_ON_ERROR = 3;
const KINDS: ProbeKind[] = ['startup', 'readiness', 'liveness'];

interface ContainerProbes {
  target: ProbeTarget;
  podUid: string;
  startedMs: number;
  started: boolean;
  ready: boolean;
  /** State taken over from the pod's status (re-adopted container). */
  knownReady: boolean;
  adopted: boolean;
  workers: Map<ProbeKind, ProbeWorker>;
}

function probeSpec(container: KubeObject, kind: ProbeKind): KubeObject | undefined {
  const spec = container?.[`${kind}Probe`];
  return spec && typeof spec === 'object' ? spec : undefined;
}

/** The container's entry in pod.status (by container id), if the API already knows it. */
function recordedStatus(pod: KubeObject, containerId: string): KubeObject | undefined {
  const status = pod?.status ?? {};
  const all = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])];
  return all.find(
    (s: KubeObject) => typeof s?.containerID === 'string' && (s.containerID === containerId || s.containerID.endsWith(`://${containerId}`)),
  );
}

export class ProbeManager implements Prober {
  private readonly containers = new Map<string, ContainerProbes>();
  private readonly listeners: ((t: ProbeTransition) => void)[] = [];
  private readonly clock: Clock;
  private readonly createdAt: number;
  private readonly secondMs: number;
  private readonly userAgent: string;
  private stopped = false;

  constructor(private readonly opts: ProberOptions) {
    this.clock = opts.clock ?? realClock;
    this.createdAt = this.clock.now();
    this.secondMs = opts.secondMs ?? 1000;
    this.userAgent = `kube-probe/${opts.kubeVersion ?? '1.33'}`;
  }

  addContainer(target: ProbeTarget): void {
    const id = target.containerId;
    if (this.stopped || this.containers.has(id)) return;
    const now = this.clock.now();
    const startedMs = Number.isFinite(target.startedAt?.getTime()) ? target.startedAt.getTime() : now;
    const recorded = recordedStatus(target.pod, id);
    const entry: ContainerProbes = {
      target,
      podUid: target.pod?.metadata?.uid ?? '',
      startedMs,
      started: !probeSpec(target.container, 'startup') || recorded?.started === true,
      ready: false,
      knownReady: false,
      adopted: startedMs < this.createdAt,
      workers: new Map(),
    };
    if (entry.started && probeSpec(target.container, 'readiness') && recorded?.ready === true) {
      entry.ready = true;
      entry.knownReady = true;
    }
    this.containers.set(id, entry);
    for (const kind of KINDS) {
      const spec = probeSpec(target.container, kind);
      if (spec) entry.workers.set(kind, this.newWorker(entry, kind, spec));
    }
    if (!entry.started) {
      const worker = entry.workers.get('startup')!;
      worker.start({ firstAt: Math.max(now, startedMs + worker.settings.initialDelayMs), warmup: true });
    } else {
      this.startAfterStartup(entry);
    }
  }

  removeContainer(containerId: string): void {
    const entry = this.containers.get(containerId);
    if (!entry) return;
    for (const w of entry.workers.values()) w.stop();
    this.containers.delete(containerId);
  }

  removePod(podUid: string): void {
    for (const [id, entry] of [...this.containers]) if (entry.podUid === podUid) this.removeContainer(id);
  }

  isReady(containerId: string): boolean {
    const entry = this.containers.get(containerId);
    if (!entry?.started) return false;
    return entry.workers.has('readiness') ? entry.ready : true;
  }

  isStarted(containerId: string): boolean {
    return this.containers.get(containerId)?.started ?? false;
  }

  firstReadinessAttempt(containerId: string): Promise<void> | undefined {
    const readiness = this.containers.get(containerId)?.workers.get('readiness');
    return readiness?.firstAttemptPending(this.clock.now()) ? readiness.firstAttempt : undefined;
  }

  onTransition(listener: (t: ProbeTransition) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.containers.keys()]) this.removeContainer(id);
  }

  /** Liveness and readiness begin once the container counts as started. */
  private startAfterStartup(entry: ContainerProbes): void {
    const now = this.clock.now();
    const random = this.opts.random ?? Math.random;
    const readiness = entry.workers.get('readiness');
    if (readiness) {
      const t0 = Math.max(now, entry.startedMs + readiness.settings.initialDelayMs);
      if (entry.knownReady) readiness.start({ firstAt: t0 + random() * readiness.settings.periodMs, warmup: false });
      else readiness.start({ firstAt: t0, warmup: true });
    }
    const liveness = entry.workers.get('liveness');
    if (liveness) {
      const t0 = Math.max(now, entry.startedMs + liveness.settings.initialDelayMs);
      const spread = entry.adopted && t0 === now;
      liveness.start({ firstAt: t0 + (spread ? random() : 1) * liveness.settings.periodMs, warmup: false });
    }
  }

  private newWorker(entry: ContainerProbes, kind: ProbeKind, spec: KubeObject): ProbeWorker {
    const settings = probeSettings(spec, kind, this.secondMs);
    const { target } = entry;
    const attempt: ProbeAttempt = {
      probe: spec,
      pod: target.pod,
      container: target.container,
      containerId: target.containerId,
      podIP: target.podIP,
    };
    return new ProbeWorker(
      kind,
      settings,
      {
        clock: this.clock,
        check: () => this.check(attempt, settings.timeoutMs, kind),
        settle: (result, output) => this.settle(entry, kind, result, output, spec),
        event: (reason, message) => {
          this.opts.logger?.debug({ pod: target.pod?.metadata?.name, container: target.container?.name, reason, message }, 'probe event');
          const name = target.container?.name;
          this.opts.events?.warning(target.pod, reason, message, name ? containerFieldPath(target.pod, name) : undefined);
        },
      },
      this.opts.warmupFirstRetryMs ?? 25,
    );
  }

  private async check(attempt: ProbeAttempt, timeoutMs: number, kind: ProbeKind): Promise<ProbeOutcome> {
    let outcome: ProbeOutcome = { result: 'unknown', output: '', error: 'probe not run' };
    for (let i = 0; i < MAX_ATTEMPTS_ON_ERROR; i++) {
      try {
        outcome = this.opts.check
          ? await this.opts.check(attempt, timeoutMs, kind)
          : await runProbe(attempt, { runtime: this.opts.runtime, userAgent: this.userAgent }, timeoutMs);
      } catch (err) {
        outcome = { result: 'unknown', output: '', error: errorMessage(err) };
      }
      if (outcome.result !== 'unknown') break;
    }
    return outcome;
  }

  private settle(entry: ContainerProbes, kind: ProbeKind, result: 'success' | 'failure', output: string, spec: KubeObject): void {
    if (this.containers.get(entry.target.containerId) !== entry) return;
    if (kind === 'startup') {
      if (result === 'failure') this.emit(entry, kind, result, output, spec);
      else if (!entry.started) {
        entry.started = true;
        this.emit(entry, kind, result, output, spec);
        if (this.containers.get(entry.target.containerId) === entry) this.startAfterStartup(entry);
      }
    } else if (kind === 'readiness') {
      const ready = result === 'success';
      if (ready === entry.ready) return;
      entry.ready = ready;
      this.emit(entry, kind, result, output, spec);
    } else if (result === 'failure') {
      // Liveness starts out successful: only its failure is news.
      this.emit(entry, kind, result, output, spec);
    }
  }

  private emit(entry: ContainerProbes, probe: ProbeKind, result: 'success' | 'failure', message: string, spec: KubeObject): void {
    const { target } = entry;
    const transition: ProbeTransition = {
      podUid: entry.podUid,
      containerName: target.container?.name ?? '',
      containerId: target.containerId,
      probe,
      result,
      message,
    };
    if (result === 'failure' && probe !== 'readiness' && typeof spec.terminationGracePeriodSeconds === 'number') {
      transition.terminationGracePeriodSeconds = spec.terminationGracePeriodSeconds;
    }
    this.opts.logger?.info({ pod: target.pod?.metadata?.name, container: transition.containerName, probe, result }, 'probe result changed');
    for (const listener of this.listeners) {
      try {
        listener(transition);
      } catch (err) {
        this.opts.logger?.warn({ err: errorMessage(err), probe }, 'probe transition listener failed');
      }
    }
  }
}
