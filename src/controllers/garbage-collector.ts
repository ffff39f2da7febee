// The garbage collector (Kubernetes' ownerReferences semantics), generic over every
// resource that can be listed, watched and deleted, using only object metadata:
// - a dependent none of whose owners still exists is deleted (owners that are waiting for
//   their dependents in a foreground deletion count as going away);
// - an owner being deleted in the foreground (finalizer "foregroundDeletion") keeps
//   existing until its dependents are gone, then loses the finalizer;
// - an owner being deleted with orphaning (finalizer "orphan") is first removed from its
//   dependents' ownerReferences, then loses the finalizer.
// Hale waits, in a foreground deletion, for every dependent whose reference does not say
// blockOwnerDeletion: false (Kubernetes waits only for blockOwnerDeletion: true), so that
// hand-written ownerReferences cascade the way users expect.
// A namespaced owner must live in its dependent's namespace: one found elsewhere counts as
// absent, and the dependent gets Kubernetes' OwnerRefInvalidNamespace warning (as does a
// cluster-scoped dependent naming a namespaced owner, which is never collected).
import type { Logger } from 'pino';
import type { KubeObject } from '../api/resource-type.ts';
import { isConflict, isNotFound } from '../client/api-error.ts';
import { indexByOwnerUid } from '../client/indexer.ts';
import type { Informer } from '../client/informer.ts';
import type { InformerFactory } from '../client/informer-factory.ts';
import type { RestClient } from '../client/rest-client.ts';
import { type DiscoveredResource, discoverResources, groupResource, isEventResource, supports } from './discovery-resources.ts';
import { Controller, type ReconcileResult } from './framework/controller.ts';
import { EventRecorder } from './framework/event-recorder.ts';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';
const OWNER_UID_INDEX = 'ownerUid';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** How a dependent sees one of its owners. */
export type OwnerState = 'solid' | 'absent' | 'waiting';

export interface GarbageCollectorOptions {
  /** Where the list of served resources comes from; defaults to API discovery. */
  discover?: () => Promise<DiscoveredResource[]>;
  /** How often to look for newly served resources (e.g. CRDs); 0 disables. Default 30 s. */
  rediscoverMs?: number;
}

interface Monitor {
  resource: DiscoveredResource;
  informer: Informer;
}

