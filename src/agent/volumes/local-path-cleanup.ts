// The node's half of the local-path provisioner (controllers/persistentvolume/
// local-path-volume.ts): when a provisioned PersistentVolume of this node is deleted, its
// directory is removed and then the provisioner's finalizer, which lets the PV object go.
// Level-triggered: a deletion that happened while the agent was down is finished when it
// starts. Only directories inside this node's local volume directory are ever removed.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import { Informer } from '../../client/informer.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import {
  LOCAL_PATH_PROVISIONER,
  PROVISIONED_BY_ANNOTATION,
  PROVISIONER_FINALIZER,
} from '../../controllers/persistentvolume/local-path-volume.ts';
import { volumeAdmitsNode } from '../../scheduler/plugins/volume-binding.ts';

const RETRY_MS = 5_000;

/** Where this node keeps its local-path volumes (published on its Node). */
export const localVolumeDir = (dataDir: string): string => path.join(dataDir, 'local-volumes');

/**
 * The directory to remove for a deleted local-path PV, if it is this node's to remove: the
 * volume lives on this node (its node affinity says so; every node may use the same path)
 * and directly inside this node's volume directory.
 */
export function ownedVolumeDirectory(
  pv: KubeObject,
  volumeDir: string,
  node: { name: string; labels: Record<string, string> },
): string | undefined {
  if (pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION] !== LOCAL_PATH_PROVISIONER) return undefined;
  if (!pv.spec?.nodeAffinity || !volumeAdmitsNode(pv, node)) return undefined;
  const dir: unknown = pv.spec?.hostPath?.path;
  if (typeof dir !== 'string' || !path.isAbsolute(dir)) return undefined;
  const resolved = path.resolve(dir);
  return path.dirname(resolved) === path.resolve(volumeDir) ? resolved : undefined;
}

export class LocalPathCleanup {
  private readonly informer: Informer;
  private readonly busy = new Set<string>();
  private readonly lookAgain = new Set<string>();

  private stopped = false;
  private readonly node: { name: string; labels: Record<string, string> };

  constructor(
    private readonly client: RestClient,
    private readonly volumeDir: string,
    nodeName: string,
    private readonly logger: Logger,
  ) {
    // The provisioner's node term uses the kubernetes.io/hostname label the agent sets (node-object.ts).
    this.node = { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName.toLowerCase() } };
    this.informer = new Informer(client, resources.persistentVolumes, { logger });
    const seen = (pv: KubeObject) => void this.cleanUp(pv);
    this.informer.addEventHandler({ onAdd: seen, onUpdate: (_old, pv) => seen(pv) });
  }

  start(): void {
    this.informer.start();
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.informer.stop();
  }

  private async cleanUp(pv: KubeObject): Promise<void> {
    const name: string = pv.metadata?.name ?? '';
    if (this.stopped) return;
    if (!pv.metadata?.deletionTimestamp || !(pv.metadata.finalizers ?? []).includes(PROVISIONER_FINALIZER)) return;
    const dir = ownedVolumeDirectory(pv, this.volumeDir, this.node);
    if (!dir) return;
    if (this.busy.has(name)) {
      // A newer version arrived mid-way (say, pv-protection let go, and our write conflicted).
      this.lookAgain.add(name);
      return;
    }
    this.busy.add(name);
    try {
      await rm(dir, { recursive: true, force: true });
      const finalizers = (pv.metadata.finalizers as string[]).filter((f) => f !== PROVISIONER_FINALIZER);
      await this.client.update(resources.persistentVolumes, { ...pv, metadata: { ...pv.metadata, finalizers } });
      this.logger.info({ volume: name, path: dir }, 'removed a deleted local-path volume');
    } catch (err) {
      // A conflict means a newer version of the PV, which is looked at again (lookAgain).
      if (!isNotFound(err) && !isConflict(err)) {
        this.logger.warn({ volume: name, err: err instanceof Error ? err.message : String(err) }, 'could not remove a local-path volume');
        setTimeout(() => {
          const latest = this.informer.get(undefined, name);
          if (latest) void this.cleanUp(latest);
        }, RETRY_MS).unref();
      }
    } finally {
      this.busy.delete(name);
      if (this.lookAgain.delete(name)) {
        const latest = this.informer.get(undefined, name);
        if (latest) void this.cleanUp(latest);
      }
    }
  }
}
