// The horizontal pod autoscaler controller (Kubernetes' pkg/controller/podautoscaler): every
// 15 s per HPA it reads the target's scale, the CPU or memory use of the target's pods from
// metrics.k8s.io (served by the API server, see src/apiserver/resource-metrics.ts), computes
// the replicas each Resource metric asks for (replica-calculator.ts), takes the largest,
// stabilizes and rate-limits it (scaling-behavior.ts), writes the scale and the HPA's status,
// and records SuccessfulRescale. Only Resource metrics are served here. As in Kubernetes, the
// controller remembers the selector of every HPA's target (hpaSelectors) and refuses to scale a
// target whose pods another HPA also selects (AmbiguousSelector), rather than let two HPAs fight.
import type { Logger } from 'pino';
import { milliValue, Quantity } from '../../api/quantity.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { type LabelMatcher, parseLabelSelector } from '../../api/selectors/label-selector.ts';
import { isNotFound } from '../../client/api-error.ts';
import { objectKey } from '../../client/indexer.ts';
import { clone, type Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { type ResourceDescriptor, resourcePath } from '../../client/resource-path.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { sameContent } from '../job/api-object.ts';
import { scaleTargetResource } from '../scale-targets.ts';
import { type PodRequest, podRequest, podUsage } from './pod-resources.ts';
import { type PodSample, ReplicaCalculationError, type ResourceTarget, resourceReplicas } from './replica-calculator.ts';
import { ScalingHistory } from './scaling-behavior.ts';

type Json = Record<string, any>;

/** --horizontal-pod-autoscaler-sync-period. */
export const HPA_SYNC_PERIOD_MS = 15_000;

export interface HpaControllerOptions {
  now?: () => number;
  syncPeriodMs?: number;
}

/** A pod of the target with its requests and readings of every resource. */
type TargetPod = Omit<PodSample, 'request' | 'containerWithoutRequest' | 'usage'> & {
  requests: Record<string, PodRequest>;
  usages: Partial<Record<string, PodSample['usage']>>;
};

class MetricError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    /** How FailedComputeMetricsReplicas quotes it, when that differs from the message. */
    readonly quoted: string = message,
  ) {
    super(message);
  }
}

/**
 * A failed Resource metric in Kubernetes' words: the message of the FailedGetResourceMetric event
 * and of the ScalingActive condition, and how FailedComputeMetricsReplicas quotes it
 * (computeStatusForResourceMetricGeneric, then computeReplicasForMetric).
 */
export function resourceMetricFailure(resource: string, targetType: string, cause: string): { message: string; quoted: string } {
  const message = `failed to get ${resource} ${targetType === 'AverageValue' ? 'usage' : 'utilization'}: ${cause}`;
  return { message, quoted: `failed to get ${resource} resource metric value: ${message}` };
}

