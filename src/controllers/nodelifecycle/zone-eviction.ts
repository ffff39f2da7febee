// Zone-aware, rate-limited eviction (Kubernetes' node-lifecycle controller): nodes are
// grouped by their topology.kubernetes.io/zone label, each zone gets a state from how many of
// its nodes are not Ready, and the state decides how fast NoExecute taints may be added there:
//
//   Normal             --node-eviction-rate nodes per second (burst 1)
//   PartialDisruption  (more than 2 nodes and at least --unhealthy-zone-threshold of the zone
//                      not Ready) --secondary-node-eviction-rate in zones larger than
//                      --large-cluster-size-threshold, else 0: no evictions
//   FullDisruption     no node Ready: the primary rate, unless every zone is fully
//                      disrupted — then nothing is evicted and the NoExecute taints are
//                      lifted, since the cause is the control plane or the network.
export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const LEGACY_ZONE_LABEL = 'failure-domain.beta.kubernetes.io/zone';

export interface EvictionSettings {
  /** Nodes per second (Kubernetes 0.1; Hale 1). */
  nodeEvictionRate: number;
  /** Nodes per second in partially disrupted large zones (Kubernetes 0.01). */
  secondaryNodeEvictionRate: number;
  /** Fraction of not-Ready nodes that makes a zone partially disrupted (Kubernetes 0.55). */
  unhealthyZoneThreshold: number;
  /** Zones with at most this many nodes stop evicting when partially disrupted (Kubernetes 50). */
  largeClusterSizeThreshold: number;
}

export function zoneOf(labels: Record<string, string> | undefined): string {
  return labels?.[ZONE_LABEL] ?? labels?.[LEGACY_ZONE_LABEL] ?? '';
}

/** Kubernetes' ComputeZoneState. */
export function zoneState(readyCount: number, notReadyCount: number, unhealthyThreshold: number): ZoneState {
  if (readyCount === 0 && notReadyCount > 0) return 'FullDisruption';
  const total = readyCount + notReadyCount;
  if (notReadyCount > 2 && notReadyCount / total >= unhealthyThreshold) return 'PartialDisruption';
  return 'Normal';
}

/** Nodes per second at which NoExecute taints may be added in a zone of `zoneSize` nodes. */
export function zoneEvictionRate(state: ZoneState, zoneSize: number, allZonesFullyDisrupted: boolean, s: EvictionSettings): number {
  if (allZonesFullyDisrupted) return 0;
  if (state === 'PartialDisruption') return zoneSize > s.largeClusterSizeThreshold ? s.secondaryNodeEvictionRate : 0;
  return s.nodeEvictionRate;
}

/** A token bucket with burst 1: at most one node per 1/rate seconds. */
export class EvictionGate {
  private tokens = 1;
  private at?: number;

  take(rate: number, now: number): boolean {
    if (rate <= 0) return false;
    if (this.at !== undefined) this.tokens = Math.min(1, this.tokens + ((now - this.at) / 1000) * rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
