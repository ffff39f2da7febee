// The contract between the pod workers and the volume manager: before containers start, every
// volume of the pod is prepared on the node and mapped to a host path; the runtime makes it
// appear at each container's mountPath.
import type { KubeObject } from '../../api/resource-type.ts';

/** A volume that cannot be prepared (missing ConfigMap/Secret, bad hostPath…): a FailedMount event. */
export class VolumeError extends Error {
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(message);
  }
}

/** Several volumes of one pod that cannot be prepared: one FailedMount event each, as the kubelet writes. */
export class VolumeErrors extends Error {
  constructor(readonly errors: VolumeError[]) {
    super(errors.map((e) => `volume "${e.volume}": ${e.message}`).join('; '));
  }
}

/** Throws what a set-up or refresh that failed for `errors` should throw (nothing when empty). */
export function throwVolumeErrors(errors: VolumeError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new VolumeErrors(errors);
}

export interface VolumeManager {
  /**
   * Prepare every volume of `pod` and return volume name → host path (a directory, or a file
   * for hostPath File volumes). Idempotent; throws VolumeError (VolumeErrors for several) for a volume that cannot be
   * prepared yet (the pod worker retries).
   */
  setUp(pod: KubeObject): Promise<Map<string, string>>;
  /**
   * Bring ConfigMap/Secret/downwardAPI/projected contents up to date in place (atomically,
   * via a `..data` symlink swap as the kubelet does), so mounted configuration updates live.
   */
  refresh(pod: KubeObject): Promise<void>;
  /** Remove what setUp created for the pod (emptyDirs are deleted; hostPaths are left alone). */
  tearDown(podUid: string): Promise<void>;
}
