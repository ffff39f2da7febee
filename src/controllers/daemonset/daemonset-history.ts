// A DaemonSet's ControllerRevisions (Kubernetes' daemon controller history): the revision
// whose data equals the current template is "cur" (created as "<ds>-<hash>" when missing,
// renumbered to be the newest when an old one comes back), the rest are "old" and are
// pruned beyond spec.revisionHistoryLimit unless a pod still runs them.
import type { KubeObject } from '../../api/resource-type.ts';
import type { LabelMatcher } from '../../api/selectors/label-selector.ts';
import { isAlreadyExists, isNotFound } from '../../client/api-error.ts';
import { clone } from '../../client/informer.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { controllerRefFor, type GroupVersionKind } from '../controller-ref.ts';
import { computePodTemplateHash } from '../deployment/pod-template-hash.ts';
import type { ControllerHistory } from '../history/controller-history.ts';
import { CONTROLLER_REVISION_HASH_LABEL, canonicalJson, templatePatch } from '../history/controller-revision.ts';

export const DAEMONSET_KIND: GroupVersionKind = { apiVersion: 'apps/v1', kind: 'DaemonSet' };

export type DaemonSetHistoryClient = Pick<RestClient, 'create' | 'get' | 'update' | 'updateStatus' | 'delete' | 'patch'>;

export interface ConstructedHistory {
  cur: KubeObject;
  old: KubeObject[];
  /** The hash pods of the current template carry in controller-revision-hash. */
  hash: string;
}

/** The revision records the DaemonSet's current template. */
export function matchesTemplate(ds: KubeObject, revision: KubeObject): boolean {
  return canonicalJson(templatePatch(ds)) === canonicalJson(revision.data ?? null);
}

const revisionNumber = (r: KubeObject) => Number(r.revision ?? 0);

export class DaemonSetHistory {
  constructor(
    private readonly client: DaemonSetHistoryClient,
    private readonly history: ControllerHistory,
  ) {}

  async construct(
    ds: KubeObject,
    selector: LabelMatcher,
    pods: KubeObject[],
    canAdopt?: () => Promise<boolean>,
  ): Promise<ConstructedHistory> {
    const revisions = await this.history.claim(ds, DAEMONSET_KIND, selector, canAdopt);
    const current: KubeObject[] = [];
    const old: KubeObject[] = [];
    for (let revision of revisions) {
      // Revisions made by old controllers lack the hash label: their name stands in for it.
      if (!revision.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]) revision = await this.labelWithName(revision);
      (matchesTemplate(ds, revision) ? current : old).push(revision);
    }
    const next = old.reduce((max, r) => Math.max(max, revisionNumber(r)), 0) + 1;
    let cur: KubeObject;
    if (current.length === 0) {
      cur = await this.snapshot(ds, next);
    } else {
      cur = await this.dedup(ds, current, pods);
      if (revisionNumber(cur) < next) {
        cur = await this.client.update(resources.controllerRevisions, { ...clone(cur), revision: next });
      }
    }
    return { cur, old, hash: cur.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '' };
  }

  /**
   * cleanupHistory: delete the oldest old revisions beyond the limit, skipping those a pod
   * still carries (they count towards the limit, as in Kubernetes).
   */
  async cleanup(ds: KubeObject, old: KubeObject[], pods: KubeObject[]): Promise<void> {
    let toKill = old.length - Number(ds.spec?.revisionHistoryLimit ?? 10);
    if (toKill <= 0) return;
    const liveHashes = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).filter(Boolean));
    for (const revision of [...old].sort((a, b) => revisionNumber(a) - revisionNumber(b))) {
      if (toKill <= 0) break;
      if (liveHashes.has(revision.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL])) continue;
      await this.history.delete(revision);
      toKill--;
    }
  }

  private async labelWithName(revision: KubeObject): Promise<KubeObject> {
    const { namespace, name } = revision.metadata ?? {};
    return this.client.patch(
      resources.controllerRevisions,
      namespace,
      name,
      { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: name } } },
      'merge',
    );
  }

  /** Creates the revision for the current template; a hash collision bumps status.collisionCount and retries. */
  private async snapshot(ds: KubeObject, revision: number): Promise<KubeObject> {
    const namespace = ds.metadata?.namespace;
    const collisionCount = ds.status?.collisionCount;
    const hash = computePodTemplateHash(ds.spec?.template, collisionCount);
    const name = `${ds.metadata?.name}-${hash}`;
    const metadata: KubeObject = {
      name,
      namespace,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [controllerRefFor(ds, DAEMONSET_KIND)],
    };
    if (ds.metadata?.annotations && Object.keys(ds.metadata.annotations).length) metadata.annotations = { ...ds.metadata.annotations };
    try {
      return await this.client.create(resources.controllerRevisions, namespace, {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata,
        data: templatePatch(ds),
        revision,
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const existing = await this.client.get(resources.controllerRevisions, namespace, name);
    if (matchesTemplate(ds, existing)) return existing;
    // Another template holds the name: raise the collision count (from a fresh read, so a
    // stale cache never raises it twice) and let the retry use the new hash.
    const fresh = await this.client.get(resources.daemonSets, namespace, ds.metadata?.name);
    if ((fresh.status?.collisionCount ?? undefined) !== (collisionCount ?? undefined)) {
      throw new Error(`stale collision count for DaemonSet ${ds.metadata?.name}; retrying once the cache catches up`);
    }
    fresh.status = { ...(fresh.status ?? {}), collisionCount: Number(collisionCount ?? 0) + 1 };
    await this.client.updateStatus(resources.daemonSets, fresh);
    throw new Error(`hash collision for DaemonSet ${ds.metadata?.name}: collisionCount raised; retrying`);
  }

  /**
   * Several revisions match the template (e.g. made by racing controllers): keep the newest,
   * move pods of the others onto its hash, delete the others.
   */
  private async dedup(ds: KubeObject, current: KubeObject[], pods: KubeObject[]): Promise<KubeObject> {
    if (current.length === 1) return current[0];
    const keep = current.reduce((a, b) => (revisionNumber(b) > revisionNumber(a) ? b : a));
    const keepHash = keep.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
    for (const duplicate of current) {
      if (duplicate === keep) continue;
      const dupHash = duplicate.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
      for (const pod of pods) {
        if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== dupHash) continue;
        try {
          await this.client.patch(
            resources.pods,
            ds.metadata?.namespace,
            pod.metadata?.name,
            { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: keepHash } } },
            'merge',
          );
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      await this.history.delete(duplicate);
    }
    return keep;
  }
}
