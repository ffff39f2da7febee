// Namespace lifecycle (Kubernetes' namespace controller): once a namespace is marked for
// deletion, delete its pods, then (once they are gone) everything else in it, wait until the
// content is really gone (pods may take their grace period, objects may carry finalizers),
// then clear the "kubernetes" entry of spec.finalizers through /finalize so the API server
// removes the namespace itself.
import type { Logger } from 'pino';
import { metaTime } from '../api/meta-time.ts';
import type { KubeObject } from '../api/resource-type.ts';
import { isConflict, isNotFound } from '../client/api-error.ts';
import { clone, type Informer } from '../client/informer.ts';
import type { InformerFactory } from '../client/informer-factory.ts';
import { resourcePath } from '../client/resource-path.ts';
import { resources } from '../client/resources.ts';
import type { RestClient } from '../client/rest-client.ts';
import { type DiscoveredResource, discoverResources, groupResource, isEventResource, supports } from './discovery-resources.ts';
import { Controller, type ReconcileResult } from './framework/controller.ts';

export const NAMESPACE_FINALIZER = 'kubernetes';

export interface NamespaceControllerOptions {
  /** How long to wait before looking again while content remains. Default 1 s. */
  recheckMs?: number;
  /** Where the list of served resources comes from; defaults to API discovery. */
  discover?: () => Promise<DiscoveredResource[]>;
}

/** What one pass over a terminating namespace's content found. */
export interface ContentOutcome {
  discoveryError?: string;
  /** "pods." → objects still there after the pass. */
  remaining: Map<string, number>;
  /** finalizer → number of remaining objects carrying it. */
  finalizers: Map<string, number>;
  /** Per-resource failures, e.g. "pods.: the server is on fire". */
  errors: string[];
}

export type ContentClient = Pick<RestClient, 'list' | 'delete' | 'deleteCollection'>;

export class NamespaceController extends Controller {
  private readonly informer: Informer;
  private readonly recheckMs: number;
  private readonly discover: () => Promise<DiscoveredResource[]>;

  constructor(
    private readonly client: RestClient,
    factory: InformerFactory,
    logger: Logger,
    opts: NamespaceControllerOptions = {},
  ) {
    super('namespace', logger);
    this.recheckMs = opts.recheckMs ?? 1000;
    this.discover = opts.discover ?? (() => discoverResources(client));
    this.informer = factory.informerFor(resources.namespaces);
    this.informer.addEventHandler({
      onAdd: (ns) => this.enqueueIfTerminating(ns),
      onUpdate: (_old, ns) => this.enqueueIfTerminating(ns),
    });
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  private enqueueIfTerminating(ns: KubeObject): void {
    if (ns.metadata?.deletionTimestamp) this.enqueue(ns.metadata.name);
  }

  protected async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const cached = this.informer.get(undefined, name);
    if (!cached?.metadata?.deletionTimestamp) return undefined;
    if (!(cached.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return undefined;

    const outcome = await this.deleteContent(name);
    let ns = await this.writeConditions(clone(cached), outcome);
    if (outcome.discoveryError || outcome.errors.length || outcome.remaining.size) {
      this.logger.debug(
        { namespace: name, remaining: Object.fromEntries(outcome.remaining), errors: outcome.errors },
        'namespace content remains',
      );
      return { requeueAfterMs: this.recheckMs };
    }
    ns = { ...ns, spec: { ...ns.spec, finalizers: (ns.spec?.finalizers ?? []).filter((f: string) => f !== NAMESPACE_FINALIZER) } };
    try {
      await this.client.request('PUT', resourcePath(resources.namespaces, undefined, name, 'finalize'), { body: ns });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err; // a conflict retries with a fresh copy from the cache
    }
    this.logger.info({ namespace: name }, 'namespace content removed; namespace finalized');
    return undefined;
  }

  /** Deletes what is left in the namespace and reports what still remains. */
  private async deleteContent(namespace: string): Promise<ContentOutcome> {
    let served: DiscoveredResource[];
    try {
      served = await this.discover();
    } catch (err) {
      return { discoveryError: errorText(err), remaining: new Map(), finalizers: new Map(), errors: [] };
    }
    return deleteNamespaceContent(this.client, namespace, served);
  }

  /** Records the deletion progress in status.conditions like Kubernetes; never fails the pass. */
  private async writeConditions(ns: KubeObject, outcome: ContentOutcome): Promise<KubeObject> {
    const conditions = mergeConditions(ns.status?.conditions ?? [], deletionConditions(outcome), new Date());
    if (conditions === ns.status?.conditions) return ns;
    try {
      return await this.client.updateStatus(resources.namespaces, { ...ns, status: { ...ns.status, conditions } });
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err))
        this.logger.warn({ namespace: ns.metadata?.name, err: errorText(err) }, 'cannot update namespace conditions');
      return ns;
    }
  }
}

/**
 * One deletion pass over every namespaced resource that can be listed and deleted: one
 * deletecollection per resource that has content (per-object deletes where the resource
 * has no deletecollection), then a list to see what is still there. Pods go first, and
 * nothing else is deleted while one remains (Kubernetes' OrderedNamespaceDeletion, on by
 * default since 1.33), so that a NetworkPolicy, Secret or Service outlives the pods using it.
 */
