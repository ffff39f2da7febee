// Hand-driven Prober, VolumeManager and HookRunner for pod-worker tests.
import type { KubeObject } from '../../../api/resource-type.ts';
import type { HookContext, HookResult, HookRunner } from '../../lifecycle/types.ts';
import type { Prober, ProbeTarget, ProbeTransition } from '../../probes/types.ts';
import { throwVolumeErrors, VolumeError, type VolumeManager } from '../../volumes/types.ts';

/** Containers are ready and started unless the test says otherwise. */
export class FakeProber implements Prober {
  readonly targets = new Map<string, ProbeTarget>();
  readonly notReady = new Set<string>();
  readonly notStarted = new Set<string>();
  private listeners: ((t: ProbeTransition) => void)[] = [];

  addContainer(target: ProbeTarget): void {
    this.targets.set(target.containerId, target);
  }
  removeContainer(containerId: string): void {
    this.targets.delete(containerId);
  }
  removePod(podUid: string): void {
    for (const [id, t] of this.targets) if (t.pod.metadata?.uid === podUid) this.targets.delete(id);
  }
  isReady(containerId: string): boolean {
    return this.targets.has(containerId) && !this.notReady.has(containerId);
  }
  isStarted(containerId: string): boolean {
    return this.targets.has(containerId) && !this.notStarted.has(containerId);
  }
  /** Probes do not run here: no first attempt to wait for. */
  firstReadinessAttempt(_containerId: string): Promise<void> | undefined {
    return undefined;
  }
  onTransition(listener: (t: ProbeTransition) => void): void {
    this.listeners.push(listener);
  }
  stop(): void {}

  emit(t: ProbeTransition): void {
    for (const l of this.listeners) l(t);
  }
}

export class FakeVolumes implements VolumeManager {
  /** Volume name → error message: setUp fails while set. */
  readonly failing = new Map<string, string>();
  /** Volume name → error message: refresh fails while set. */
  readonly refreshFailing = new Map<string, string>();
  readonly tornDown: string[] = [];

  constructor(private readonly root: string) {}

  async setUp(pod: KubeObject): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const errors: VolumeError[] = [];
    for (const v of pod.spec?.volumes ?? []) {
      const failure = this.failing.get(v.name);
      if (failure) errors.push(new VolumeError(v.name, failure));
      else out.set(v.name, `${this.root}/${pod.metadata?.uid}/${v.name}`);
    }
    throwVolumeErrors(errors);
    return out;
  }
  async refresh(pod: KubeObject): Promise<void> {
    const volumes: { name: string }[] = pod.spec?.volumes ?? [];
    throwVolumeErrors(
      volumes.filter((v) => this.refreshFailing.has(v.name)).map((v) => new VolumeError(v.name, this.refreshFailing.get(v.name)!)),
    );
  }
  async tearDown(podUid: string): Promise<void> {
    this.tornDown.push(podUid);
  }
}

export class FakeHooks {
  readonly calls: { kind: string; container: string }[] = [];
  /** Container name → result for its hooks (default ok). */
  readonly results = new Map<string, HookResult>();
  /** Container names whose hooks never finish (a preStop that outlasts the grace period). */
  readonly hanging = new Set<string>();

  readonly run: HookRunner = async (handler: KubeObject, ctx: HookContext): Promise<HookResult> => {
    this.calls.push({ kind: handler === ctx.container.lifecycle?.preStop ? 'preStop' : 'postStart', container: ctx.container.name });
    if (this.hanging.has(ctx.container.name)) return new Promise<HookResult>(() => {});
    return this.results.get(ctx.container.name) ?? { ok: true, message: '' };
  };
}
