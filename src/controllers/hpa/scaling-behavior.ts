// The HPA's spec.behavior, as Kubernetes' controller applies it (normalizeDesiredReplicasWith-
// Behaviors): a recommendation is first stabilized — the lowest of the scale-up window's
// recommendations and the highest of the scale-down window's (300 s by default, so a brief dip
// does not remove pods) — then limited by the scaling policies (by default at most 4 pods or
// 100 % more per 15 s up, 100 % per 15 s down) and by minReplicas/maxReplicas.

type Json = Record<string, any>;

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: { type: 'Pods' | 'Percent'; value: number; periodSeconds: number }[];
}

const SCALE_UP_DEFAULTS: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
/** --horizontal-pod-autoscaler-downscale-stabilization, used when spec.behavior is not set. */
const LEGACY_DOWNSCALE_WINDOW_MS = 300_000;
/** calculateScaleUpLimit: max(scaleUpLimitFactor × current, scaleUpLimitMinimum). */
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

const SCALE_DOWN_DEFAULTS: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

export function scalingRules(behavior: Json | undefined, direction: 'scaleUp' | 'scaleDown'): ScalingRules {
  const defaults = direction === 'scaleUp' ? SCALE_UP_DEFAULTS : SCALE_DOWN_DEFAULTS;
  const given: Json = behavior?.[direction] ?? {};
  return {
    stabilizationWindowSeconds: given.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: given.selectPolicy ?? defaults.selectPolicy,
    policies: Array.isArray(given.policies) ? given.policies : defaults.policies,
  };
}

interface Recommendation {
  replicas: number;
  at: number;
}
interface ScaleEvent {
  change: number;
  at: number;
}

export interface Normalized {
  replicas: number;
  /** AbleToScale: ReadyForNewScale, or ScaleUpStabilized/ScaleDownStabilized. */
  stabilized?: { reason: string; message: string };
  /** ScalingLimited: DesiredWithinRange, TooManyReplicas, TooFewReplicas, ScaleUpLimit, ScaleDownLimit. */
  limit: { reason: string; message: string; limited: boolean };
}

/** One HPA's memory of recent recommendations and rescales (kept in the controller, as in Kubernetes). */
export class ScalingHistory {
  private recommendations: Recommendation[] = [];
  private scaleUps: ScaleEvent[] = [];
  private scaleDowns: ScaleEvent[] = [];

  /** A new HPA (or a restarted controller) starts from the current size, so scale-down waits a window. */
  constructor(currentReplicas: number, now: number) {
    this.recommendations.push({ replicas: currentReplicas, at: now });
  }

  recordRescale(from: number, to: number, now: number): void {
    if (to > from) this.scaleUps.push({ change: to - from, at: now });
    else if (to < from) this.scaleDowns.push({ change: from - to, at: now });
  }

  normalize(
    spec: { minReplicas: number; maxReplicas: number; behavior?: Json },
    currentReplicas: number,
    desired: number,
    now: number,
  ): Normalized {
    if (!spec.behavior) return this.normalizeWithoutBehavior(spec, currentReplicas, desired, now);
    const up = scalingRules(spec.behavior, 'scaleUp');
    const down = scalingRules(spec.behavior, 'scaleDown');
    const upCutoff = now - up.stabilizationWindowSeconds * 1000;
    const downCutoff = now - down.stabilizationWindowSeconds * 1000;
    let upLimit = desired;
    let downLimit = desired;
    for (const r of this.recommendations) {
      if (r.at > upCutoff) upLimit = Math.min(upLimit, r.replicas);
      if (r.at > downCutoff) downLimit = Math.max(downLimit, r.replicas);
    }
    const keepFrom = Math.min(upCutoff, downCutoff);
    this.recommendations = this.recommendations.filter((r) => r.at > keepFrom);
    this.recommendations.push({ replicas: desired, at: now });
    const stabilizedReplicas = Math.min(Math.max(currentReplicas, upLimit), downLimit);
    const stabilized =
      stabilizedReplicas === desired
        ? undefined
        : desired >= currentReplicas
          ? {
              reason: 'ScaleUpStabilized',
              message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
            }
          : {
              reason: 'ScaleDownStabilized',
              message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
            };
    const limit = this.limit(spec, up, down, currentReplicas, stabilizedReplicas, now);
    return {
      replicas: limit.replicas,
      stabilized,
      limit: { reason: limit.reason, message: limit.message, limited: limit.replicas !== stabilizedReplicas },
    };
  }

