// Hale's VolumeManager: prepares each volume of a pod on this node before its containers
// start, keeps configuration volumes current, and removes what it made when the pod goes.
//
// Layout (the kubelet's): <dataDir>/pods/<uid>/volumes/<plugin>/<volume>, with plugin
// kubernetes.io~empty-dir, ~configmap, ~secret, ~downward-api or ~projected. hostPath and
// persistentVolumeClaim volumes map to the node's own path and are never deleted.
//
// Differences from the kubelet, by design of a process runtime: secret volumes are plain
// files (no tmpfs); emptyDir `medium: Memory` is a tmpfs only when the agent runs as root
// and mounting works, else a plain directory (logged once); fsGroup ownership is applied only
// when the agent runs as root.
import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, pino } from 'pino';
import { memoryBytes } from '../../api/quantity.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { isNotFound } from '../../client/api-error.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { type Payload, writePayload } from './atomic-writer.ts';
import { ConfigObjects } from './config-objects.ts';
import { applyFsGroup } from './fs-group.ts';
import { checkHostPath } from './host-path.ts';
import { downwardAPIPayload, objectPayload, type PayloadContext, projectedPayload } from './payloads.ts';
import { resolveClaim } from './persistent-volume.ts';
import { ServiceAccountTokenCache } from './service-account-token.ts';
import { isMountPoint, mountsUnder, mountTmpfs, unmount } from './tmpfs.ts';
import { throwVolumeErrors, VolumeError, type VolumeManager } from './types.ts';

type Json = Record<string, any>;

export interface NodeVolumeManagerOptions {
  client: RestClient;
  /** The agent's data directory; pod volumes live under `<dataDir>/pods/<uid>/volumes`. */
  dataDir: string;
  /** This node's name, to read its allocatable resources for downward API limits. */
  nodeName?: string;
  logger?: Logger;
  /** ConfigMap/Secret reader, shareable with the env resolver (its cache). */
  objects?: ConfigObjects;
  /** Mount tmpfs for `medium: Memory` emptyDirs (default: when running as root). */
  tmpfs?: boolean;
  /** Give volumes to the pod's fsGroup (default: when running as root, which can chown). */
  fsGroup?: boolean;
}

/** The kind of a volume source, in the pod spec's field names. */
const SOURCE_KINDS = [
  'emptyDir',
  'configMap',
  'secret',
  'downwardAPI',
  'projected',
  'hostPath',
  'persistentVolumeClaim',
  'ephemeral',
  'csi',
  'nfs',
  'iscsi',
  'image',
] as const;

const PLUGIN_DIRS: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
};

/** Volume kinds whose files come from API objects or the pod, and are rewritten on refresh. */
const PROJECTED_KINDS = new Set(['configMap', 'secret', 'downwardAPI', 'projected']);

/** Volume kinds the pod's fsGroup applies to (hostPath, the node's own files, is left alone). */
const FS_GROUP_KINDS = new Set([...PROJECTED_KINDS, 'emptyDir', 'persistentVolumeClaim']);

function sourceKind(volume: Json): string {
  return SOURCE_KINDS.find((k) => volume[k] != null) ?? Object.keys(volume).find((k) => k !== 'name') ?? 'unknown';
}

const NODE_TTL_MS = 30_000;

export class NodeVolumeManager implements VolumeManager {
  private readonly client: RestClient;
  private readonly dataDir: string;
  private readonly logger: Logger;
  private readonly objects: ConfigObjects;
  private readonly tokens: ServiceAccountTokenCache;
  private readonly tmpfsAllowed: boolean;
  private readonly fsGroupAllowed: boolean;
  private readonly nodeName?: string;
  /** Pod uid → volume name → host path, for volumes set up successfully. */
  private readonly ready = new Map<string, Map<string, string>>();
  /** Pod uid → the immutable ConfigMaps and Secrets its volumes read (see PayloadContext.pinned). */
  private readonly pinned = new Map<string, Map<string, KubeObject>>();
  /** Per-pod chain so setUp, refresh and tearDown of one pod never overlap. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private nodeCache?: { at: number; node: Promise<KubeObject | undefined> };
  private warnedNoTmpfs = false;

  constructor(opts: NodeVolumeManagerOptions) {
    this.client = opts.client;
    this.dataDir = opts.dataDir;
    this.nodeName = opts.nodeName;
    this.logger = (opts.logger ?? pino({ level: 'silent' })).child({ subsystem: 'volumes' });
    this.objects = opts.objects ?? new ConfigObjects(opts.client);
    this.tokens = new ServiceAccountTokenCache(opts.client);
    this.tmpfsAllowed = opts.tmpfs ?? process.getuid?.() === 0;
    this.fsGroupAllowed = opts.fsGroup ?? process.getuid?.() === 0;
  }

  /** `<dataDir>/pods/<uid>`: everything this manager creates for the pod. */
  podDir(uid: string): string {
    return path.join(this.dataDir, 'pods', uid);
  }

