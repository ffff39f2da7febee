// Reading and writing a controller's ControllerRevisions (Kubernetes' history.Interface):
// claim the revisions an owner's selector matches, create one (escaping hash collisions
// by bumping the collision count), renumber one for a rollback, and prune old ones.
import type { KubeObject } from '../../api/resource-type.ts';
import type { LabelMatcher } from '../../api/selectors/label-selector.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/api-error.ts';
import { clone, type Informer } from '../../client/informer.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { claimObjects, type GroupVersionKind } from '../controller-ref.ts';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  controllerRevisionName,
  equalRevision,
  hashControllerRevision,
  sortControllerRevisions,
} from './controller-revision.ts';

export type HistoryClient = Pick<RestClient, 'create' | 'get' | 'update' | 'delete' | 'patch'>;

export interface CreatedRevision {
  revision: KubeObject;
  /** The collision count that produced the revision's name (raised past any clash). */
  collisionCount: number;
}

export class ControllerHistory {
  constructor(
    private readonly client: HistoryClient,
    private readonly revisions: Informer,
  ) {}

  /**
   * The owner's revisions, oldest first: those it controls that still match its selector,
   * plus matching orphans it adopts. `canAdopt` is asked before the first adoption.
   */
  async claim(
    owner: KubeObject,
    ownerKind: GroupVersionKind,
    selector: LabelMatcher,
    canAdopt?: () => Promise<boolean>,
  ): Promise<KubeObject[]> {
    const candidates = this.revisions.list(owner.metadata?.namespace);
    const claimed = await claimObjects({
      client: this.client,
      resource: resources.controllerRevisions,
      owner,
      ownerKind,
      selector,
      objects: candidates,
      canAdopt,
    });
    return sortControllerRevisions([...claimed]);
  }

  /**
   * Creates `revision` under the owner's name with the hash for `collisionCount`. When that
   * name is taken by the same data, the existing revision is the answer; when it is taken by
   * different data, the count goes up and the next name is tried.
   */
  async create(owner: KubeObject, revision: KubeObject, collisionCount: number): Promise<CreatedRevision> {
    const namespace = owner.metadata?.namespace;
    let count = collisionCount;
    for (let attempt = 0; attempt < 100; attempt++) {
      const hash = hashControllerRevision(revision.data, count);
      const candidate = clone(revision);
      candidate.metadata = {
        ...candidate.metadata,
        name: controllerRevisionName(owner.metadata?.name ?? '', hash),
        namespace,
        labels: { ...(candidate.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      };
      try {
        const created = await this.client.create(resources.controllerRevisions, namespace, candidate);
        return { revision: created, collisionCount: count };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      const existing = await this.client.get(resources.controllerRevisions, namespace, candidate.metadata.name);
      if (equalRevision(existing, candidate)) return { revision: existing, collisionCount: count };
      count++;
    }
    throw new Error(`could not find a free ControllerRevision name for ${owner.metadata?.name}`);
  }

  /** Gives an existing revision a new number (a rollback makes an old template current again). */
  async updateRevisionNumber(revision: KubeObject, revisionNumber: number): Promise<KubeObject> {
    if (Number(revision.revision) === revisionNumber) return revision;
    let current = revision;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        return await this.client.update(resources.controllerRevisions, { ...clone(current), revision: revisionNumber });
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      current = await this.client.get(resources.controllerRevisions, revision.metadata?.namespace, revision.metadata?.name);
      if (Number(current.revision) === revisionNumber) return current;
    }
    throw new Error(`could not renumber ControllerRevision ${revision.metadata?.name}: conflicts persisted`);
  }

  async delete(revision: KubeObject): Promise<void> {
    const { namespace, name, uid } = revision.metadata ?? {};
    try {
      await this.client.delete(resources.controllerRevisions, namespace, name, uid ? { preconditions: { uid } } : {});
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

/**
 * The revisions to delete so that at most `limit` revisions that are not live remain:
 * the oldest first (`revisions` sorted oldest first), never a live one.
 */
export function revisionsToPrune(revisions: KubeObject[], live: Set<string>, limit: number): KubeObject[] {
  const history = revisions.filter((r) => !live.has(r.metadata?.name ?? ''));
  const excess = history.length - Math.max(0, limit);
  return excess > 0 ? history.slice(0, excess) : [];
}
