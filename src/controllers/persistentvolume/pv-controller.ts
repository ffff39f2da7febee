// The PersistentVolume controller (Kubernetes' persistentvolume-binder): binds claims to
// volumes and keeps both phases true.
// - A claim without a volume gets the smallest free volume that fits (volume-matching.ts). With
//   a WaitForFirstConsumer class it waits until the scheduler names the node of its first pod
//   (the selected-node annotation), and then takes a volume that node can use, or has one
//   provisioned there when its class' provisioner is Hale's local-path (local-path-volume.ts).
// - Binding writes the volume first (claimRef, phase Bound) and the claim second (volumeName,
//   phase Bound, capacity): a controller that stops between the two finds the volume pre-bound
//   to the claim and finishes.
// - A volume whose claim is gone is Released; with reclaimPolicy Delete a provisioned one is
//   deleted (its agent removes the directory), any other kind is Failed, as Kubernetes has no
//   deleter for it.
// - A bound claim of a local-path volume whose request grew is expanded as CSI's external-resizer
//   does for a driver with no resize work to do (a directory has no size to change): the PV's
//   capacity, then the claim's status.capacity, with Kubernetes' ExternalExpanding, Resizing and
//   VolumeResizeSuccessful events and the Resizing condition while it lasts.
// - Besides reacting to changes, every claim and volume is synced again each resync period
//   (Kubernetes' --pvclaimbinder-sync-period, 15 s): a claim that stays Pending repeats its
//   FailedBinding / ProvisioningFailed / WaitForFirstConsumer / ExternalProvisioning event
//   then, which the event recorder folds into one Event whose count grows, as in Kubernetes.
// Writes use the cached resourceVersion, so two claims racing for one volume cannot both get it.
import type { Logger } from 'pino';
import { claimClassName, selectedNodeAnnotation } from '../../api/kinds/core/volume-claims.ts';
import { metaTime } from '../../api/meta-time.ts';
import { parseQuantity } from '../../api/quantity.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/api-error.ts';
import { type Clock, realClock, type TimerHandle } from '../../client/clock.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { LOCAL_PATH_PROVISIONER, localPathVolume, PROVISIONED_BY_ANNOTATION, provisionedVolumeName } from './local-path-volume.ts';
import { bestVolumeFor, volumeUnfitFor } from './volume-matching.ts';

const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
const BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';

const claimKey = (namespace: string, name: string) => `claim/${namespace}/${name}`;
const volumeKey = (name: string) => `volume/${name}`;
const asClaim = (claim: KubeObject): KubeObject => ({ ...claim, kind: 'PersistentVolumeClaim', apiVersion: 'v1' });
const asVolume = (pv: KubeObject): KubeObject => ({ ...pv, kind: 'PersistentVolume', apiVersion: 'v1' });
const isBound = (claim: KubeObject) => claim.status?.phase === 'Bound' && !!claim.spec?.volumeName;

/** a > b, for two storage quantities; false when either does not parse. */
function storageGreater(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  try {
    return parseQuantity(a).cmp(parseQuantity(b)) > 0;
  } catch {
    return false;
  }
}

/** Kubernetes' default --pvclaimbinder-sync-period. */
export const PV_RESYNC_PERIOD_MS = 15_000;

export interface PersistentVolumeControllerOptions {
  /** Every claim and volume is synced again this often (0: only on changes). */
  resyncPeriodMs?: number;
  clock?: Clock;
}