  setUp(pod: KubeObject): Promise<Map<string, string>> {
    return this.serialized(pod.metadata?.uid, () => this.doSetUp(pod));
  }

  refresh(pod: KubeObject): Promise<void> {
    return this.serialized(pod.metadata?.uid, () => this.doRefresh(pod));
  }

  tearDown(podUid: string): Promise<void> {
    return this.serialized(podUid, () => this.doTearDown(podUid));
  }

  private async serialized<T>(uid: string | undefined, step: () => Promise<T>): Promise<T> {
    if (!uid) throw new Error('pod has no metadata.uid');
    const previous = this.locks.get(uid) ?? Promise.resolve();
    const next = previous.then(step, step);
    const settled = next.catch(() => undefined);
    this.locks.set(uid, settled);
    settled.then(() => {
      if (this.locks.get(uid) === settled) this.locks.delete(uid);
    });
    return next;
  }

  private async doSetUp(pod: KubeObject): Promise<Map<string, string>> {
    const uid: string = pod.metadata?.uid;
    let ready = this.ready.get(uid);
    if (!ready) {
      ready = new Map();
      this.ready.set(uid, ready);
    }
    const errors: VolumeError[] = [];
    for (const volume of listOf(pod.spec?.volumes)) {
      if (ready.has(volume.name)) continue;
      try {
        const dir = await this.setUpVolume(pod, volume);
        await this.giveToFsGroup(pod, volume, dir);
        ready.set(volume.name, dir);
      } catch (err) {
        const error = err instanceof VolumeError ? err : new VolumeError(volume.name, err instanceof Error ? err.message : String(err));
        this.logger.debug({ pod: podKey(pod), volume: volume.name, err: error.message }, 'volume setup failed');
        errors.push(error);
      }
    }
    throwVolumeErrors(errors);
    return new Map(ready);
  }

  private async setUpVolume(pod: KubeObject, volume: Json): Promise<string> {
    const kind = sourceKind(volume);
    const source: Json = volume[kind] ?? {};
    const dir = PLUGIN_DIRS[kind] ? path.join(this.podDir(pod.metadata?.uid), 'volumes', PLUGIN_DIRS[kind], volume.name) : '';
    switch (kind) {
      case 'emptyDir':
        await this.setUpEmptyDir(pod, dir, source);
        return dir;
      case 'configMap':
      case 'secret':
      case 'downwardAPI':
      case 'projected':
        writePayload(dir, await this.payloadOf(pod, kind, source));
        return dir;
      case 'hostPath':
        await checkHostPath(source.path, source.type);
        return source.path;
      case 'persistentVolumeClaim': {
        const claim = await resolveClaim(this.client, pod.metadata?.namespace, source.claimName);
        await checkHostPath(claim.path, claim.type);
        return claim.path;
      }
      default:
        throw new VolumeError(volume.name, `volumes of type "${kind}" are not supported by this node`);
    }
  }

  private async setUpEmptyDir(pod: KubeObject, dir: string, source: Json): Promise<void> {
    await mkdir(dir, { recursive: true });
    if (source.medium === 'Memory' && !(await isMountPoint(dir))) {
      if (this.tmpfsAllowed) {
        try {
          await mountTmpfs(dir, memoryVolumeSize(pod, source));
        } catch (err) {
          this.warnNoTmpfs(`mounting tmpfs failed (${err instanceof Error ? err.message.trim() : String(err)})`);
        }
      } else {
        this.warnNoTmpfs('the agent is not running as root');
      }
    }
    await chmod(dir, 0o777); // emptyDirs are world-writable, as in Kubernetes
  }