  /** Kubernetes' normalizeDesiredReplicas + convertDesiredReplicasWithRules (no spec.behavior). */
  private normalizeWithoutBehavior(
    spec: { minReplicas: number; maxReplicas: number },
    currentReplicas: number,
    desired: number,
    now: number,
  ): Normalized {
    const cutoff = now - LEGACY_DOWNSCALE_WINDOW_MS;
    this.recommendations = this.recommendations.filter((r) => r.at >= cutoff);
    const stabilizedReplicas = this.recommendations.reduce((max, r) => Math.max(max, r.replicas), desired);
    this.recommendations.push({ replicas: desired, at: now });
    const stabilized =
      stabilizedReplicas === desired
        ? undefined
        : {
            reason: 'ScaleDownStabilized',
            message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
          };
    const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * currentReplicas, SCALE_UP_LIMIT_MINIMUM);
    const byRate = spec.maxReplicas > scaleUpLimit;
    const ceiling = byRate ? scaleUpLimit : spec.maxReplicas;
    let limit: { replicas: number; reason: string; message: string };
    if (stabilizedReplicas < spec.minReplicas) {
      limit = {
        replicas: spec.minReplicas,
        reason: 'TooFewReplicas',
        message: 'the desired replica count is less than the minimum replica count',
      };
    } else if (stabilizedReplicas > ceiling) {
      limit = byRate
        ? {
            replicas: ceiling,
            reason: 'ScaleUpLimit',
            message: 'the desired replica count is increasing faster than the maximum scale rate',
          }
        : { replicas: ceiling, reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
    } else {
      limit = { replicas: stabilizedReplicas, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
    }
    return {
      replicas: limit.replicas,
      stabilized,
      limit: { reason: limit.reason, message: limit.message, limited: limit.replicas !== stabilizedReplicas },
    };
  }

  private changedWithin(events: ScaleEvent[], periodSeconds: number, now: number): number {
    const cutoff = now - periodSeconds * 1000;
    return events.filter((e) => e.at > cutoff).reduce((sum, e) => sum + e.change, 0);
  }

  private policyLimit(rules: ScalingRules, currentReplicas: number, now: number, direction: 'up' | 'down'): number {
    if (rules.selectPolicy === 'Disabled') return currentReplicas;
    // Up: Max picks the largest limit; down: Max (most change) picks the smallest.
    const pickLargest = (rules.selectPolicy === 'Max') === (direction === 'up');
    let result = pickLargest ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    for (const p of rules.policies) {
      const periodStart =
        currentReplicas -
        this.changedWithin(this.scaleUps, p.periodSeconds, now) +
        this.changedWithin(this.scaleDowns, p.periodSeconds, now);
      const proposed =
        direction === 'up'
          ? p.type === 'Pods'
            ? periodStart + p.value
            : Math.ceil(periodStart * (1 + p.value / 100))
          : p.type === 'Pods'
            ? periodStart - p.value
            : Math.trunc(periodStart * (1 - p.value / 100));
      result = pickLargest ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return result;
  }

  private limit(
    spec: { minReplicas: number; maxReplicas: number },
    up: ScalingRules,
    down: ScalingRules,
    currentReplicas: number,
    desired: number,
    now: number,
  ): { replicas: number; reason: string; message: string } {
    if (desired > currentReplicas) {
      const rate = Math.max(this.policyLimit(up, currentReplicas, now, 'up'), currentReplicas);
      const byRate = spec.maxReplicas > rate;
      const ceiling = byRate ? rate : spec.maxReplicas;
      if (desired > ceiling) {
        return byRate
          ? {
              replicas: ceiling,
              reason: 'ScaleUpLimit',
              message: 'the desired replica count is increasing faster than the maximum scale rate',
            }
          : { replicas: ceiling, reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
      }
    } else if (desired < currentReplicas) {
      const rate = Math.min(this.policyLimit(down, currentReplicas, now, 'down'), currentReplicas);
      const byRate = spec.minReplicas < rate;
      const floor = byRate ? rate : spec.minReplicas;
      if (desired < floor) {
        return byRate
          ? {
              replicas: floor,
              reason: 'ScaleDownLimit',
              message: 'the desired replica count is decreasing faster than the maximum scale rate',
            }
          : { replicas: floor, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
      }
    }
    return { replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
  }
}
