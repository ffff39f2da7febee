// Controller references (Kubernetes' ControllerRefManager): which controller owns an
// object, and the claim step every workload controller runs before counting: adopt
// orphans its selector matches, release owned objects it no longer matches, and leave
// alone objects another controller owns.

import type { KubeObject } from '../api/resource-type.ts';
import type { LabelMatcher } from '../api/selectors/label-selector.ts';
import { isNotFound } from '../client/api-error.ts';
import type { ResourceDescriptor } from '../client/resource-path.ts';
import type { RestClient } from '../client/rest-client.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface GroupVersionKind {
  /** "apps/v1", or "v1" for the core group. */
  apiVersion: string;
  kind: string;
}

/** The ownerReference with controller: true, if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  const refs: OwnerReference[] = obj.metadata?.ownerReferences ?? [];
  return refs.find((ref) => ref?.controller === true);
}

/** The controller ownerReference pointing at `owner` (apiVersion/kind from `kind`, else from the owner). */
export function controllerRefFor(owner: KubeObject, kind?: GroupVersionKind): OwnerReference {
  const apiVersion = kind?.apiVersion ?? owner.apiVersion;
  const ownerKind = kind?.kind ?? owner.kind;
  const { name, uid } = owner.metadata ?? {};
  if (!apiVersion || !ownerKind || !name || !uid) {
    throw new Error('cannot build a controller reference: the owner lacks apiVersion, kind, name or uid');
  }
  return { apiVersion, kind: ownerKind, name, uid, controller: true, blockOwnerDeletion: true };
}

export type ClaimClient = Pick<RestClient, 'patch'>;

export interface ClaimOptions<T extends KubeObject> {
  client: ClaimClient;
  /** The resource of the claimed objects (pods, replicasets, …). */
  resource: ResourceDescriptor;
  /** The controller object doing the claiming. */
  owner: KubeObject;
  ownerKind?: GroupVersionKind;
  selector: LabelMatcher;
  /** Candidates: objects in the owner's namespace (cached copies; they are not modified). */
  objects: T[];
  /**
   * Asked once, before the first adoption: may the owner adopt now? Kubernetes re-reads
   * the owner from the API server so a controller being deleted never adopts.
   */
  canAdopt?: () => Promise<boolean>;
}

/**
 * Returns the objects the owner controls after adopting and releasing. Objects that vanish
 * meanwhile are skipped; other write failures are thrown after every object was tried.
 */
export async function claimObjects<T extends KubeObject>(opts: ClaimOptions<T>): Promise<T[]> {
  const { client, resource, owner, selector } = opts;
  const ownerUid = owner.metadata?.uid;
  const ownerDeleting = !!owner.metadata?.deletionTimestamp;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  let adoptionAllowed: boolean | undefined;

  for (const obj of opts.objects) {
    const ref = getControllerOf(obj);
    const matches = selector.matches(obj.metadata?.labels);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue; // someone else's
        if (matches) {
          claimed.push(obj);
        } else if (!ownerDeleting) {
          await release(client, resource, obj, ownerUid);
        }
        continue;
      }
      // An orphan: adopt when it matches, is not being deleted, and the owner is alive.
      if (!matches || ownerDeleting || obj.metadata?.deletionTimestamp) continue;
      adoptionAllowed ??= opts.canAdopt ? await opts.canAdopt() : true;
      if (!adoptionAllowed) continue;
      const adopted = await adopt(client, resource, obj, controllerRefFor(owner, opts.ownerKind));
      if (adopted) claimed.push(adopted as T);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
  return claimed;
}

/**
 * Adds the controller reference with a strategic merge patch (ownerReferences merge by uid),
 * guarded by the object's uid so a same-named successor is never adopted by mistake.
 * Returns the patched object, or undefined when it is gone.
 */
async function adopt(
  client: ClaimClient,
  resource: ResourceDescriptor,
  obj: KubeObject,
  ref: OwnerReference,
): Promise<KubeObject | undefined> {
  const { namespace, name, uid } = obj.metadata ?? {};
  try {
    return await client.patch(resource, namespace, name, { metadata: { ownerReferences: [ref], uid } }, 'strategic');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Removes the owner's reference; an object that is gone needs no release. */
async function release(client: ClaimClient, resource: ResourceDescriptor, obj: KubeObject, ownerUid: string): Promise<void> {
  const { namespace, name, uid } = obj.metadata ?? {};
  try {
    await client.patch(
      resource,
      namespace,
      name,
      { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid } },
      'strategic',
    );
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
}

/**
 * Kubernetes' RecheckDeletionTimestamp: a fresh read of the owner (not the cache) that
 * allows adoption only if it is the same incarnation and not being deleted.
 */
export function recheckOwner(get: () => Promise<KubeObject>, ownerUid: string): () => Promise<boolean> {
  return async () => {
    let fresh: KubeObject;
    try {
      fresh = await get();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    return fresh.metadata?.uid === ownerUid && !fresh.metadata?.deletionTimestamp;
  };
}
