// The pods/eviction subresource (POST policy/v1 Eviction), what `kubectl drain` uses: a
// pod is deleted only if the PodDisruptionBudget covering it allows one more disruption.
// The budget's disruptionsAllowed is decremented (optimistic concurrency on the PDB's
// status) and the pod recorded in status.disruptedPods before the pod is deleted, so that
// concurrent evictions can never together exceed the budget; the disruption controller
// recomputes the real numbers afterwards.

import { podDisruptionBudgets } from '../api/kinds/policy/poddisruptionbudget.ts';
import type { KubeObject } from '../api/resource-type.ts';
import { labelSelectorFromObject } from '../api/selectors/label-selector.ts';
import { updateDisruptionAllowedCondition } from '../controllers/disruption/pdb-status.ts';
import { isPodReady, isPodTerminal } from '../controllers/pod-utils.ts';
import { parseBody } from './decode-body.ts';
import type { ExtraSubresource } from './discovery.ts';
import { badRequest, deletePreconditionFailed, forbidden, methodNotAllowed, StatusError } from './errors.ts';
import { readBody, writeJSON } from './http-io.ts';
import type { RequestParams, SubresourceHandler } from './resource-handler.ts';
import { type DeleteOptions, ResourceStore, rfc3339 } from './storage/resource-store.ts';

/** What discovery should list so kubectl drain finds the subresource (policy/v1 Eviction). */
export const evictionSubresource: ExtraSubresource = {
  group: '',
  resource: 'pods',
  subresource: 'eviction',
  kind: { group: 'policy', version: 'v1', kind: 'Eviction' },
  verbs: ['create'],
};

/** Kubernetes refuses evictions once this many are recorded but not yet seen by the controller. */
const maxDisruptedPods = 2000;

const pdbStores = new WeakMap<object, ResourceStore>();

/** The PodDisruptionBudget store over the same Store the pods live in. */
function pdbStoreFor(pods: ResourceStore): ResourceStore {
  let rs = pdbStores.get(pods.store);
  if (!rs) {
    rs = new ResourceStore(podDisruptionBudgets, pods.store);
    pdbStores.set(pods.store, rs);
  }
  return rs;
}

/** Kubernetes' EvictionsRetry: conflicts on a pod that may go without its budget are retried this often. */
const conflictRetries = 20;
const conflictRetryDelayMs = 500;

/**
 * The 429 kubectl drain waits on and retries. Kubernetes suggests no retry delay when the
 * budget allows no disruption, and 10 s (details.retryAfterSeconds plus a Retry-After
 * header) when the budget has not been processed yet or the pod changed under an eviction.
 */
function budgetViolation(cause: string, retryAfterSeconds = 0): StatusError {
  return new StatusError(
    429,
    'TooManyRequests',
    "Cannot evict pod as it would violate the pod's disruption budget.",
    {
      causes: [{ reason: 'DisruptionBudget', message: cause }],
      ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
    },
    retryAfterSeconds > 0 ? { 'Retry-After': String(retryAfterSeconds) } : undefined,
  );
}

/** createTooManyRequestsError: the budget is behind its spec, or the pod changed meanwhile. */
const stillBeingProcessed = (name: string): StatusError =>
  budgetViolation(`The disruption budget ${name} is still being processed by the server.`, 10);

const isConflict = (err: unknown): boolean => err instanceof StatusError && err.code === 409;