/** The resource metrics client's errors (GetResourceMetric), as the replica calculator words them. */
export function metricsFetchFailure(resource: string, itemCount: number, fetchError?: string): string | undefined {
  if (fetchError !== undefined)
    return `unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${fetchError}`;
  if (itemCount === 0) return `unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`;
  return undefined;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

const CONDITION_ORDER = ['AbleToScale', 'ScalingActive', 'ScalingLimited'];

/** Sets a condition, keeping its transition time when its status did not change (Kubernetes' order). */
function setCondition(conditions: Json[], type: string, status: 'True' | 'False', reason: string, message: string, now: number): Json[] {
  const old = conditions.find((c) => c.type === type);
  const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : rfc3339(now);
  const next = [...conditions.filter((c) => c.type !== type), { type, status, lastTransitionTime, reason, message }];
  return next.sort((a, b) => CONDITION_ORDER.indexOf(a.type) - CONDITION_ORDER.indexOf(b.type));
}

/**
 * A milli-value as status.currentMetrics carries it: resource.NewMilliQuantity(v, DecimalSI)
 * in canonical form ("1500m", "2", "13631488", "2M").
 */
export function milliQuantity(milli: number): string {
  return Quantity.fromMilli(Math.trunc(milli)).toString();
}

/** The AmbiguousSelector message: the keys are Go's selectors.Key ("namespace/name"), sorted here. */
export function ambiguousSelectorMessage(selector: string, hpaKeys: string[]): string {
  return `pods by selector ${selector} are controlled by multiple HPAs: [${[...hpaKeys].sort().join(' ')}]`;
}

/**
 * Kubernetes' hpaSelectors: every known HPA with the selector of its target's pods, learned at
 * its last sync (a new HPA selects nothing until then). controllingHpas answers which HPAs
 * select any of the given pods.
 */
export class HpaSelectors {
  private readonly selectors = new Map<string, { namespace: string; selector?: LabelMatcher }>();

  /** enqueueHPA: registers an HPA, selecting nothing, unless it is known. */
  register(key: string, namespace: string): void {
    if (!this.selectors.has(key)) this.selectors.set(key, { namespace });
  }

  /** Updates the selector of a registered HPA (one deleted meanwhile stays out). */
  update(key: string, selector: LabelMatcher): void {
    const entry = this.selectors.get(key);
    if (entry) entry.selector = selector;
  }

  delete(key: string): void {
    this.selectors.delete(key);
  }

  controllingHpas(namespace: string, pods: KubeObject[]): string[] {
    const found = new Set<string>();
    for (const pod of pods) {
      const labels = pod.metadata?.labels ?? {};
      for (const [key, entry] of this.selectors) {
        if (entry.namespace === namespace && entry.selector?.matches(labels)) found.add(key);
      }
    }
    return [...found].sort();
  }
}

/** A failure of the target's selector (validateAndParseSelector): its event, condition and the error it returns. */
interface SelectorFailure {
  eventReason: string;
  eventMessage: string;
  conditionReason: string;
  conditionMessage: string;
  error: string;
}

/** "cpu resource utilization (percentage of request)", as Kubernetes names a metric in messages. */
function metricName(metric: Json): string {
  const name = metric.resource?.name;
  return metric.resource?.target?.type === 'Utilization' ? `${name} resource utilization (percentage of request)` : `${name} resource`;
}

export class HorizontalPodAutoscalerController extends Controller {
  private readonly hpas: Informer<KubeObject>;
  private readonly pods: Informer<KubeObject>;
  private readonly recorder: EventRecorder;
  private readonly histories = new Map<string, ScalingHistory>();
  private readonly hpaSelectors = new HpaSelectors();
  private readonly now: () => number;
  private readonly syncPeriodMs: number;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: HpaControllerOptions = {},
  ) {
    super('horizontal-pod-autoscaler', logger);
    this.now = opts.now ?? Date.now;
    this.syncPeriodMs = opts.syncPeriodMs ?? HPA_SYNC_PERIOD_MS;
    this.recorder = new EventRecorder(client, 'horizontal-pod-autoscaler', logger);
    this.hpas = informers.informerFor<KubeObject>(resources.horizontalPodAutoscalers);
    this.pods = informers.informerFor<KubeObject>(resources.pods);
    this.hpas.addEventHandler({
      onAdd: (hpa) => {
        this.hpaSelectors.register(objectKey(hpa), hpa.metadata?.namespace);
        this.enqueue(objectKey(hpa));
      },
      onUpdate: (old, hpa) => {
        this.hpaSelectors.register(objectKey(hpa), hpa.metadata?.namespace);
        // Its own status writes need no new sync; spec changes do.
        if (old.metadata?.generation !== hpa.metadata?.generation) this.enqueue(objectKey(hpa));
      },
      onDelete: (hpa) => {
        this.histories.delete(objectKey(hpa));
        this.hpaSelectors.delete(objectKey(hpa));
      },
    });
  }

  hasSynced(): boolean {
    return this.hpas.hasSynced() && this.pods.hasSynced();
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.hasSynced()) return { requeueAfterMs: 100 };
    const cached = this.hpas.getByKey(key);
    if (!cached) {
      this.histories.delete(key);
      this.hpaSelectors.delete(key);
      return undefined;
    }
    const hpa = clone(cached);
    await this.reconcileAutoscaler(key, hpa);
    return { requeueAfterMs: this.syncPeriodMs };
  }

  private async reconcileAutoscaler(key: string, hpa: KubeObject): Promise<void> {
    const now = this.now();
    const spec: Json = hpa.spec ?? {};
    const namespace: string = hpa.metadata?.namespace;
    const ref: Json = spec.scaleTargetRef ?? {};
    const status: Json = { ...(hpa.status ?? {}), observedGeneration: hpa.metadata?.generation };
    let conditions: Json[] = Array.isArray(status.conditions) ? status.conditions : [];
    const reference = `${ref.kind}/${ref.name}`;

    const target = scaleTargetResource(ref.apiVersion, ref.kind);
    let scale: KubeObject | undefined;
    try {
      if (!target) throw new Error(`the server could not find the requested resource (scale of ${ref.apiVersion} ${ref.kind})`);
      scale = await this.client.get(target, namespace, ref.name, { subresource: 'scale' });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.recorder.warning(hpa, 'FailedGetScale', message);
      conditions = setCondition(
        conditions,
        'AbleToScale',
        'False',
        'FailedGetScale',
        `the HPA controller was unable to get the target's current scale: ${message}`,
        now,
      );
      await this.writeStatus(hpa, { ...status, conditions });
      return;
    }
    conditions = setCondition(
      conditions,
      'AbleToScale',
      'True',
      'SucceededGetScale',
      "the HPA controller was able to get the target's current scale",
      now,
    );
    const currentReplicas = Number(scale.spec?.replicas ?? 0);
    const minReplicas = Number(spec.minReplicas ?? 1);
    const maxReplicas = Number(spec.maxReplicas);
    let history = this.histories.get(key);
    if (!history) {
      history = new ScalingHistory(currentReplicas, now);
      this.histories.set(key, history);
    }

    let desired = currentReplicas;
    let reason = '';
    let currentMetrics: Json[] | undefined = status.currentMetrics;
    if (currentReplicas === 0 && minReplicas !== 0) {
      conditions = setCondition(
        conditions,
        'ScalingActive',
        'False',
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
        now,
      );
    } else if (currentReplicas > maxReplicas) {
      desired = maxReplicas;
      reason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (currentReplicas < minReplicas) {
      desired = minReplicas;
      reason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      const selection = this.validateSelector(key, namespace, scale.status?.selector);
      if ('failure' in selection) {
        // No metric was read: Kubernetes leaves currentMetrics empty and desiredReplicas as it was.
        const { failure } = selection;
        this.recorder.warning(hpa, failure.eventReason, failure.eventMessage);
        conditions = setCondition(conditions, 'ScalingActive', 'False', failure.conditionReason, failure.conditionMessage, now);
        const { currentMetrics: _dropped, ...rest } = status;
        await this.writeStatus(hpa, {
          ...rest,
          currentReplicas,
          desiredReplicas: status.desiredReplicas ?? 0,
          conditions,
        });
        this.recorder.warning(hpa, 'FailedComputeMetricsReplicas', failure.error);
        return;
      }
      const computed = await this.replicasForMetrics(hpa, selection, currentReplicas, now);
      currentMetrics = computed.statuses;
      if (computed.error) {
        conditions = setCondition(
          conditions,
          'ScalingActive',
          'False',
          computed.error.reason,
          `the HPA was unable to compute the replica count: ${computed.error.message}`,
          now,
        );
        this.recorder.warning(
          hpa,
          'FailedComputeMetricsReplicas',
          `invalid metrics (${computed.invalid} invalid out of ${computed.total}), first error is: ${computed.error.quoted}`,
        );
        await this.writeStatus(hpa, {
          ...status,
          currentReplicas,
          desiredReplicas: status.desiredReplicas ?? 0,
          currentMetrics,
          conditions,
        });
        return;
      }
      conditions = setCondition(
        conditions,
        'ScalingActive',
        'True',
        'ValidMetricFound',
        `the HPA was able to successfully calculate a replica count from ${computed.metric}`,
        now,
      );
      if (computed.replicas > currentReplicas) reason = `${computed.metric} above target`;
      else if (computed.replicas < currentReplicas) reason = 'All metrics below target';
      const normalized = history.normalize({ minReplicas, maxReplicas, behavior: spec.behavior }, currentReplicas, computed.replicas, now);
      desired = normalized.replicas;
      conditions = normalized.stabilized
        ? setCondition(conditions, 'AbleToScale', 'True', normalized.stabilized.reason, normalized.stabilized.message, now)
        : setCondition(conditions, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', now);
      conditions = setCondition(
        conditions,
        'ScalingLimited',
        normalized.limit.limited ? 'True' : 'False',
        normalized.limit.reason,
        normalized.limit.message,
        now,
      );
    }

    let lastScaleTime = status.lastScaleTime;
    if (desired !== currentReplicas) {
      try {
        await this.client.request('PUT', resourcePath(target as ResourceDescriptor, namespace, ref.name, 'scale'), {
          body: { ...scale, spec: { ...scale.spec, replicas: desired } },
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.recorder.warning(hpa, 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${message}`);
        conditions = setCondition(
          conditions,
          'AbleToScale',
          'False',
          'FailedUpdateScale',
          `the HPA controller was unable to update the target scale: ${message}`,
          now,
        );
        await this.writeStatus(hpa, { ...status, currentReplicas, desiredReplicas: currentReplicas, currentMetrics, conditions });
        return;
      }
      conditions = setCondition(
        conditions,
        'AbleToScale',
        'True',
        'SucceededRescale',
        `the HPA controller was able to update the target scale to ${desired}`,
        now,
      );
      this.recorder.normal(hpa, 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      history.recordRescale(currentReplicas, desired, now);
      lastScaleTime = rfc3339(now);
      this.logger.info({ hpa: key, target: reference, from: currentReplicas, to: desired, reason }, 'rescaled');
    }
    await this.writeStatus(hpa, {
      ...status,
      currentReplicas,
      desiredReplicas: desired,
      ...(currentMetrics ? { currentMetrics } : {}),
      ...(lastScaleTime ? { lastScaleTime } : {}),
      conditions,
    });
  }

  /**
   * validateAndParseSelector: the target's selector must be there, parse, and select no pod that
   * another HPA's target selects too. Records the selector for the other HPAs' checks.
   */
  private validateSelector(
    key: string,
    namespace: string,
    selectorText: string | undefined,
  ): { selector: LabelMatcher; selectorText: string; pods: KubeObject[] } | { failure: SelectorFailure } {
    if (!selectorText) {
      const error = 'selector is required';
      return {
        failure: {
          eventReason: 'SelectorRequired',
          eventMessage: error,
          conditionReason: 'InvalidSelector',
          conditionMessage: "the HPA target's scale is missing a selector",
          error,
        },
      };
    }
    let selector: LabelMatcher;
    try {
      selector = parseLabelSelector(selectorText);
    } catch (err) {
      const error = `couldn't convert selector into a corresponding internal selector object: ${err instanceof Error ? err.message : String(err)}`;
      return {
        failure: {
          eventReason: 'InvalidSelector',
          eventMessage: error,
          conditionReason: 'InvalidSelector',
          conditionMessage: error,
          error,
        },
      };
    }
    this.hpaSelectors.update(key, selector);
    const pods = this.pods.list(namespace).filter((p) => selector.matches(p.metadata?.labels ?? {}));
    const selecting = this.hpaSelectors.controllingHpas(namespace, pods);
    if (selecting.length > 1) {
      const error = ambiguousSelectorMessage(selectorText, selecting);
      return {
        failure: {
          eventReason: 'AmbiguousSelector',
          eventMessage: error,
          conditionReason: 'AmbiguousSelector',
          conditionMessage: error,
          error,
        },
      };
    }
    return { selector, selectorText, pods };
  }

  /** The largest proposal of the HPA's metrics, or the first error when none (or a scale-down) can be trusted. */
  private async replicasForMetrics(
    hpa: KubeObject,
    selection: { selectorText: string; pods: KubeObject[] },
    currentReplicas: number,
    now: number,
  ): Promise<{ replicas: number; metric: string; statuses: Json[]; error?: MetricError; invalid: number; total: number }> {
    const metrics: Json[] = Array.isArray(hpa.spec?.metrics) ? hpa.spec.metrics : [];
    const statuses: Json[] = [];
    let best = -1;
    let bestMetric = '';
    let invalid = 0;
    let firstError: MetricError | undefined;
    let sampled: { pods: TargetPod[]; itemCount: number; fetchError?: string } | undefined;
    for (const metric of metrics) {
      try {
        if (metric.type !== 'Resource') {
          throw new MetricError(
            `FailedGet${metric.type}Metric`,
            `unable to get metric of type ${metric.type}: only Resource metrics (cpu, memory) are served`,
          );
        }
        sampled ??= await this.podSamples(hpa, selection.selectorText, selection.pods);
        const resource: string = metric.resource?.name;
        const t: Json = metric.resource?.target ?? {};
        const failed = (cause: string): MetricError => {
          const texts = resourceMetricFailure(resource, t.type, cause);
          return new MetricError('FailedGetResourceMetric', texts.message, texts.quoted);
        };
        const fetchFailure = metricsFetchFailure(resource, sampled.itemCount, sampled.fetchError);
        if (fetchFailure) throw failed(fetchFailure);
        const pods = sampled.pods;
        const target: ResourceTarget =
          t.type === 'AverageValue'
            ? { type: 'AverageValue', averageValue: milliValue(t.averageValue) }
            : { type: 'Utilization', averageUtilization: Number(t.averageUtilization) };
        const samples = pods.map((p) => ({ ...p, ...p.requests[resource], usage: p.usages[resource] }));
        let computed: ReturnType<typeof resourceReplicas>;
        try {
          computed = resourceReplicas(currentReplicas, samples, resource, target, now);
        } catch (err) {
          if (err instanceof ReplicaCalculationError) throw failed(err.message);
          throw err;
        }
        const averageValue = milliQuantity(computed.averageValue);
        statuses.push({
          type: 'Resource',
          resource: {
            name: resource,
            current: { ...(computed.utilization !== undefined ? { averageUtilization: computed.utilization } : {}), averageValue },
          },
        });
        if (computed.replicas > best) {
          best = computed.replicas;
          bestMetric = metricName(metric);
        }
      } catch (err) {
        invalid++;
        const error =
          err instanceof MetricError ? err : new MetricError('FailedGetResourceMetric', err instanceof Error ? err.message : String(err));
        firstError ??= error;
        this.recorder.warning(hpa, error.reason, error.message);
        // An empty status, as Kubernetes leaves it: `kubectl get hpa` shows <unknown>.
        statuses.push({});
      }
    }
    const total = metrics.length;
    if (invalid >= total || (invalid > 0 && best < currentReplicas)) {
      return {
        replicas: -1,
        metric: '',
        statuses,
        error: firstError ?? new MetricError('InvalidMetricSourceType', 'no metrics'),
        invalid,
        total,
      };
    }
    return { replicas: best, metric: bestMetric, statuses, invalid, total };
  }

  /** The target's pods with their requests and their latest usage from metrics.k8s.io. */
  private async podSamples(
    hpa: KubeObject,
    selectorText: string,
    pods: KubeObject[],
  ): Promise<{ pods: TargetPod[]; itemCount: number; fetchError?: string }> {
    const namespace: string = hpa.metadata?.namespace;
    let list: Json;
    try {
      list = await this.client.request('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods`, {
        query: { labelSelector: selectorText },
      });
    } catch (err) {
      return { pods: [], itemCount: 0, fetchError: err instanceof Error ? err.message : String(err) };
    }
    const items: Json[] = list.items ?? [];
    const byName = new Map<string, Json>(items.map((m: Json) => [m.metadata?.name, m]));
    const samples = pods.map((pod) => {
      const m = byName.get(pod.metadata?.name);
      const readyCondition = (pod.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
      return {
        name: pod.metadata?.name,
        phase: pod.status?.phase ?? 'Pending',
        deleting: Boolean(pod.metadata?.deletionTimestamp),
        ready: readyCondition
          ? { status: readyCondition.status, lastTransitionTime: Date.parse(readyCondition.lastTransitionTime) }
          : undefined,
        startTime: pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined,
        requests: { cpu: podRequest(pod, 'cpu'), memory: podRequest(pod, 'memory') },
        usages: m ? podUsage(m) : {},
      };
    });
    return { pods: samples, itemCount: items.length };
  }

  private async writeStatus(hpa: KubeObject, status: Json): Promise<void> {
    if (sameContent(status, hpa.status ?? {})) return;
    try {
      await this.client.updateStatus(resources.horizontalPodAutoscalers, { ...hpa, status });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
