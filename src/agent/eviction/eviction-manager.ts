// The kubelet eviction manager's local-storage part: every `intervalMs` (the kubelet's
// housekeeping period, 10 s) each active pod on this node is measured against its emptyDir
// sizeLimits and ephemeral-storage limits (local-storage.ts); a pod over one is handed to
// `evict` with the kubelet's message, and its pod worker kills it (grace period 1 s, the
// kubelet's immediateEvictionGracePeriodSeconds) and reports phase Failed, reason Evicted.
//
// What counts on a process runtime (there is no writable container layer):
//   - an emptyDir: its directory under <dataDir>/pods/<uid>/volumes/kubernetes.io~empty-dir/,
//     unless it is a mount (a tmpfs for medium Memory, limited by its size instead);
//   - a container: its log directory <dataDir>/pods/<ns>_<name>_<uid>/<container>/ (the log
//     files of its current and kept runs, their rotations, its termination-message files);
//   - the pod: that whole pod directory, plus its disk-backed emptyDirs and configMap volumes.
// Checks run one pod at a time, one walk at a time, each walk bounded (disk-usage.ts); a failure
// is logged and the pod is checked again next period.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, pino } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { podDirectory } from '../pods/container-config.ts';
import { type MeasureDiskUsage, measureDiskUsage } from './disk-usage.ts';
import { localStorageViolation, type StorageLayout, type Violation } from './local-storage.ts';

type Json = Record<string, any>;

/** The kubelet's housekeeping period, at which its eviction manager checks local storage. */
export const DEFAULT_EVICTION_INTERVAL_MS = 10_000;
/** scheduling.SystemCriticalPriority: pods at or above it are never evicted. */
const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

export interface EvictionManagerOptions {
  dataDir: string;
  /** The pods to check: on this node, admitted, not terminating, not terminal, not evicted yet. */
  pods(): KubeObject[];
  /** Evict the pod with the kubelet's message (the pod worker does the killing and the status). */
  evict(pod: KubeObject, violation: Violation): void;
  intervalMs?: number;
  /** Disk usage of a path (tests give fake sizes). */
  measure?: MeasureDiskUsage;
  logger?: Logger;
}

const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null) : []);

/** IsCriticalPod: static and mirror pods, and system-critical priorities, are never evicted. */
export function isCriticalPod(pod: KubeObject): boolean {
  const annotations: Json = pod.metadata?.annotations ?? {};
  if (annotations['kubernetes.io/config.mirror'] !== undefined) return true;
  const source = annotations['kubernetes.io/config.source'];
  if (source !== undefined && source !== 'api') return true;
  return typeof pod.spec?.priority === 'number' && pod.spec.priority >= SYSTEM_CRITICAL_PRIORITY;
}

/** A directory that is a mount point (its device differs from its parent's), e.g. a tmpfs. */
async function isMount(dir: string): Promise<boolean> {
  const [self, parent] = await Promise.all([lstat(dir), lstat(path.dirname(dir))]);
  return self.dev !== parent.dev;
}

/** Hale's layout of a pod's local storage (volume-manager.ts and container-config.ts). */
export function nodeStorageLayout(dataDir: string): StorageLayout {
  const volumeDir = (pod: KubeObject, plugin: string, name: string) =>
    path.join(dataDir, 'pods', String(pod.metadata?.uid), 'volumes', plugin, name);
  const emptyDirPath = async (pod: KubeObject, name: string): Promise<string | undefined> => {
    const dir = volumeDir(pod, 'kubernetes.io~empty-dir', name);
    try {
      return (await isMount(dir)) ? undefined : dir;
    } catch {
      return undefined; // not set up (yet), or gone
    }
  };
  return {
    emptyDirPath,
    containerPaths: (pod, name) => [path.join(podDirectory(dataDir, pod), name)],
    podPaths: (pod) => [podDirectory(dataDir, pod)],
    async podVolumePaths(pod) {
      const out: string[] = [];
      for (const v of listOf(pod.spec?.volumes)) {
        if (v.emptyDir) {
          const dir = await emptyDirPath(pod, v.name);
          if (dir) out.push(dir);
        } else if (v.configMap) out.push(volumeDir(pod, 'kubernetes.io~configmap', v.name));
      }
      return out;
    },
  };
}

export class EvictionManager {
  private readonly layout: StorageLayout;
  private readonly measure: MeasureDiskUsage;
  private readonly intervalMs: number;
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly opts: EvictionManagerOptions,
    layout?: StorageLayout,
  ) {
    this.layout = layout ?? nodeStorageLayout(opts.dataDir);
    this.measure = opts.measure ?? measureDiskUsage;
    this.intervalMs = opts.intervalMs ?? DEFAULT_EVICTION_INTERVAL_MS;
    this.logger = (opts.logger ?? pino({ level: 'silent' })).child({ subsystem: 'eviction' });
  }

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every active pod (also what each period runs). Never throws. */
  check(): Promise<void> {
    this.running ??= this.checkAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref?.();
  }

  private async checkAll(): Promise<void> {
    let pods: KubeObject[];
    try {
      pods = this.opts.pods();
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'listing pods for the local storage check failed');
      return;
    }
    for (const pod of pods) {
      if (this.stopped) return;
      if (!hasLocalStorageLimits(pod) || isCriticalPod(pod)) continue;
      try {
        const violation = await localStorageViolation(pod, this.layout, this.measure);
        if (!violation) continue;
        this.logger.info({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, message: violation.message }, 'evicting pod');
        this.opts.evict(pod, violation);
      } catch (err) {
        this.logger.warn(
          { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, err: err instanceof Error ? err.message : String(err) },
          'local storage check failed',
        );
      }
    }
  }
}

/** Only pods with an emptyDir sizeLimit or an ephemeral-storage limit are measured at all. */
export function hasLocalStorageLimits(pod: KubeObject): boolean {
  const spec: Json = pod.spec ?? {};
  if (listOf(spec.volumes).some((v) => v.emptyDir?.sizeLimit != null)) return true;
  return [...listOf(spec.containers), ...listOf(spec.initContainers)].some((c) => c.resources?.limits?.['ephemeral-storage'] != null);
}