/** Handler for POST /api/v1/namespaces/{ns}/pods/{name}/eviction. */
export const evictPod: SubresourceHandler = async (p: RequestParams, pods: ResourceStore): Promise<void> => {
  const { info } = p;
  if (info.verb !== 'create' || !info.name || !info.namespace) {
    throw methodNotAllowed('the server does not allow this method on the requested resource');
  }
  const eviction = parseBody(await readBody(p.req), p.req.headers['content-type'], 'Eviction in version "v1"').object;
  if (eviction.metadata?.name && eviction.metadata.name !== info.name) {
    throw badRequest('name in URL does not match name in Eviction object');
  }
  const deleteOptions: KubeObject = eviction.deleteOptions ?? {};
  const dryRun = p.query.getAll('dryRun').length > 0 || (Array.isArray(deleteOptions.dryRun) && deleteOptions.dryRun.length > 0);
  const options: DeleteOptions = {};
  if (typeof deleteOptions.gracePeriodSeconds === 'number') options.gracePeriodSeconds = deleteOptions.gracePeriodSeconds;
  if (deleteOptions.propagationPolicy) options.propagationPolicy = deleteOptions.propagationPolicy;
  if (deleteOptions.preconditions) options.preconditions = deleteOptions.preconditions;

  const callerPinnedVersion = !!options.preconditions?.resourceVersion;

  // A pod that is finished, not started or already going causes no new disruption: it is
  // deleted without its budget, pinned to the version read (unless finished or going) so
  // that it cannot have become Running meanwhile; a conflict reads it again.
  let pod: KubeObject;
  for (let attempt = 1; ; attempt++) {
    pod = await pods.get(info.namespace, info.name);
    if (!canIgnoreBudget(pod)) break;
    const attemptOptions = pinnedIfUnset(options, pod, shouldPinVersion(pod));
    try {
      await deleteEvicted(pods, pod, attemptOptions, dryRun);
    } catch (err) {
      if (isConflict(err) && !callerPinnedVersion && attempt < conflictRetries) {
        await sleep(conflictRetryDelayMs * (1 + Math.random() * 0.1));
        continue;
      }
      throw err;
    }
    writeSuccess(p);
    return;
  }

  let pinned = false;
  let budgetName = '';
  const budgets = await budgetsFor(pods, pod);
  if (budgets.length > 1) {
    throw new StatusError(
      500,
      'InternalError',
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  }
  if (budgets.length === 1) {
    budgetName = budgets[0].metadata?.name ?? '';
    if (unhealthyPodMayGo(budgets[0], pod)) pinned = true;
    else await takeDisruption(pdbStoreFor(pods), budgets[0], pod.metadata?.name, dryRun);
  }
  // An unready pod going without its budget must still be the pod that was judged: one
  // that became ready meanwhile is refused with a 429 the client retries.
  try {
    await deleteEvicted(pods, pod, pinnedIfUnset(options, pod, pinned), dryRun);
  } catch (err) {
    if (isConflict(err) && pinned && !callerPinnedVersion) throw stillBeingProcessed(budgetName);
    throw err;
  }
  writeSuccess(p);
};

function writeSuccess(p: RequestParams): void {
  writeJSON(p.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/** canIgnorePDB: finished, not yet started, or already being deleted. */
function canIgnoreBudget(pod: KubeObject): boolean {
  return isPodTerminal(pod) || pod.status?.phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}

/** shouldEnforceResourceVersion: a pod that is neither finished nor going could still start. */
function shouldPinVersion(pod: KubeObject): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;
}

/** The delete options, with preconditions.resourceVersion set to the pod read when asked and unset. */
function pinnedIfUnset(options: DeleteOptions, pod: KubeObject, pin: boolean): DeleteOptions {
  const copy: DeleteOptions = { ...options, ...(options.preconditions ? { preconditions: { ...options.preconditions } } : {}) };
  if (pin && !copy.preconditions?.resourceVersion) {
    copy.preconditions = { ...copy.preconditions, resourceVersion: pod.metadata?.resourceVersion };
  }
  return copy;
}

/** addConditionAndDeletePod: the DisruptionTarget condition (not on a dry run), then the delete. */
async function deleteEvicted(pods: ResourceStore, pod: KubeObject, options: DeleteOptions, dryRun: boolean): Promise<void> {
  if (!dryRun) await markDisruptionTarget(pods, pod, options);
  await pods.delete(pod.metadata?.namespace, pod.metadata?.name, options, { dryRun });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The budgets whose selector matches the pod (an empty selector matches every pod). */
async function budgetsFor(pods: ResourceStore, pod: KubeObject): Promise<KubeObject[]> {
  const { items } = await pdbStoreFor(pods).list({ namespace: pod.metadata?.namespace });
  return items.filter((pdb) => {
    try {
      return labelSelectorFromObject(pdb.spec?.selector).matches(pod.metadata?.labels);
    } catch {
      return false;
    }
  });
}

/**
 * unhealthyPodEvictionPolicy: a pod that is not ready may go without using up the budget
 * when the policy is AlwaysAllow, or (IfHealthyBudget, the default) while the budget has
 * all the healthy pods it needs.
 */
function unhealthyPodMayGo(pdb: KubeObject, pod: KubeObject): boolean {
  if (isPodReady(pod)) return false;
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const status = pdb.status ?? {};
  return (status.desiredHealthy ?? 0) > 0 && (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0);
}

/** Decrements disruptionsAllowed and records the pod, or refuses with 429. */
async function takeDisruption(store: ResourceStore, budget: KubeObject, podName: string, dryRun: boolean): Promise<void> {
  const { namespace, name } = budget.metadata ?? {};
  await store.guaranteedUpdate(namespace, name, { dryRun }, 'status', (pdb) => {
    pdb.status ??= {};
    const status = pdb.status;
    if ((status.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) {
      throw stillBeingProcessed(name);
    }
    const allowed = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw forbidden(`poddisruptionbudgets.policy "${name}" is forbidden: pdb disruptions allowed is negative`);
    if (Object.keys(status.disruptedPods ?? {}).length > maxDisruptedPods) {
      throw forbidden(
        `poddisruptionbudgets.policy "${name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`,
      );
    }
    if (allowed === 0) {
      throw budgetViolation(
        `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`,
      );
    }
    const now = rfc3339(new Date());
    status.disruptionsAllowed = allowed - 1;
    if (status.disruptionsAllowed === 0) updateDisruptionAllowedCondition(status, now);
    status.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: now };
    return pdb;
  });
}

/** Adds the DisruptionTarget condition to a running pod, so its owner knows why it goes. */
async function markDisruptionTarget(pods: ResourceStore, pod: KubeObject, options: DeleteOptions): Promise<void> {
  if (isPodTerminal(pod) || pod.metadata?.deletionTimestamp) return;
  const { namespace, name } = pod.metadata ?? {};
  const updated = await pods.guaranteedUpdate(namespace, name, {}, 'status', (current) => {
    // getLatestPod: the preconditions hold for the pod this write changes, in rest.BeforeDelete's words.
    const refused = deletePreconditionFailed('', 'Pod', name, options.preconditions, current.metadata ?? {});
    if (refused) throw refused;
    current.status ??= {};
    const status = current.status;
    const condition = {
      type: 'DisruptionTarget',
      status: 'True',
      lastTransitionTime: rfc3339(new Date()),
      reason: 'EvictionByEvictionAPI',
      message: 'Eviction API: evicting',
    };
    const conditions: KubeObject[] = status.conditions ?? [];
    const existing = conditions.findIndex((c) => c.type === 'DisruptionTarget');
    if (existing >= 0 && conditions[existing].status === 'True') return current;
    status.conditions = existing >= 0 ? conditions.map((c, i) => (i === existing ? condition : c)) : [...conditions, condition];
    return current;
  });
  // Our own write moved the resourceVersion: keep a caller's precondition meaningful.
  if (options.preconditions?.resourceVersion) options.preconditions.resourceVersion = updated.metadata?.resourceVersion;
}
