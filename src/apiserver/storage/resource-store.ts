// The generic store for one resource type: turns Store key-values into API objects and
// back, and runs the create/update/delete pipeline (default → prepare → validate →
// optimistic write) with the per-kind hooks of its ResourceType. HTTP lives elsewhere.
import { randomUUID } from 'node:crypto';
import { type FieldError, invalid as invalidField } from '../../api/field-errors.ts';
import { metaTime } from '../../api/meta-time.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from '../../api/resource-type.ts';
import { FIELD_IMMUTABLE_ERROR_MSG, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation/meta.ts';
import {
  CompactedError,
  ConflictError,
  KeyExistsError,
  KeyNotFoundError,
  type KeyValue,
  type Store,
  type StoreWatchEvent,
  type Watch,
} from '../../storage/store.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  deletePreconditionFailed,
  expired,
  failedPrecondition,
  invalid,
  notFound,
  objectModified,
  type Preconditions,
  type StatusError,
  storagePreconditionFailed,
  tooLargeResourceVersion,
} from '../errors.ts';
import { deletesOnUpdate, gracefulDeletionSeconds, isFinalized } from './deletion-rules.ts';
import { listPrefix, objectKey } from './keys.ts';
import type { ObjectFilter } from './object-filter.ts';
import { defaultFreshnessWaitMs, waitForRevision } from './revision-wait.ts';
import type { ResourceWriteHooks } from './write-hooks.ts';

export interface WriteContext {
  dryRun?: boolean;
  /** Called with (old, new) before a write so field ownership can be recorded. */
  recordManagedFields?: (old: KubeObject | undefined, obj: KubeObject) => void;
  now?: Date;
  /**
   * Skip the kind's update validation (validateUpdate) for server-internal subresources
   * that may change otherwise immutable fields, such as pods/binding setting spec.nodeName.
   */
  skipUpdateValidation?: boolean;
  /** Keep the status of the written object on a main-resource write (pods/binding sets PodScheduled with nodeName). */
  includeStatus?: boolean;
  /** The caller hands the input over (a freshly decoded request body): create changes it instead of copying it. */
  inputOwned?: boolean;
}

export interface ListParams {
  namespace?: string;
  filter?: ObjectFilter;
  limit?: number;
  continueToken?: string;
  /** Read at exactly this revision (resourceVersionMatch=Exact). */
  exactRevision?: number;
  /** Read at this revision or a newer one, waiting briefly for the store to reach it. */
  minRevision?: number;
}

export interface ListOutcome {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: Preconditions;
}

/** Subresources whose writes change only part of the object. */
export type WriteSubresource = 'status' | 'finalize' | 'ephemeralcontainers';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectWatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
const maxConflictRetries = 10;

export class ResourceStore {
  readonly apiVersion: string;
  private readonly watchDecoded = new Map<KeyValue, KubeObject>();
  /** Work done together with writes of this kind (Service IP/port allocation). */
  writeHooks?: ResourceWriteHooks;
  /** How long a read waits for a resourceVersion the store has not reached yet (tests shorten it). */
  freshnessWaitMs = defaultFreshnessWaitMs;

  constructor(
    readonly rt: ResourceType,
    readonly store: Store,
  ) {
    this.apiVersion = apiVersionOf(rt);
  }

  // ---- reading -------------------------------------------------------------------

  decode(kv: KeyValue): KubeObject {
    let obj = JSON.parse(kv.value) as KubeObject;
    if (this.rt.fromStorage) obj = this.rt.fromStorage(obj);
    obj.apiVersion = this.apiVersion;
    obj.kind = this.rt.kind;
    obj.metadata ??= {};
    obj.metadata.resourceVersion = String(kv.modRevision);
    return obj;
  }

  private encode(obj: KubeObject): string {
    if (!this.rt.toStorage) {
      // Without a conversion only resourceVersion is left out: a shallow copy will do.
      const meta = obj.metadata;
      if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return JSON.stringify(obj);
      const { resourceVersion: _rv, ...metadata } = meta;
      return JSON.stringify({ ...obj, metadata });
    }
    const stored: KubeObject = this.rt.toStorage(structuredClone(obj));
    if (stored.metadata) delete stored.metadata.resourceVersion;
    return JSON.stringify(stored);
  }