export async function deleteNamespaceContent(
  client: ContentClient,
  namespace: string,
  served: DiscoveredResource[],
): Promise<ContentOutcome> {
  const outcome: ContentOutcome = { remaining: new Map(), finalizers: new Map(), errors: [] };
  const candidates = served.filter(
    (r) => r.namespaced && supports(r, 'list') && (supports(r, 'deletecollection') || supports(r, 'delete')),
  );
  const pass = (rs: DiscoveredResource[]) =>
    Promise.all(
      rs.map(async (r) => {
        try {
          const left = await deleteResourceContent(client, namespace, r);
          if (left.length === 0) return;
          outcome.remaining.set(groupResource(r), left.length);
          for (const obj of left) {
            for (const f of obj.metadata?.finalizers ?? []) outcome.finalizers.set(f, (outcome.finalizers.get(f) ?? 0) + 1);
          }
        } catch (err) {
          outcome.errors.push(`${groupResource(r)}: ${errorText(err)}`);
        }
      }),
    );
  const isPods = (r: DiscoveredResource) => r.group === '' && r.plural === 'pods';
  await pass(candidates.filter(isPods));
  if (outcome.remaining.size) return outcome;
  const rest = candidates.filter((r) => !isPods(r));
  // Events last: what is being deleted may still report events about itself.
  await pass([...rest.filter((r) => !isEventResource(r)), ...rest.filter(isEventResource)]);
  return outcome;
}

async function deleteResourceContent(client: ContentClient, namespace: string, r: DiscoveredResource): Promise<KubeObject[]> {
  const listed = await listOrEmpty(client, namespace, r);
  const live = listed.filter((obj) => !obj.metadata?.deletionTimestamp);
  if (live.length === 0) return listed;
  if (supports(r, 'deletecollection')) {
    await client.deleteCollection(r, namespace, { propagationPolicy: 'Background' });
  } else {
    for (const obj of live) {
      try {
        await client.delete(r, namespace, obj.metadata!.name, {
          propagationPolicy: 'Background',
          preconditions: { uid: obj.metadata!.uid },
        });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }
  return listOrEmpty(client, namespace, r);
}

async function listOrEmpty(client: ContentClient, namespace: string, r: DiscoveredResource): Promise<KubeObject[]> {
  try {
    return (await client.list(r, namespace)).items ?? [];
  } catch (err) {
    if (isNotFound(err)) return []; // the resource went away since discovery
    throw err;
  }
}

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/** The conditions Kubernetes reports on a terminating namespace, for one pass's outcome. */
export function deletionConditions(outcome: ContentOutcome): NamespaceCondition[] {
  const remaining = [...outcome.remaining].sort(([a], [b]) => a.localeCompare(b));
  const finalizers = [...outcome.finalizers].sort(([a], [b]) => a.localeCompare(b));
  const errors = [...outcome.errors].sort();
  return [
    outcome.discoveryError
      ? cond('NamespaceDeletionDiscoveryFailure', 'True', 'DiscoveryFailed', `Discovery failed for some groups: ${outcome.discoveryError}`)
      : cond('NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered', 'All resources successfully discovered'),
    cond('NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'),
    errors.length
      ? cond(
          'NamespaceDeletionContentFailure',
          'True',
          'ContentDeletionFailed',
          `Failed to delete all resource types, ${errors.length} remaining: ${errors.join(', ')}`,
        )
      : cond(
          'NamespaceDeletionContentFailure',
          'False',
          'ContentDeleted',
          'All content successfully deleted, may be waiting on finalization',
        ),
    remaining.length
      ? cond(
          'NamespaceContentRemaining',
          'True',
          'SomeResourcesRemain',
          `Some resources are remaining: ${remaining.map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}`,
        )
      : cond('NamespaceContentRemaining', 'False', 'ContentRemoved', 'All content successfully removed'),
    finalizers.length
      ? cond(
          'NamespaceFinalizersRemaining',
          'True',
          'SomeFinalizersRemain',
          `Some content in the namespace has finalizers remaining: ${finalizers.map(([f, n]) => `${f} in ${n} resource instances`).join(', ')}`,
        )
      : cond('NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'),
  ];
}

const cond = (type: string, status: 'True' | 'False', reason: string, message: string): NamespaceCondition => ({
  type,
  status,
  reason,
  message,
});

/**
 * The conditions after applying `wanted`: others are kept, lastTransitionTime moves only
 * when a status flips. Returns `current` itself when nothing changed.
 */
export function mergeConditions(current: NamespaceCondition[], wanted: NamespaceCondition[], now: Date): NamespaceCondition[] {
  const byType = new Map(current.map((c) => [c.type, c]));
  let changed = false;
  const merged = [...current];
  for (const w of wanted) {
    const old = byType.get(w.type);
    if (old && old.status === w.status && old.reason === w.reason && old.message === w.message) continue;
    changed = true;
    const transition = old && old.status === w.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now);
    const next = { ...w, lastTransitionTime: transition };
    const at = merged.findIndex((c) => c.type === w.type);
    if (at >= 0) merged[at] = next;
    else merged.push(next);
  }
  return changed ? merged : current;
}

function rfc3339(d: Date): string {
  return metaTime(d);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
