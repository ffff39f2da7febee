// Storage object in-use protection (Kubernetes' pvc-protection and pv-protection controllers).
// Claims and volumes are created with a protection finalizer (apiserver/admission/
// storage-protection.ts); when one is deleted, its finalizer is removed only once nothing uses
// it: no pod that has not ended mounts the claim, and the volume is not Bound. Until then it
// shows as Terminating, and the data stays.
import type { Logger } from 'pino';
import { PV_PROTECTION_FINALIZER } from '../../api/kinds/core/persistentvolume.ts';
import { PVC_PROTECTION_FINALIZER } from '../../api/kinds/core/persistentvolumeclaim.ts';
import { podClaims } from '../../api/kinds/core/volume-claims.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';

const hasEnded = (pod: KubeObject) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export class StorageProtectionController extends Controller {
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly pods: Informer;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
  ) {
    super('storage-protection', logger);
    this.claims = informers.informerFor(resources.persistentVolumeClaims);
    this.volumes = informers.informerFor(resources.persistentVolumes);
    this.pods = informers.informerFor(resources.pods);
    const claimSeen = (claim: KubeObject) => {
      if (claim.metadata?.deletionTimestamp) this.enqueue(`claim/${claim.metadata.namespace}/${claim.metadata.name}`);
    };
    this.claims.addEventHandler({ onAdd: claimSeen, onUpdate: (_old, claim) => claimSeen(claim) });
    const volumeSeen = (pv: KubeObject) => {
      if (pv.metadata?.deletionTimestamp) this.enqueue(`volume/${pv.metadata.name}`);
    };
    this.volumes.addEventHandler({ onAdd: volumeSeen, onUpdate: (_old, pv) => volumeSeen(pv) });
    // A pod that ends or goes may free the claims it used.
    const podChanged = (pod: KubeObject) => {
      for (const { name } of podClaims(pod)) this.enqueue(`claim/${pod.metadata?.namespace}/${name}`);
    };
    this.pods.addEventHandler({ onUpdate: (_old, pod) => hasEnded(pod) && podChanged(pod), onDelete: podChanged });
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (![this.claims, this.volumes, this.pods].every((i) => i.hasSynced())) return { requeueAfterMs: 100 };
    const [kind, ...rest] = key.split('/');
    if (kind === 'claim') {
      const claim = this.claims.get(rest[0], rest[1]);
      if (claim?.metadata?.deletionTimestamp && !(await this.claimInUse(claim))) {
        await this.removeFinalizer(resources.persistentVolumeClaims, claim, PVC_PROTECTION_FINALIZER);
      }
      return undefined;
    }
    const pv = this.volumes.get(undefined, rest[0]);
    if (pv?.metadata?.deletionTimestamp && pv.status?.phase !== 'Bound') {
      await this.removeFinalizer(resources.persistentVolumes, pv, PV_PROTECTION_FINALIZER);
    }
    return undefined;
  }

  /** A pod that has not ended uses it; the pod cache is checked, then the server (the cache may lag a new pod). */
  private async claimInUse(claim: KubeObject): Promise<boolean> {
    const { namespace, name } = claim.metadata ?? {};
    // As Kubernetes' pvc-protection: only pods bound to a node hold the claim (a Pending one cannot start without it anyway).
    const uses = (pod: KubeObject) => !!pod.spec?.nodeName && !hasEnded(pod) && podClaims(pod).some((c) => c.name === name);
    if (this.pods.list(namespace).some(uses)) return true;
    const live = await this.client.list(resources.pods, namespace);
    return live.items.some(uses);
  }

  private async removeFinalizer(res: typeof resources.pods, obj: KubeObject, finalizer: string): Promise<void> {
    const finalizers: string[] = obj.metadata?.finalizers ?? [];
    if (!finalizers.includes(finalizer)) return;
    try {
      await this.client.update(res, { ...obj, metadata: { ...obj.metadata, finalizers: finalizers.filter((f) => f !== finalizer) } });
    } catch (err) {
      // Gone already, or changed meanwhile: the change's event brings it back here.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