  private async giveToFsGroup(pod: KubeObject, volume: Json, dir: string): Promise<void> {
    const sc: Json = pod.spec?.securityContext ?? {};
    const kind = sourceKind(volume);
    if (typeof sc.fsGroup !== 'number' || !this.fsGroupAllowed || !FS_GROUP_KINDS.has(kind)) return;
    await applyFsGroup(dir, {
      fsGroup: sc.fsGroup,
      readOnly: PROJECTED_KINDS.has(kind),
      onRootMismatchOnly: sc.fsGroupChangePolicy === 'OnRootMismatch',
    });
  }

  private warnNoTmpfs(why: string): void {
    if (this.warnedNoTmpfs) return;
    this.warnedNoTmpfs = true;
    this.logger.warn(`emptyDir volumes with medium Memory use a plain directory on this node: ${why}`);
  }

  private payloadOf(pod: KubeObject, kind: string, source: Json): Promise<Payload> {
    const uid: string = pod.metadata?.uid;
    let pinned = this.pinned.get(uid);
    if (!pinned && kind !== 'downwardAPI') {
      pinned = new Map();
      this.pinned.set(uid, pinned);
    }
    const ctx: PayloadContext = {
      pod,
      objects: this.objects,
      pinned,
      node: () => this.node(),
      serviceAccountToken: (source) => this.tokens.tokenFor(pod, source),
    };
    switch (kind) {
      case 'configMap':
        return objectPayload('configmap', source, source.defaultMode, ctx);
      case 'secret':
        return objectPayload('secret', source, source.defaultMode, ctx);
      case 'downwardAPI':
        return downwardAPIPayload(source.items, source.defaultMode, ctx);
      default:
        return projectedPayload(source, ctx);
    }
  }

  private async doRefresh(pod: KubeObject): Promise<void> {
    const ready = this.ready.get(pod.metadata?.uid);
    if (!ready) return;
    const errors: VolumeError[] = [];
    for (const volume of listOf(pod.spec?.volumes)) {
      const kind = sourceKind(volume);
      const dir = ready.get(volume.name);
      if (!dir || !PROJECTED_KINDS.has(kind)) continue;
      try {
        // A failed read keeps the current files, as the kubelet does.
        if (writePayload(dir, await this.payloadOf(pod, kind, volume[kind]))) {
          await this.giveToFsGroup(pod, volume, dir);
          this.logger.debug({ pod: podKey(pod), volume: volume.name }, 'volume contents updated');
        }
      } catch (err) {
        errors.push(new VolumeError(volume.name, err instanceof Error ? err.message : String(err)));
      }
    }
    throwVolumeErrors(errors);
  }

  private async doTearDown(uid: string): Promise<void> {
    this.ready.delete(uid);
    this.pinned.delete(uid);
    this.tokens.forget(uid);
    const dir = this.podDir(uid);
    for (const mountPoint of await mountsUnder(dir)) {
      try {
        await unmount(mountPoint);
      } catch (err) {
        // Deleting through a live mount could destroy data that is not ours: leave it all.
        throw new Error(
          `cannot remove volumes of pod ${uid}: unmounting ${mountPoint} failed: ${err instanceof Error ? err.message.trim() : String(err)}`,
        );
      }
    }
    await rm(dir, { recursive: true, force: true });
  }

  private node(): Promise<KubeObject | undefined> {
    if (!this.nodeName) return Promise.resolve(undefined);
    const now = Date.now();
    if (this.nodeCache && now - this.nodeCache.at < NODE_TTL_MS) return this.nodeCache.node;
    const node = this.client.get(resources.nodes, undefined, this.nodeName).catch((err) => {
      if (!isNotFound(err)) this.logger.debug({ err: String(err) }, 'reading the node failed');
      return undefined;
    });
    this.nodeCache = { at: now, node };
    return node;
  }
}

/**
 * A memory-backed emptyDir's size: its sizeLimit, else the pod's memory limit when every
 * container has one, else unset (the kernel's default of half the RAM).
 */
function memoryVolumeSize(pod: KubeObject, source: Json): number | undefined {
  if (source.sizeLimit != null) return memoryBytes(source.sizeLimit);
  const containers = listOf(pod.spec?.containers);
  const limits = containers.map((c) => c.resources?.limits?.memory);
  if (containers.length === 0 || limits.some((l) => l == null)) return undefined;
  return limits.reduce((sum, l) => sum + memoryBytes(l), 0);
}

function listOf(value: unknown): Json[] {
  return Array.isArray(value) ? value : [];
}

function podKey(pod: KubeObject): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}