  private key(namespace: string | undefined, name: string): string {
    return objectKey(this.rt, namespace, name);
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw notFound(this.rt.group, this.rt.plural, name);
    return this.decode(kv);
  }

  async tryGet(namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const kv = await this.store.get(this.key(namespace, name));
    return kv ? this.decode(kv) : undefined;
  }

  async list(params: ListParams): Promise<ListOutcome> {
    const prefix = listPrefix(this.rt, params.namespace);
    let startAfter: string | undefined;
    let revision = params.exactRevision;
    /** Keys of the list's revision passed so far (unknown for a token without the count). */
    let scanned: number | undefined = 0;
    /** Where a continued list starts (the token's key), for a new token if its revision is compacted. */
    let continueFrom: string | undefined;
    if (params.continueToken) {
      const token = decodeContinue(params.continueToken);
      if (!token.start.startsWith(prefix)) throw badRequest('invalid continue token: it does not belong to this list');
      startAfter = token.start;
      continueFrom = token.start;
      if (token.rv > 0) {
        revision = token.rv;
        scanned = token.n;
      } else {
        // rv -1, from an expired token's 410: go on at the latest revision (an inconsistent list).
        scanned = undefined;
      }
    } else if (params.minRevision) {
      await this.waitForRevision(params.minRevision);
    } else if (revision) {
      // An Exact read of the future: etcd's "future revision", which Kubernetes 1.34+ reports so, at once.
      const current = await this.store.currentRevision();
      if (revision > current) throw tooLargeResourceVersion(revision, current, 0);
    }
    const limit = params.limit && params.limit > 0 ? params.limit : 0;
    const items: KubeObject[] = [];
    let listRevision = 0;
    let more = false;
    let lastKey: string | undefined;
    // With a filter, fetch pages until `limit` matching items are found.
    for (;;) {
      const page = await this.readPage(prefix, { limit: limit ? Math.max(limit * 2, 100) : 0, startAfter, revision }, continueFrom);
      listRevision = page.revision;
      revision ??= page.revision; // later pages read at the same revision
      more = page.more;
      for (const kv of page.items) {
        lastKey = kv.key;
        if (scanned !== undefined) scanned++;
        const obj = this.decode(kv);
        if (params.filter && !params.filter.matches(obj)) continue;
        items.push(obj);
        if (limit && items.length === limit) break;
      }
      if (limit && items.length === limit) {
        more = more || lastKey !== page.items[page.items.length - 1]?.key;
        break;
      }
      if (!page.more) break;
      startAfter = page.items[page.items.length - 1].key;
    }
    const outcome: ListOutcome = { items, resourceVersion: String(listRevision) };
    if (more && lastKey) {
      outcome.continueToken = encodeContinue(listRevision, lastKey, scanned);
      // Like Kubernetes, only without selectors: a count of keys cannot say how many would match.
      if (!params.filter && scanned !== undefined) outcome.remainingItemCount = await this.keysAfter(prefix, scanned, listRevision);
    }
    return outcome;
  }

  /**
   * How many keys under `prefix` follow the first `passed` at `revision`. The store counts its
   * current keys only, so the answer is known only while no write has happened since.
   */
  private async keysAfter(prefix: string, passed: number, revision: number): Promise<number | undefined> {
    const total = await this.store.count(prefix);
    return (await this.store.currentRevision()) === revision ? total - passed : undefined;
  }

  /**
   * `continueFrom`: the list goes on from a continue token's key. Its revision compacted, Kubernetes
   * (etcd3 store, handleCompactedErrorForPaging) answers 410 with a new token of resourceVersion -1,
   * which continues from the same key at the latest revision.
   */
  private async readPage(prefix: string, opts: { limit: number; startAfter?: string; revision?: number }, continueFrom?: string) {
    try {
      return await this.store.list(prefix, opts);
    } catch (err) {
      if (!(err instanceof CompactedError)) throw err;
      if (continueFrom === undefined) throw expired('The resourceVersion for the provided list is too old.');
      const gone = expired(
        'The provided continue parameter is too old to display a consistent list result. ' +
          'You can start a new list without the continue parameter, or use the continue token in this response to ' +
          'retrieve the remainder of the results. Continuing with the provided token results in an inconsistent ' +
          'list - objects that were created, modified, or deleted between the time the first chunk was returned ' +
          'and now may show up in the list.',
      );
      gone.listContinue = encodeContinue(-1, continueFrom, undefined);
      throw gone;
    }
  }