export class PersistentVolumeController extends Controller {
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly classes: Informer;
  private readonly nodes: Informer;
  private readonly recorder: EventRecorder;
  /** Kubernetes' expand controller and CSI's external-resizer write these events under their own names. */
  private readonly expandRecorder: EventRecorder;
  private readonly resizerRecorder: EventRecorder;
  private readonly resyncPeriodMs: number;
  private readonly clock: Clock;
  private resyncTimer?: TimerHandle;
  private stopped = false;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: PersistentVolumeControllerOptions = {},
  ) {
    super('persistentvolume-binder', logger);
    this.resyncPeriodMs = opts.resyncPeriodMs ?? PV_RESYNC_PERIOD_MS;
    this.clock = opts.clock ?? realClock;
    this.recorder = new EventRecorder(client, 'persistentvolume-controller', logger);
    this.expandRecorder = new EventRecorder(client, 'volume_expand', logger);
    this.resizerRecorder = new EventRecorder(client, `external-resizer ${LOCAL_PATH_PROVISIONER}`, logger);
    this.claims = informers.informerFor(resources.persistentVolumeClaims);
    this.volumes = informers.informerFor(resources.persistentVolumes);
    this.classes = informers.informerFor(resources.storageClasses);
    this.nodes = informers.informerFor(resources.nodes);
    const claimChanged = (claim: KubeObject) => this.enqueue(claimKey(claim.metadata?.namespace, claim.metadata?.name));
    this.claims.addEventHandler({
      onAdd: claimChanged,
      onUpdate: (_old, claim) => claimChanged(claim),
      // The claim's volume is released.
      onDelete: (claim) => {
        if (claim.spec?.volumeName) this.enqueue(volumeKey(claim.spec.volumeName));
      },
    });
    const volumeChanged = (pv: KubeObject) => {
      this.enqueue(volumeKey(pv.metadata?.name));
      const ref = pv.spec?.claimRef;
      if (ref?.namespace && ref.name) this.enqueue(claimKey(ref.namespace, ref.name));
      // A new or freed volume may be what a waiting claim needs.
      if (!ref) this.enqueueUnboundClaims();
    };
    this.volumes.addEventHandler({ onAdd: volumeChanged, onUpdate: (_old, pv) => volumeChanged(pv), onDelete: volumeChanged });
    this.classes.addEventHandler({ onAdd: () => this.enqueueUnboundClaims(), onUpdate: () => this.enqueueUnboundClaims() });
  }

  override run(workers = 1): void {
    super.run(workers);
    this.scheduleResync();
  }

  override async stop(): Promise<void> {
    this.stopped = true;
    this.resyncTimer?.cancel();
    await super.stop();
  }

  /** Kubernetes' resync: every claim and volume goes through the queue again, each period. */
  private scheduleResync(): void {
    if (this.resyncPeriodMs <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimer(() => {
      if (this.claims.hasSynced() && this.volumes.hasSynced()) {
        for (const claim of this.claims.list()) this.enqueue(claimKey(claim.metadata?.namespace, claim.metadata?.name));
        for (const pv of this.volumes.list()) this.enqueue(volumeKey(pv.metadata?.name));
      }
      this.scheduleResync();
    }, this.resyncPeriodMs);
  }

  private enqueueUnboundClaims(): void {
    for (const claim of this.claims.list()) if (!isBound(claim)) this.enqueue(claimKey(claim.metadata?.namespace, claim.metadata?.name));
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (![this.claims, this.volumes, this.classes, this.nodes].every((i) => i.hasSynced())) return { requeueAfterMs: 100 };
    const [kind, ...rest] = key.split('/');
    if (kind === 'claim') {
      const claim = this.claims.get(rest[0], rest[1]);
      return claim && !claim.metadata?.deletionTimestamp ? this.syncClaim(claim) : undefined;
    }
    const pv = this.volumes.get(undefined, rest[0]);
    if (pv) await this.syncVolume(pv);
    return undefined;
  }

  // ---- claims ----

  private async syncClaim(claim: KubeObject): Promise<ReconcileResult | undefined> {
    const volumeName: string | undefined = claim.spec?.volumeName;
    if (volumeName) return this.syncClaimWithVolumeName(claim, volumeName);
    const className = claimClassName(claim);
    const storageClass = className ? this.classes.get(undefined, className) : undefined;
    let node: KubeObject | undefined;
    if (storageClass?.volumeBindingMode === 'WaitForFirstConsumer') {
      const selected: string | undefined = claim.metadata?.annotations?.[selectedNodeAnnotation];
      node = selected ? this.nodes.get(undefined, selected) : undefined;
      if (selected && !node) {
        await this.giveNodeBack(claim, `node "${selected}" not found`);
        return undefined;
      }
      if (!node) {
        this.recorder.normal(asClaim(claim), 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
        return undefined;
      }
    }
    const nodeView = node ? { name: node.metadata?.name ?? '', labels: node.metadata?.labels ?? {} } : undefined;
    const pv = bestVolumeFor(claim, this.volumes.list(), nodeView);
    if (pv) {
      await this.bind(pv, claim);
      return undefined;
    }
    if (!className) {
      this.recorder.normal(asClaim(claim), 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return undefined;
    }
    if (!storageClass) {
      this.recorder.warning(asClaim(claim), 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return undefined;
    }
    if (storageClass.provisioner === LOCAL_PATH_PROVISIONER) return this.provisionLocalPath(claim, storageClass, node);
    if (storageClass.provisioner !== 'kubernetes.io/no-provisioner') {
      this.recorder.normal(
        asClaim(claim),
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${storageClass.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
      return undefined;
    }
    this.recorder.normal(asClaim(claim), 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    return undefined;
  }

  /** A claim that names its volume (bound, or pre-bound by its author). */
  private async syncClaimWithVolumeName(claim: KubeObject, volumeName: string): Promise<undefined> {
    const pv = this.volumes.get(undefined, volumeName);
    // Bound as Kubernetes tells (syncBoundClaim): by the bind-completed annotation, which a claim
    // restored from a dump keeps while its status is gone.
    const wasBound = isBound(claim) || claim.metadata?.annotations?.[BIND_COMPLETED] !== undefined;
    if (!pv) {
      if (wasBound) {
        await this.setClaimPhase(claim, 'Lost');
        this.recorder.warning(asClaim(claim), 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      }
      return undefined;
    }
    const ref = pv.spec?.claimRef;
    const refersToClaim = ref?.namespace === claim.metadata?.namespace && ref?.name === claim.metadata?.name;
    if (ref && !(refersToClaim && (!ref.uid || ref.uid === claim.metadata?.uid))) {
      if (!wasBound) {
        this.recorder.warning(asClaim(claim), 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`);
      } else {
        this.recorder.warning(asClaim(claim), 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
        await this.setClaimPhase(claim, 'Lost');
      }
      return undefined;
    }
    // Only a volume nobody holds yet is checked: one that names this claim is its own, and a
    // bound claim whose request grew (an expansion) stays bound.
    const mismatch = ref ? undefined : volumeUnfitFor(pv, claim);
    if (mismatch) {
      this.recorder.warning(asClaim(claim), 'VolumeMismatch', `Cannot bind to requested volume "${volumeName}": ${mismatch}`);
      return undefined;
    }
    await this.bind(pv, claim);
    if (isBound(claim) && refersToClaim) await this.expand(pv, claim);
    return undefined;
  }

  /**
   * A bound local-path claim asks for more than it has: the resize CSI's external-resizer makes
   * for a driver without ControllerExpandVolume and without node expansion. Each step checks
   * what is done already, so a controller that stops half-way finishes on the next sync.
   */
  private async expand(pv: KubeObject, claim: KubeObject): Promise<void> {
    if (pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION] !== LOCAL_PATH_PROVISIONER) return;
    const requested: string | undefined = claim.spec?.resources?.requests?.storage;
    if (!storageGreater(requested, claim.status?.capacity?.storage)) return;
    const ref = asClaim(claim);
    const pvName: string = pv.metadata?.name ?? '';
    const otherConditions = (claim.status?.conditions ?? []).filter((c: { type?: string }) => c.type !== 'Resizing');
    let current = claim;
    if (!(claim.status?.conditions ?? []).some((c: { type?: string }) => c.type === 'Resizing')) {
      this.expandRecorder.normal(ref, 'ExternalExpanding', 'waiting for an external controller to expand this PVC');
      const now = metaTime();
      current = await this.client.updateStatus(resources.persistentVolumeClaims, {
        ...claim,
        status: {
          ...claim.status,
          conditions: [...otherConditions, { type: 'Resizing', status: 'True', lastProbeTime: null, lastTransitionTime: now }],
          allocatedResources: { ...(claim.status?.allocatedResources ?? {}), storage: requested },
          allocatedResourceStatuses: { ...(claim.status?.allocatedResourceStatuses ?? {}), storage: 'ControllerResizeInProgress' },
        },
      });
      this.resizerRecorder.normal(ref, 'Resizing', `External resizer is resizing volume ${pvName}`);
    }
    if (storageGreater(requested, pv.spec?.capacity?.storage)) {
      await this.client.update(resources.persistentVolumes, {
        ...pv,
        spec: { ...pv.spec, capacity: { ...pv.spec?.capacity, storage: requested } },
      });
    }
    // Nothing to grow on the node: the resize is finished (no FileSystemResizePending).
    const statuses = { ...(current.status?.allocatedResourceStatuses ?? {}) };
    delete statuses.storage;
    const status: Record<string, unknown> = {
      ...current.status,
      capacity: { ...current.status?.capacity, storage: requested },
      conditions: otherConditions,
      allocatedResources: { ...(current.status?.allocatedResources ?? {}), storage: requested },
      allocatedResourceStatuses: statuses,
    };
    if (otherConditions.length === 0) delete status.conditions;
    if (Object.keys(statuses).length === 0) delete status.allocatedResourceStatuses;
    await this.client.updateStatus(resources.persistentVolumeClaims, { ...current, status });
    this.resizerRecorder.normal(ref, 'VolumeResizeSuccessful', 'Resize volume succeeded');
    this.logger.info({ claim: `${claim.metadata?.namespace}/${claim.metadata?.name}`, volume: pvName, size: requested }, 'volume expanded');
  }

  private async provisionLocalPath(claim: KubeObject, storageClass: KubeObject, node: KubeObject | undefined) {
    if (!node) {
      // local-path volumes belong to one node: only WaitForFirstConsumer says which.
      this.recorder.warning(asClaim(claim), 'ProvisioningFailed', 'configuration error, no node was specified');
      return undefined;
    }
    const pv = localPathVolume(claim, storageClass, node);
    if (!pv) {
      await this.giveNodeBack(claim, `node "${node.metadata?.name}" has not said where its local volumes go (is its agent running?)`);
      return undefined;
    }
    try {
      const created = await this.client.create(resources.persistentVolumes, undefined, pv);
      this.recorder.normal(asClaim(claim), 'ProvisioningSucceeded', `Successfully provisioned volume ${provisionedVolumeName(claim)}`);
      await this.bind(created, claim);
    } catch (err) {
      // Made by an earlier attempt: its events bind it.
      if (!isAlreadyExists(err)) throw err;
    }
    return undefined;
  }

  // ---- binding ----

  /** Volume first (claimRef, Bound), then the claim (volumeName, Bound with the volume's capacity). */
  private async bind(pv: KubeObject, claim: KubeObject): Promise<void> {
    const meta = claim.metadata ?? {};
    const claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: meta.namespace, name: meta.name, uid: meta.uid };
    let volume = pv;
    const ref = pv.spec?.claimRef;
    if (!ref || ref.uid !== meta.uid) {
      const annotations = { ...(pv.metadata?.annotations ?? {}) };
      if (!ref) annotations[BOUND_BY_CONTROLLER] = 'yes';
      volume = await this.client.update(resources.persistentVolumes, {
        ...pv,
        metadata: { ...pv.metadata, annotations },
        spec: { ...pv.spec, claimRef: { ...claimRef, resourceVersion: meta.resourceVersion } },
      });
    }
    if (volume.status?.phase !== 'Bound') {
      volume = await this.client.updateStatus(resources.persistentVolumes, { ...volume, status: { ...volume.status, phase: 'Bound' } });
    }
    let bound = claim;
    const provisioner: string | undefined = pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION];
    const annotations = { ...(claim.metadata?.annotations ?? {}) };
    const needsSpec = claim.spec?.volumeName !== pv.metadata?.name || annotations[BIND_COMPLETED] !== 'yes';
    if (needsSpec) {
      if (!claim.spec?.volumeName) annotations[BOUND_BY_CONTROLLER] = 'yes';
      annotations[BIND_COMPLETED] = 'yes';
      if (provisioner) {
        annotations[STORAGE_PROVISIONER] = provisioner;
        annotations[BETA_STORAGE_PROVISIONER] = provisioner;
      }
      bound = await this.client.update(resources.persistentVolumeClaims, {
        ...claim,
        metadata: { ...claim.metadata, annotations },
        spec: { ...claim.spec, volumeName: pv.metadata?.name },
      });
    }
    if (!isBound(bound)) {
      await this.client.updateStatus(resources.persistentVolumeClaims, {
        ...bound,
        status: { ...bound.status, phase: 'Bound', accessModes: volume.spec?.accessModes, capacity: volume.spec?.capacity },
      });
      this.logger.info({ claim: `${meta.namespace}/${meta.name}`, volume: pv.metadata?.name }, 'claim bound');
    }
  }

  /**
   * Provisioning on the selected node failed: the annotation is removed so that the scheduler
   * picks a node again (Kubernetes' rescheduleProvisioning), and the event says why.
   */
  private async giveNodeBack(claim: KubeObject, why: string): Promise<void> {
    this.recorder.warning(asClaim(claim), 'ProvisioningFailed', why);
    const annotations = { ...(claim.metadata?.annotations ?? {}) };
    delete annotations[selectedNodeAnnotation];
    await this.client.update(resources.persistentVolumeClaims, { ...claim, metadata: { ...claim.metadata, annotations } });
  }

  private async setClaimPhase(claim: KubeObject, phase: string): Promise<void> {
    if (claim.status?.phase === phase) return;
    await this.client.updateStatus(resources.persistentVolumeClaims, { ...claim, status: { ...claim.status, phase } });
  }

  // ---- volumes ----

  private async syncVolume(pv: KubeObject): Promise<void> {
    const ref = pv.spec?.claimRef;
    if (!ref) {
      await this.setVolumePhase(pv, 'Available');
      return;
    }
    const claim = this.claims.get(ref.namespace, ref.name);
    const claimGone = !claim || (ref.uid && claim.metadata?.uid !== ref.uid);
    if (!claimGone) {
      if (claim.spec?.volumeName === pv.metadata?.name) await this.setVolumePhase(pv, 'Bound');
      return;
    }
    // Pre-bound by its author to a claim that does not exist yet: free for that claim.
    if (!ref.uid) {
      await this.setVolumePhase(pv, 'Available');
      return;
    }
    // Released or Failed already: that claim (its uid) cannot come back, and each resync need not ask.
    if (pv.status?.phase === 'Released' || pv.status?.phase === 'Failed') {
      await this.reclaim(pv);
      return;
    }
    // The cache may lag a claim that was just created again: ask the server before releasing.
    if (await this.claimExists(ref.namespace, ref.name, ref.uid)) return;
    await this.reclaim(pv);
  }

  private async claimExists(namespace: string, name: string, uid: string): Promise<boolean> {
    try {
      return (await this.client.get(resources.persistentVolumeClaims, namespace, name)).metadata?.uid === uid;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** The claim is gone: Released, then what the reclaim policy says. */
  private async reclaim(pv: KubeObject): Promise<void> {
    if (pv.status?.phase === 'Failed') return;
    const released = await this.setVolumePhase(pv, 'Released');
    // Deleted already: Released lets pv-protection let it go.
    if (pv.metadata?.deletionTimestamp) return;
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return;
    if (policy === 'Delete' && pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION] === LOCAL_PATH_PROVISIONER) {
      try {
        await this.client.delete(resources.persistentVolumes, undefined, pv.metadata?.name, { preconditions: { uid: pv.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }
    const message =
      policy === 'Delete'
        ? `error getting deleter volume plugin for volume "${pv.metadata?.name}": no deletable volume plugin matched`
        : `error getting recycler volume plugin for volume "${pv.metadata?.name}": no recyclable volume plugin matched`;
    this.recorder.warning(asVolume(pv), policy === 'Delete' ? 'VolumeFailedDelete' : 'VolumeFailedRecycle', message);
    await this.setVolumePhase(released, 'Failed', message);
  }

  private async setVolumePhase(pv: KubeObject, phase: string, message?: string): Promise<KubeObject> {
    if (pv.status?.phase === phase) return pv;
    const status: Record<string, unknown> = { ...pv.status, phase };
    if (message) status.message = message;
    else delete status.message;
    return this.client.updateStatus(resources.persistentVolumes, { ...pv, status });
  }
}
