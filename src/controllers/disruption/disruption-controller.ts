// The disruption controller (Kubernetes' pkg/controller/disruption): keeps each
// PodDisruptionBudget's status current — how many of its pods are healthy, how many must
// be, and so how many voluntary disruptions (evictions) are allowed right now. The
// eviction subresource reads and decrements that number; this controller recomputes it
// whenever a matching pod or the budget changes.
import type { Logger } from 'pino';
import { metaTime } from '../../api/meta-time.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { labelSelectorFromObject } from '../../api/selectors/label-selector.ts';
import { isNotFound } from '../../client/api-error.ts';
import { keyOf } from '../../client/indexer.ts';
import { clone, type Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import type { ResourceDescriptor } from '../../client/resource-path.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { getControllerOf, type OwnerReference } from '../controller-ref.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { type ApiObject, sameContent } from '../job/api-object.ts';
import { OwnWrites } from '../job/own-writes.ts';
import { requeueAfter } from '../job/requeue-delay.ts';
import { scaleTargetResource } from '../scale-targets.ts';
import {
  countHealthyPods,
  DISRUPTION_ALLOWED_CONDITION,
  desiredHealthyPods,
  needsControllerScale,
  pendingDisruptions,
  setMetaCondition,
  updateDisruptionAllowedCondition,
} from './pdb-status.ts';

export interface DisruptionControllerOptions {
  /** The controller's clock (tests move time by hand). */
  now?: () => Date;
}

export class DisruptionController extends Controller {
  private readonly pdbs: Informer<ApiObject>;
  private readonly pods: Informer<ApiObject>;
  private readonly recorder: EventRecorder;
  private readonly written = new OwnWrites<ApiObject>();
  private readonly now: () => Date;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: DisruptionControllerOptions = {},
  ) {
    super('disruption', logger);
    this.now = opts.now ?? (() => new Date());
    this.recorder = new EventRecorder(client, 'controllermanager', logger);
    this.pdbs = informers.informerFor<ApiObject>(resources.podDisruptionBudgets);
    this.pods = informers.informerFor<ApiObject>(resources.pods);
    this.pdbs.addEventHandler({
      onAdd: (pdb) => this.enqueue(objectKey(pdb)),
      onUpdate: (_old, pdb) => this.enqueue(objectKey(pdb)),
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.enqueueBudgetsOf(pod),
      onUpdate: (old, pod) => {
        this.enqueueBudgetsOf(pod);
        if (JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels)) this.enqueueBudgetsOf(old);
      },
      onDelete: (pod) => this.enqueueBudgetsOf(pod),
    });
  }

  hasSynced(): boolean {
    return this.pdbs.hasSynced() && this.pods.hasSynced();
  }

  private enqueueBudgetsOf(pod: KubeObject): void {
    for (const pdb of this.pdbs.list(pod.metadata?.namespace)) {
      if (selects(pdb, pod)) this.enqueue(objectKey(pdb));
    }
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.hasSynced()) return { requeueAfterMs: 100 };
    const cached = this.pdbs.getByKey(key);
    if (!cached) {
      this.written.forget(key);
      return undefined;
    }
    const pdb = clone(this.written.freshest(key, cached));
    const pods = this.pods.list(pdb.metadata.namespace).filter((p) => selects(pdb, p));
    const now = this.now();
    const nowText = rfc3339(now);
    const status: KubeObject = { ...clone(pdb.status ?? {}) };

    if (pods.length === 0) this.recorder.normal(pdb, 'NoPods', 'No matching pods found');
    let expectedCount: number;
    try {
      expectedCount = await this.expectedPodCount(pdb, pods);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.recorder.warning(pdb, 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${message}`);
      // Fail safe: no disruption is allowed while the budget cannot be computed.
      status.disruptionsAllowed = 0;
      status.conditions = setMetaCondition(
        status.conditions ?? [],
        {
          type: DISRUPTION_ALLOWED_CONDITION,
          status: 'False',
          reason: 'SyncFailed',
          message,
          observedGeneration: status.observedGeneration,
        },
        nowText,
      );
      await this.writeStatus(key, pdb, status);
      throw err;
    }

    const desiredHealthy = desiredHealthyPods(pdb, expectedCount);
    const { pending, expired, recheckAtMs } = pendingDisruptions(pdb, pods, now.getTime());
    for (const name of expired) {
      const pod = pods.find((p) => p.metadata.name === name);
      if (pod)
        this.recorder.warning(
          pod,
          'NotDeleted',
          // Kubernetes prints the budget's namespace twice here (namespace/namespace).
          `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.namespace} to be deleted but it wasn't`,
        );
    }
    const currentHealthy = countHealthyPods(pods, pending);
    const allowed = expectedCount <= 0 ? 0 : Math.max(0, currentHealthy - desiredHealthy);

    status.currentHealthy = currentHealthy;
    status.desiredHealthy = desiredHealthy;
    status.expectedPods = expectedCount;
    status.disruptionsAllowed = allowed;
    status.observedGeneration = pdb.metadata.generation ?? 1;
    if (Object.keys(pending).length) status.disruptedPods = pending;
    else delete status.disruptedPods;
    updateDisruptionAllowedCondition(status, nowText);
    await this.writeStatus(key, pdb, status);
    return recheckAtMs === undefined ? undefined : requeueAfter(recheckAtMs - now.getTime() + 1);
  }

  /**
   * How many pods the budget covers: the matching pods for an integer minAvailable, none
   * without minAvailable and maxUnavailable, otherwise the sum of the scale of the
   * controllers owning them.
   */
  private async expectedPodCount(pdb: ApiObject, pods: ApiObject[]): Promise<number> {
    // Neither minAvailable nor maxUnavailable: Kubernetes expects no pods, so allows no disruption.
    if (pdb.spec?.minAvailable == null && pdb.spec?.maxUnavailable == null) return 0;
    if (!needsControllerScale(pdb)) return pods.length;
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = getControllerOf(pod);
      if (!ref) {
        unmanaged.push(pod.metadata.name);
        continue;
      }
      if (scales.has(ref.uid)) continue;
      const found = await this.controllerScale(ref, pod.metadata.namespace);
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
      scales.set(found.uid, found.replicas);
      if (found.uid !== ref.uid) scales.set(ref.uid, 0);
    }
    if (unmanaged.length) {
      this.recorder.warning(
        pdb,
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector ?? {})}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    let total = 0;
    for (const n of scales.values()) total += n;
    return total;
  }

  /**
   * The controller that decides the pod count and its desired replicas: a ReplicaSet's
   * Deployment when it has one, else the owner itself, through the scale subresource.
   */
  private async controllerScale(ref: OwnerReference, namespace: string): Promise<{ uid: string; replicas: number } | undefined> {
    let target = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid };
    if (ref.kind === 'ReplicaSet' && ref.apiVersion === 'apps/v1') {
      const rs = await this.tryGet(resources.replicaSets, namespace, ref.name);
      if (!rs || rs.metadata.uid !== ref.uid) return undefined;
      const owner = getControllerOf(rs);
      if (owner?.kind === 'Deployment' && owner.apiVersion === 'apps/v1') target = owner;
    }
    const resource = scaleTargetResource(target.apiVersion, target.kind);
    if (!resource) return undefined;
    const scale = await this.tryGet(resource, namespace, target.name, 'scale');
    if (!scale || scale.metadata.uid !== target.uid) return undefined;
    return { uid: target.uid, replicas: Number(scale.spec?.replicas ?? 0) };
  }

  private async tryGet(res: ResourceDescriptor, namespace: string, name: string, subresource?: string): Promise<ApiObject | undefined> {
    try {
      return await this.client.get<ApiObject>(res, namespace, name, { subresource });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Writes the status when it changed (conditions' times aside, nothing else moves). */
  private async writeStatus(key: string, pdb: ApiObject, status: KubeObject): Promise<void> {
    if (sameContent(status, pdb.status ?? {})) return;
    try {
      this.written.remember(key, await this.client.updateStatus<ApiObject>(resources.podDisruptionBudgets, { ...pdb, status }));
    } catch (err) {
      this.written.forget(key);
      if (!isNotFound(err)) throw err;
    }
  }
}

/** policy/v1: an empty selector selects every pod of the namespace; a missing one none. */
function selects(pdb: KubeObject, pod: KubeObject): boolean {
  if (pdb.metadata?.namespace !== pod.metadata?.namespace) return false;
  try {
    return labelSelectorFromObject(pdb.spec?.selector).matches(pod.metadata?.labels);
  } catch {
    return false;
  }
}

function objectKey(obj: KubeObject): string {
  return keyOf(obj.metadata?.namespace, obj.metadata?.name);
}

function rfc3339(d: Date): string {
  return metaTime(d);
}