  async currentRevision(): Promise<number> {
    return this.store.currentRevision();
  }

  /** For reads "not older than" `revision`: waits until the store has it, or throws 504 Too large resource version. */
  waitForRevision(revision: number): Promise<void> {
    return waitForRevision(this.store, revision, this.freshnessWaitMs);
  }

  // ---- writing -------------------------------------------------------------------

  async create(namespace: string | undefined, input: KubeObject, ctx: WriteContext = {}): Promise<KubeObject> {
    const obj = ctx.inputOwned ? input : structuredClone(input);
    const now = ctx.now ?? new Date();
    obj.apiVersion = this.apiVersion;
    obj.kind = this.rt.kind;
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (this.rt.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(now);
    // Kinds without generation keep whatever the client sent, as kube-apiserver (BeforeCreate) does.
    if (this.rt.generation !== false) meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    this.rt.defaults?.(obj);
    this.rt.prepareForCreate?.(obj);
    omitEmptyMetadataCollections(meta);
    this.validateOrThrow(obj, [
      ...validateObjectMeta(meta, { namespaced: this.rt.namespaced, nameValidator: this.rt.nameValidator }),
      ...(this.rt.validate?.(obj) ?? []),
    ]);
    ctx.recordManagedFields?.(undefined, obj);
    const hook = await this.writeHooks?.beforeWrite(undefined, obj);
    if (ctx.dryRun) {
      await hook?.revert();
      return obj;
    }
    let kv: KeyValue;
    try {
      kv = await this.store.create(this.key(namespace, meta.name), this.encode(obj));
    } catch (err) {
      await hook?.revert();
      if (err instanceof KeyExistsError) throw alreadyExists(this.rt.group, this.rt.plural, meta.name);
      throw err;
    }
    await hook?.commit().catch(() => undefined);
    return this.decode(kv);
  }

  /**
   * Replace an object (PUT). `subresource` "status" changes only status; the main resource
   * keeps the stored status when the kind has a status subresource.
   */
  async update(
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    ctx: WriteContext = {},
    subresource?: WriteSubresource,
  ): Promise<KubeObject> {
    const wanted = input.metadata?.resourceVersion as string | undefined;
    const wantedUid = input.metadata?.uid as string | undefined;
    if (input.metadata?.name && input.metadata.name !== name) {
      throw badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    return this.guaranteedUpdate(
      namespace,
      name,
      ctx,
      subresource,
      (current) => {
        if (wanted && wanted !== current.metadata?.resourceVersion) throw objectModified(this.rt.group, this.rt.plural, name);
        // prepareUpdate fills in an update's object in place, so each attempt gets a copy; a
        // status write only takes input.status (and annotations) by reference, unchanged.
        return subresource === 'status' ? input : structuredClone(input);
      },
      // A PUT's uid is a storage precondition (Kubernetes' DefaultUpdatedObjectInfo.Preconditions),
      // checked before the resourceVersion.
      { mutateOnlyReads: true, preconditions: wantedUid ? { uid: wantedUid } : undefined },
    );
  }

  /**
   * Read-modify-write with retries on conflict: `mutate` gets the current object (a copy,
   * unless `mutateOnlyReads` promises it changes nothing) and returns the desired one. It may
   * throw a StatusError to stop. `preconditions` are storage's: checked on the current object
   * before `mutate`.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    ctx: WriteContext,
    subresource: WriteSubresource | undefined,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    opts: { mutateOnlyReads?: boolean; preconditions?: Preconditions } = {},
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(this.key(namespace, name));
      if (!kv) throw notFound(this.rt.group, this.rt.plural, name);
      const current = this.decode(kv);
      const failed = failedPrecondition(opts.preconditions, current.metadata ?? {});
      if (failed) throw storagePreconditionFailed(this.rt.group, this.rt.plural, name, kv.key, failed);
      // mutate gets its own copy; parsing the stored text again is cheaper than structuredClone.
      const desired = await mutate(opts.mutateOnlyReads ? current : this.decode(kv));
      const next = this.prepareUpdate(current, desired, ctx, subresource);
      if (next === current) return next;
      const hook = subresource === undefined ? await this.writeHooks?.beforeWrite(current, next) : undefined;
      if (ctx.dryRun) {
        await hook?.revert();
        return next;
      }
      try {
        const written = await this.write(kv, current, next);
        await hook?.commit().catch(() => undefined);
        return written;
      } catch (err) {
        await hook?.revert();
        if (err instanceof ConflictError && attempt < maxConflictRetries) continue;
        if (err instanceof ConflictError || err instanceof KeyNotFoundError) throw objectModified(this.rt.group, this.rt.plural, name);
        throw err;
      }
    }
  }

  /** Store `next` over `kv` (holding `current`); a finalized object whose deletion is due is removed instead. */
  private async write(kv: KeyValue, current: KubeObject, next: KubeObject): Promise<KubeObject> {
    if (deletesOnUpdate(current, next)) {
      const deleted = await this.store.delete(kv.key, kv.modRevision);
      await this.writeHooks?.afterDelete(next).catch(() => undefined);
      return { ...next, metadata: { ...next.metadata, resourceVersion: String(deleted.modRevision) } };
    }
    const written = await this.store.update(kv.key, this.encode(next), kv.modRevision);
    return this.decode(written);
  }

  /** Returns the object to store, or `current` itself when nothing changed. */
  private prepareUpdate(current: KubeObject, input: KubeObject, ctx: WriteContext, subresource: WriteSubresource | undefined): KubeObject {
    let obj: KubeObject;
    const inputUid = input.metadata?.uid;
    if (subresource !== undefined && inputUid && inputUid !== current.metadata?.uid) {
      // Subresource writes keep the stored metadata, but a patched uid is refused as on the main resource.
      this.validateOrThrow(current, [invalidField('metadata.uid', inputUid, FIELD_IMMUTABLE_ERROR_MSG)]);
    }
    if (subresource === 'status') {
      // Status writes change status, and annotations as in Kubernetes (controllers record
      // e.g. deployment.kubernetes.io/revision together with status); nothing else.
      // A shallow copy: only status and metadata change, and nothing below alters the rest.
      obj = { ...current, metadata: { ...(current.metadata ?? {}) } };
      if (input.status === undefined) delete obj.status;
      else obj.status = input.status;
      if (input.metadata?.annotations !== undefined) obj.metadata!.annotations = input.metadata.annotations;
      omitEmptyMetadataCollections(obj.metadata!);
    } else if (subresource === 'ephemeralcontainers') {
      // Kubernetes' dropNonEphemeralContainerUpdates: everything else keeps its stored value.
      obj = structuredClone(current);
      obj.spec = { ...(obj.spec ?? {}), ephemeralContainers: structuredClone(input.spec?.ephemeralContainers) };
      if (obj.spec.ephemeralContainers == null) delete obj.spec.ephemeralContainers;
      this.rt.defaults?.(obj);
    } else if (subresource === 'finalize') {
      // A namespace's finalize subresource changes spec.finalizers only.
      obj = structuredClone(current);
      obj.spec = { ...(obj.spec ?? {}), finalizers: input.spec?.finalizers ?? [] };
    } else {
      obj = input;
      obj.apiVersion = this.apiVersion;
      obj.kind = this.rt.kind;
      obj.metadata ??= {};
      const meta = obj.metadata;
      const old = current.metadata ?? {};
      meta.name = old.name;
      if (this.rt.namespaced) meta.namespace = old.namespace;
      // A patch that changes the uid fails validation (field is immutable); none given keeps the stored one.
      meta.uid ||= old.uid;
      meta.creationTimestamp = old.creationTimestamp;
      // Clients cannot change the generation (BeforeUpdate keeps the stored one).
      if (old.generation === undefined) delete meta.generation;
      else meta.generation = old.generation;
      // Deletion state is owned by the server, never by a client write.
      if (old.deletionTimestamp) {
        meta.deletionTimestamp = old.deletionTimestamp;
        if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
      } else {
        delete meta.deletionTimestamp;
        delete meta.deletionGracePeriodSeconds;
      }
      if (this.rt.subresources?.status && !ctx.includeStatus) {
        if (current.status === undefined) delete obj.status;
        else obj.status = structuredClone(current.status);
      }
      this.rt.defaults?.(obj);
      this.rt.prepareForUpdate?.(obj, current);
      omitEmptyMetadataCollections(meta);
      if (this.rt.generation !== false && specChanged(current, obj)) meta.generation = (old.generation ?? 0) + 1;
    }
    if (subresource !== undefined && !ctx.recordManagedFields && input.metadata?.managedFields !== undefined) {
      // A server-side apply to a subresource has recorded its own entry: keep it.
      obj.metadata = { ...obj.metadata, managedFields: input.metadata.managedFields };
    }
    ctx.recordManagedFields?.(current, obj);
    if (sameContent(current, obj)) return current;
    if (subresource === 'ephemeralcontainers') {
      this.validateOrThrow(obj, [...(this.rt.validate?.(obj) ?? []), ...(this.rt.validateEphemeralContainersUpdate?.(obj, current) ?? [])]);
    }
    if (subresource === undefined) {
      this.validateOrThrow(obj, [
        ...validateObjectMeta(obj.metadata!, { namespaced: this.rt.namespaced, nameValidator: this.rt.nameValidator }),
        ...validateObjectMetaUpdate(obj.metadata!, current.metadata ?? {}),
        ...(this.rt.validate?.(obj) ?? []),
        ...(ctx.skipUpdateValidation ? [] : (this.rt.validateUpdate?.(obj, current) ?? [])),
      ]);
    }
    obj.metadata!.resourceVersion = current.metadata?.resourceVersion;
    return obj;
  }

  private validateOrThrow(obj: KubeObject, errors: FieldError[]): void {
    if (errors.length) throw invalid(this.rt.group, this.rt.kind, obj.metadata?.name ?? obj.metadata?.generateName ?? '', errors);
  }

  /**
   * Delete following Kubernetes: finalizers and foreground/orphan propagation keep the
   * object (with deletionTimestamp) until they are cleared; pods on a node get a grace
   * period during which their agent stops them. Returns the object as last seen and
   * whether it is gone.
   */
  async delete(
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
    ctx: WriteContext = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(this.key(namespace, name));
      if (!kv) throw notFound(this.rt.group, this.rt.plural, name);
      const current = this.decode(kv);
      const meta = current.metadata!;
      const refused = this.deletePreconditionError(name, options.preconditions, meta);
      if (refused) throw refused;
      const next = structuredClone(current);
      const nextMeta = next.metadata!;
      const now = ctx.now ?? new Date();
      const finalizers: string[] = [...(nextMeta.finalizers ?? [])];
      if (options.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      if (options.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      if (finalizers.length) nextMeta.finalizers = finalizers;
      const grace = gracefulDeletionSeconds(current, options.gracePeriodSeconds);
      const keep = finalizers.length > 0 || grace > 0 || !isFinalized(next);
      if (!keep) {
        if (ctx.dryRun) return { object: current, deleted: true };
        try {
          const deleted = await this.store.delete(kv.key, kv.modRevision);
          const object = this.decode(deleted);
          await this.writeHooks?.afterDelete(object).catch(() => undefined);
          return { object, deleted: true };
        } catch (err) {
          if (err instanceof ConflictError && attempt < maxConflictRetries) continue;
          if (err instanceof KeyNotFoundError) throw notFound(this.rt.group, this.rt.plural, name);
          throw err;
        }
      }
      // Graceful: mark for deletion (shortening an existing grace period, never extending it).
      const deadline = new Date(now.getTime() + grace * 1000);
      if (!nextMeta.deletionTimestamp || Date.parse(nextMeta.deletionTimestamp) > deadline.getTime()) {
        nextMeta.deletionTimestamp = rfc3339(deadline);
        nextMeta.deletionGracePeriodSeconds = grace;
      }
      if (this.rt.kind === 'Namespace') next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      if (sameContent(current, next)) return { object: current, deleted: false };
      if (ctx.dryRun) return { object: next, deleted: false };
      try {
        const written = await this.store.update(kv.key, this.encode(next), kv.modRevision);
        return { object: this.decode(written), deleted: false };
      } catch (err) {
        if (err instanceof ConflictError && attempt < maxConflictRetries) continue;
        throw err;
      }
    }
  }

  /**
   * A DELETE's preconditions fail as rest.BeforeDelete says, except a namespace's: its REST
   * checks them itself first, in storage's words.
   */
  private deletePreconditionError(name: string, pre: Preconditions | undefined, meta: KubeObject['metadata']): StatusError | undefined {
    if (this.rt.kind !== 'Namespace') return deletePreconditionFailed(this.rt.group, this.rt.kind, name, pre, meta ?? {});
    const failed = failedPrecondition(pre, meta ?? {});
    return failed ? conflict(this.rt.group, this.rt.plural, name, failed) : undefined;
  }

  // ---- watching ------------------------------------------------------------------

  /**
   * Watch objects changed after `afterRevision`. Events that move an object into or out
   * of the filter become ADDED/DELETED, as the Kubernetes watch cache does.
   */
  watch(
    params: { namespace?: string; filter?: ObjectFilter; afterRevision: number },
    onEvents: (events: ObjectWatchEvent[]) => void,
    onClose: (reason: Error) => void,
  ): Watch {
    const prefix = listPrefix(this.rt, params.namespace);
    const filter = params.filter;
    return this.store.watch(prefix, {
      afterRevision: params.afterRevision,
      onClose,
      onEvents: (events: StoreWatchEvent[]) => {
        const out: ObjectWatchEvent[] = [];
        for (const ev of events) {
          const converted = this.convertEvent(ev, filter);
          if (converted) out.push(converted);
        }
        if (out.length) onEvents(out);
      },
    });
  }

  /**
   * Every watcher of a prefix is handed the same stored event, so its objects are decoded once
   * per turn of the event loop and shared: watch event objects are read-only.
   */
  private decodeForWatch(kv: KeyValue): KubeObject {
    let obj = this.watchDecoded.get(kv);
    if (!obj) {
      if (this.watchDecoded.size === 0) setImmediate(() => this.watchDecoded.clear());
      obj = this.decode(kv);
      this.watchDecoded.set(kv, obj);
    }
    return obj;
  }

  private convertEvent(ev: StoreWatchEvent, filter: ObjectFilter | undefined): ObjectWatchEvent | undefined {
    const obj = this.decodeForWatch(ev.kv);
    if (ev.type === 'delete') {
      if (filter && !filter.matches(obj)) return undefined;
      return { type: 'DELETED', object: obj };
    }
    const matches = !filter || filter.matches(obj);
    if (ev.type === 'create') return matches ? { type: 'ADDED', object: obj } : undefined;
    // The previous version matters only to a filter: did the object move into or out of it?
    const prevMatched = ev.prevKv !== undefined && (!filter || filter.matches(this.decodeForWatch(ev.prevKv)));
    if (matches && prevMatched) return { type: 'MODIFIED', object: obj };
    if (matches) return { type: 'ADDED', object: obj };
    if (prevMatched) return { type: 'DELETED', object: obj };
    return undefined;
  }
}

export function rfc3339(d: Date): string {
  return metaTime(d);
}

function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += generateNameAlphabet[Math.floor(Math.random() * generateNameAlphabet.length)];
  return prefix + suffix;
}

/**
 * ObjectMeta's maps and lists are `omitempty` in Go: removing the last label or annotation
 * (`kubectl label x k-`) leaves no `labels: {}` behind in Kubernetes, nor in `kubectl diff`.
 */
export function omitEmptyMetadataCollections(meta: NonNullable<KubeObject['metadata']>): void {
  for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
    const value = meta[field];
    if (value === null || (typeof value === 'object' && Object.keys(value).length === 0)) delete meta[field];
  }
}

/** Everything except metadata and status is "spec" for generation purposes. */
function specChanged(old: KubeObject, obj: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest }: KubeObject) => rest;
  return !deepEqual(strip(old), strip(obj));
}

/** True when the two objects differ only in resourceVersion and managedFields timestamps. */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const norm = (o: KubeObject) => {
    const { resourceVersion: _rv, managedFields, ...meta } = o.metadata ?? {};
    const fields = (managedFields ?? []).map(({ time: _t, ...f }: Record<string, unknown>) => f);
    return { ...o, metadata: { ...meta, managedFields: fields } };
  };
  return deepEqual(norm(a), norm(b));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}

/** Kubernetes' token fields, and `n`: how many keys of the list come before and at `start`. */
function encodeContinue(rv: number, start: string, n: number | undefined): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start, n })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string; n?: number } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string') {
      return { rv: parsed.rv, start: parsed.start, n: Number.isSafeInteger(parsed.n) && parsed.n >= 0 ? parsed.n : undefined };
    }
  } catch {
    // fall through
  }
  throw badRequest('invalid continue token');
}