export class GarbageCollector extends Controller {
  /** "replicasets.apps" → its informer. */
  private readonly monitors = new Map<string, Monitor>();
  /** "apps/ReplicaSet" → resource, for resolving ownerReferences. */
  private readonly kinds = new Map<string, DiscoveredResource>();
  /** uid → queue key of every cached object. */
  private readonly uids = new Map<string, string>();
  private readonly discover: () => Promise<DiscoveredResource[]>;
  private readonly rediscoverMs: number;
  private rediscoverTimer?: NodeJS.Timeout;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly client: RestClient,
    private readonly factory: InformerFactory,
    logger: Logger,
    opts: GarbageCollectorOptions = {},
  ) {
    super('garbage-collector', logger);
    this.discover = opts.discover ?? (() => discoverResources(client));
    this.rediscoverMs = opts.rediscoverMs ?? 30_000;
    this.recorder = new EventRecorder(client, 'garbage-collector-controller', logger);
  }

  /**
   * Discovers resources and registers informers for them (they list once the factory
   * starts). Never throws: a failed discovery is retried on the rediscovery timer.
   * Resolves whether discovery worked.
   */
  async start(): Promise<boolean> {
    if (this.rediscoverMs > 0) {
      this.rediscoverTimer = setInterval(() => void this.trySyncMonitors(), this.rediscoverMs);
      this.rediscoverTimer.unref();
    }
    return this.trySyncMonitors();
  }

  private async trySyncMonitors(): Promise<boolean> {
    try {
      await this.syncMonitors();
      return true;
    } catch (err) {
      this.logger.warn({ err: errorText(err) }, 'garbage collector: resource discovery failed; retrying later');
      return false;
    }
  }

  override async stop(): Promise<void> {
    clearInterval(this.rediscoverTimer);
    await super.stop();
  }

  hasSynced(): boolean {
    return [...this.monitors.values()].every((m) => m.informer.hasSynced());
  }

  /** Adds a monitor for every deletable resource not watched yet. */
  async syncMonitors(): Promise<void> {
    const served = await this.discover();
    if (this.queue.shuttingDown()) return; // stopped meanwhile: start no informers
    for (const r of served) {
      const kindKey = `${r.group}/${r.kind}`;
      if (r.kind && !this.kinds.has(kindKey)) this.kinds.set(kindKey, r);
      const id = groupResource(r);
      if (this.monitors.has(id) || isEventResource(r) || !supports(r, 'list', 'watch', 'delete')) continue;
      const informer = this.factory.informerFor(r, { indexers: { [OWNER_UID_INDEX]: indexByOwnerUid } });
      this.monitors.set(id, { resource: r, informer });
      informer.addEventHandler({
        onAdd: (obj) => this.onAdd(id, obj),
        onUpdate: (old, obj) => this.onUpdate(id, old, obj),
        onDelete: (obj) => this.onDelete(id, obj),
      });
    }
  }

  // ---- events → keys -------------------------------------------------------------

  private onAdd(id: string, obj: KubeObject): void {
    const key = queueKey(id, obj);
    this.uids.set(obj.metadata?.uid, key);
    if (ownerRefsOf(obj).length || needsOwnerWork(obj)) this.enqueue(key);
  }

  private onUpdate(id: string, old: KubeObject, obj: KubeObject): void {
    if (old === obj) return; // resync: nothing changed
    const key = queueKey(id, obj);
    this.uids.set(obj.metadata?.uid, key);
    if (needsOwnerWork(obj)) this.enqueue(key);
    const refsChanged = JSON.stringify(ownerRefsOf(old)) !== JSON.stringify(ownerRefsOf(obj));
    if (refsChanged || !!old.metadata?.deletionTimestamp !== !!obj.metadata?.deletionTimestamp) {
      if (ownerRefsOf(obj).length) this.enqueue(key);
      // Owners waiting on this dependent may now be free to go.
      this.enqueueDeletingOwners([...ownerRefsOf(old), ...ownerRefsOf(obj)]);
    }
  }

  private onDelete(id: string, obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (this.uids.get(uid) === queueKey(id, obj)) this.uids.delete(uid);
    // Its dependents may have lost their last owner; its owners may have lost a blocker.
    for (const [depId, dep] of this.dependentsByUid(uid)) this.enqueue(queueKey(depId, dep));
    this.enqueueDeletingOwners(ownerRefsOf(obj));
  }

  private enqueueDeletingOwners(refs: OwnerReference[]): void {
    for (const ref of refs) {
      const key = this.uids.get(ref.uid);
      const owner = key ? this.objectAt(key) : undefined;
      if (owner && needsOwnerWork(owner)) this.enqueue(key!);
    }
  }

  // ---- reconcile -----------------------------------------------------------------

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [id] = splitKey(key);
    const monitor = this.monitors.get(id);
    const obj = this.objectAt(key);
    if (!monitor || !obj) return undefined;
    const meta = obj.metadata ?? {};
    if (meta.deletionTimestamp) {
      // "No dependents left" can only be trusted once every cache is loaded. (Collecting
      // ownerless dependents needs no such wait: absent owners are confirmed live.)
      if (!this.hasSynced()) return { requeueAfterMs: 200 };
      const finalizers: string[] = meta.finalizers ?? [];
      if (finalizers.includes(ORPHAN_FINALIZER)) await this.orphanDependents(monitor, obj);
      else if (finalizers.includes(FOREGROUND_FINALIZER)) await this.deleteDependentsFirst(monitor, obj);
      return undefined;
    }
    if (ownerRefsOf(obj).length) await this.collectIfOwnerless(monitor, obj);
    return undefined;
  }

  /** Rule (a): delete a dependent without a living owner; tidy references to gone owners. */
  private async collectIfOwnerless(monitor: Monitor, dep: KubeObject): Promise<void> {
    const refs = ownerRefsOf(dep);
    const states = await Promise.all(refs.map((ref) => this.ownerState(dep, ref)));
    const decision = decideForDependent(refs, states);
    const { namespace, name, uid } = dep.metadata!;
    if (decision.action === 'keep') {
      const ops = ownerRefPatch(dep, decision.removeUids, decision.unblockUids);
      if (ops.length) await this.patchIgnoringGone(monitor.resource, dep, ops);
      return;
    }
    const finalizers: string[] = dep.metadata?.finalizers ?? [];
    let propagationPolicy: 'Orphan' | 'Foreground' | 'Background' = 'Background';
    if (finalizers.includes(ORPHAN_FINALIZER)) propagationPolicy = 'Orphan';
    else if (finalizers.includes(FOREGROUND_FINALIZER)) propagationPolicy = 'Foreground';
    // An owner waiting in the foreground must also wait for this dependent's own dependents.
    else if (decision.anyWaiting && this.dependentsByUid(uid).length) propagationPolicy = 'Foreground';
    this.logger.info(
      { resource: groupResource(monitor.resource), namespace, name, owners: refs.map((r) => `${r.kind}/${r.name}`), propagationPolicy },
      'deleting object whose owners are gone',
    );
    try {
      await this.client.delete(monitor.resource, namespace, name, { propagationPolicy, preconditions: { uid } });
    } catch (err) {
      // Gone already, or replaced by a new object of the same name.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Rule (b): foreground deletion waits for the dependents, then drops the finalizer. */
  private async deleteDependentsFirst(monitor: Monitor, owner: KubeObject): Promise<void> {
    const uid = owner.metadata!.uid;
    const dependents = this.dependentsOf(owner);
    // Each dependent decides for itself (it may have another living owner).
    for (const [id, dep] of dependents) if (!dep.metadata?.deletionTimestamp) this.enqueue(queueKey(id, dep));
    const blocking = dependents.filter(([, dep]) => ownerRefsOf(dep).find((r) => r.uid === uid)?.blockOwnerDeletion !== false);
    if (blocking.length) return; // their deletions enqueue this owner again
    await this.removeFinalizer(monitor.resource, owner, FOREGROUND_FINALIZER);
  }

  /** Rule (c): orphaning removes this owner from its dependents, then drops the finalizer. */
  private async orphanDependents(monitor: Monitor, owner: KubeObject): Promise<void> {
    const uid = owner.metadata!.uid;
    for (const [id, dep] of this.dependentsOf(owner)) {
      await this.patchIgnoringGone(this.monitors.get(id)!.resource, dep, ownerRefPatch(dep, [uid], []));
    }
    await this.removeFinalizer(monitor.resource, owner, ORPHAN_FINALIZER);
  }

  /** Is the owner alive, gone, or itself waiting for its dependents to go? */
  private async ownerState(dep: KubeObject, ref: OwnerReference): Promise<OwnerState> {
    const r = this.kinds.get(`${groupOfApiVersion(ref.apiVersion)}/${ref.kind}`);
    const depNamespace: string | undefined = dep.metadata?.namespace || undefined;
    const key = this.uids.get(ref.uid);
    let owner = key ? this.objectAt(key) : undefined;
    // The object with that uid lives in another namespace than its dependent (Kubernetes
    // reports it once it has seen the owner; the reference then counts as absent).
    const ownerNamespace: string | undefined = owner?.metadata?.namespace || undefined;
    if (ownerNamespace && ownerNamespace !== depNamespace) this.reportInvalidNamespace(dep, ref);
    // An owner kind the server does not serve, or a cluster-scoped object naming a
    // namespaced owner, cannot be checked: never delete on its account.
    if (!r || (r.namespaced && !depNamespace)) return 'solid';
    // The object with that uid must be the one the reference names, where it may be.
    if (owner && (splitKey(key!)[0] !== groupResource(r) || owner.metadata?.name !== ref.name)) owner = undefined;
    if (owner && r.namespaced && ownerNamespace !== depNamespace) owner = undefined;
    if (!owner) {
      // The cache may not have seen a brand-new owner yet: ask the server.
      try {
        owner = await this.client.get(r, r.namespaced ? depNamespace : undefined, ref.name);
      } catch (err) {
        if (isNotFound(err)) return 'absent';
        throw err;
      }
      if (owner.metadata?.uid !== ref.uid) return 'absent';
    }
    return isWaitingForDependents(owner) ? 'waiting' : 'solid';
  }

  /** Kubernetes' warning on a dependent whose namespaced owner is not in its namespace. */
  private reportInvalidNamespace(dep: KubeObject, ref: OwnerReference): void {
    const monitor = this.monitors.get(splitKey(this.uids.get(dep.metadata?.uid) ?? '')[0]);
    const r = monitor?.resource;
    const ns = dep.metadata?.namespace ?? '';
    const involved: KubeObject = {
      apiVersion: r ? (r.group ? `${r.group}/${r.version}` : r.version) : dep.apiVersion,
      kind: r?.kind ?? dep.kind,
      metadata: { namespace: dep.metadata?.namespace, name: dep.metadata?.name, uid: dep.metadata?.uid },
    };
    const owner = `[${ref.apiVersion}/${ref.kind}, namespace: ${ns}, name: ${ref.name}, uid: ${ref.uid}]`;
    this.recorder.warning(involved, 'OwnerRefInvalidNamespace', `ownerRef ${owner} does not exist in namespace "${ns}"`);
  }

  private async removeFinalizer(resource: DiscoveredResource, obj: KubeObject, finalizer: string): Promise<void> {
    const finalizers: string[] = obj.metadata?.finalizers ?? [];
    const at = finalizers.indexOf(finalizer);
    if (at < 0) return;
    const ops = [
      { op: 'test', path: '/metadata/uid', value: obj.metadata!.uid },
      { op: 'test', path: `/metadata/finalizers/${at}`, value: finalizer },
      { op: 'remove', path: `/metadata/finalizers/${at}` },
    ];
    await this.patchIgnoringGone(resource, obj, ops);
  }

  /** JSON patch guarded by `test` operations: a stale cache fails it (422) and the key retries. */
  private async patchIgnoringGone(resource: DiscoveredResource, obj: KubeObject, ops: object[]): Promise<void> {
    if (!ops.length) return;
    try {
      await this.client.patch(resource, obj.metadata?.namespace || undefined, obj.metadata!.name, ops, 'json');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // ---- the graph -----------------------------------------------------------------

  private objectAt(key: string): KubeObject | undefined {
    const [id, namespace, name] = splitKey(key);
    return this.monitors.get(id)?.informer.get(namespace || undefined, name);
  }

  /** Every cached object that lists `uid` among its owners, with its monitor id. */
  private dependentsByUid(uid: string): [string, KubeObject][] {
    const out: [string, KubeObject][] = [];
    for (const [id, m] of this.monitors) for (const dep of m.informer.byIndex(OWNER_UID_INDEX, uid)) out.push([id, dep]);
    return out;
  }

  /** Dependents that may validly name this owner (same namespace, or any for a cluster-scoped owner). */
  private dependentsOf(owner: KubeObject): [string, KubeObject][] {
    const ns = owner.metadata?.namespace;
    return this.dependentsByUid(owner.metadata!.uid).filter(([, dep]) => !ns || dep.metadata?.namespace === ns);
  }
}

export type DependentDecision = { action: 'delete'; anyWaiting: boolean } | { action: 'keep'; removeUids: string[]; unblockUids: string[] };

/**
 * Kubernetes' rule for a dependent: with at least one solid owner it stays (references to
 * absent owners are dropped, and it stops blocking owners waiting in the foreground);
 * otherwise it goes.
 */
export function decideForDependent(refs: OwnerReference[], states: OwnerState[]): DependentDecision {
  const refsIn = (s: OwnerState) => refs.filter((_, i) => states[i] === s);
  if (refsIn('solid').length === 0) return { action: 'delete', anyWaiting: refsIn('waiting').length > 0 };
  return {
    action: 'keep',
    removeUids: refsIn('absent').map((r) => r.uid),
    unblockUids: refsIn('waiting')
      .filter((r) => r.blockOwnerDeletion !== false)
      .map((r) => r.uid),
  };
}

/**
 * JSON patch operations that drop the references to `removeUids` and set
 * blockOwnerDeletion: false on those to `unblockUids`, each guarded by a test of the
 * reference's uid at its index (and of the object's uid).
 */
export function ownerRefPatch(obj: KubeObject, removeUids: string[], unblockUids: string[]): object[] {
  const refs = ownerRefsOf(obj);
  const ops: object[] = [];
  const guard = (i: number) => ({ op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: refs[i].uid });
  refs.forEach((ref, i) => {
    if (unblockUids.includes(ref.uid) && !removeUids.includes(ref.uid)) {
      ops.push(guard(i), { op: 'add', path: `/metadata/ownerReferences/${i}/blockOwnerDeletion`, value: false });
    }
  });
  const removing = refs.map((ref, i) => (removeUids.includes(ref.uid) ? i : -1)).filter((i) => i >= 0);
  if (removing.length && removing.length === refs.length) {
    ops.push(...removing.map(guard), { op: 'remove', path: '/metadata/ownerReferences' });
  } else {
    // Highest index first so earlier removals do not shift the later ones.
    for (const i of removing.reverse()) ops.push(guard(i), { op: 'remove', path: `/metadata/ownerReferences/${i}` });
  }
  if (ops.length) ops.unshift({ op: 'test', path: '/metadata/uid', value: obj.metadata?.uid });
  return ops;
}

export function ownerRefsOf(obj: KubeObject): OwnerReference[] {
  return obj.metadata?.ownerReferences ?? [];
}

function isWaitingForDependents(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp && (obj.metadata?.finalizers ?? []).includes(FOREGROUND_FINALIZER);
}

/** Being deleted with a finalizer only the garbage collector clears. */
function needsOwnerWork(obj: KubeObject): boolean {
  const finalizers: string[] = obj.metadata?.finalizers ?? [];
  return !!obj.metadata?.deletionTimestamp && (finalizers.includes(FOREGROUND_FINALIZER) || finalizers.includes(ORPHAN_FINALIZER));
}

function groupOfApiVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** "replicasets.apps|namespace|name" ("|" appears in no resource, namespace or object name). */
function queueKey(id: string, obj: KubeObject): string {
  return `${id}|${obj.metadata?.namespace ?? ''}|${obj.metadata?.name}`;
}

function splitKey(key: string): [string, string, string] {
  const [id, namespace, name] = key.split('|');
  return [id, namespace, name];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
