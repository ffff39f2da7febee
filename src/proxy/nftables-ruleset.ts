// Renders the service table as one nftables script for the nftables proxy mode. The script
// (re)creates the proxy's own table in a single transaction (`nft -f`), so a sync is atomic:
// packets see either the old rules or the new ones, never a half-written set.
//
// Layout of the table:
//   output / prerouting (nat, priority -100) → services: match ClusterIP:port, LoadBalancer
//   IP:port, and any local address at the NodePort → svc-N (cluster) or ext-N (external)
//   → per-endpoint chains chosen by `numgen random` over integer buckets (the weights),
//   or by a per-endpoint timed set of client addresses (sessionAffinity: ClientIP)
//   → `dnat`. Service traffic entering through prerouting (other machines, pods in
//   network namespaces) and NodePort/LoadBalancer traffic with externalTrafficPolicy
//   Cluster is marked and masqueraded in postrouting; Local keeps the client address.
// nft 1.0.6 rejects the `dstnat` keyword on the output hook, hence the numeric priority.
import type { ProxyEndpoint, ProxyServicePort } from './service-table.ts';

/** Weights are turned into this many random buckets (0.01 % resolution). */
export const WEIGHT_BUCKETS = 10_000;
const MASQUERADE_MARK = '0x00004000';
const KEEP_OTHER_MARKS = '0xffffbfff';

export function renderRuleset(table: string, ports: readonly ProxyServicePort[]): string {
  const dispatch: string[] = [];
  const chains: string[] = [];
  const sets: string[] = [];
  ports.forEach((sp, n) => {
    const proto = sp.protocol.toLowerCase();
    if (sp.clusterEndpoints.length > 0) {
      for (const ip of sp.clusterIPs) dispatch.push(`ip daddr ${ip} ${proto} dport ${sp.port} goto svc-${n}`);
      chains.push(...renderBalancer(`svc-${n}`, `${n}-c`, sp, sp.clusterEndpoints, undefined, sets));
    }
    if (sp.externalEndpoints.length > 0 && (sp.nodePort || sp.loadBalancerIPs.length > 0)) {
      for (const ip of sp.loadBalancerIPs) dispatch.push(`ip daddr ${ip} ${proto} dport ${sp.port} goto ext-${n}`);
      if (sp.nodePort) dispatch.push(`fib daddr type local ${proto} dport ${sp.nodePort} goto ext-${n}`);
      chains.push(...renderBalancer(`ext-${n}`, `${n}-e`, sp, sp.externalEndpoints, !sp.externalLocal, sets));
    }
  });

  const lines = [
    // Creating then deleting makes the script work whether or not the table exists.
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    ...sets.map((s) => `  ${s}`),
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    jump services',
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority -100; policy accept;',
    // Service traffic from outside this host's own sockets (other machines, isolated pods)
    // is masqueraded so replies come back through this host to be un-NATed, even when the
    // client is a pod on the same bridge as the endpoint. The mark is dropped when no
    // Service matched.
    `    meta mark set meta mark or ${MASQUERADE_MARK}`,
    '    jump services',
    `    meta mark set meta mark and ${KEEP_OTHER_MARKS}`,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority 100; policy accept;',
    `    meta mark & ${MASQUERADE_MARK} == ${MASQUERADE_MARK} meta mark set meta mark xor ${MASQUERADE_MARK} masquerade`,
    '  }',
    '  chain services {',
    ...dispatch.map((d) => `    ${d}`),
    '  }',
    ...chains,
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

/** A script that removes the table (and tolerates its absence). */
export function renderDeleteTable(table: string): string {
  return `table ip ${table} {}\ndelete table ip ${table}\n`;
}

function renderBalancer(
  chain: string,
  prefix: string,
  sp: ProxyServicePort,
  endpoints: readonly ProxyEndpoint[],
  /** true/false: set/clear the masquerade mark (external traffic); undefined: leave it. */
  masquerade: boolean | undefined,
  sets: string[],
): string[] {
  const proto = sp.protocol.toLowerCase();
  const epChain = (j: number) => `ep-${prefix}-${j}`;
  const affinitySet = (j: number) => `aff-${prefix}-${j}`;
  const out = [`  chain ${chain} {`];
  // externalTrafficPolicy Local keeps the client's address: no masquerade.
  if (masquerade !== undefined)
    out.push(masquerade ? `    meta mark set meta mark or ${MASQUERADE_MARK}` : `    meta mark set meta mark and ${KEEP_OTHER_MARKS}`);
  if (sp.affinityTimeoutSeconds !== undefined) {
    endpoints.forEach((_, j) => {
      sets.push(`set ${affinitySet(j)} { type ipv4_addr; flags dynamic,timeout; timeout ${sp.affinityTimeoutSeconds}s; }`);
      out.push(`    ip saddr @${affinitySet(j)} goto ${epChain(j)}`);
    });
  }
  const ranges = bucketRanges(endpoints.map((e) => e.weight));
  const live = ranges.map((r, j) => ({ r, j })).filter(({ r }) => r !== undefined);
  if (live.length === 1) {
    out.push(`    goto ${epChain(live[0].j)}`);
  } else if (live.length > 1) {
    const entries = live.map(({ r, j }) => `${r?.[0] === r?.[1] ? r?.[0] : `${r?.[0]}-${r?.[1]}`} : goto ${epChain(j)}`);
    out.push(`    numgen random mod ${WEIGHT_BUCKETS} vmap { ${entries.join(', ')} }`);
  }
  out.push('  }');
  endpoints.forEach((e, j) => {
    out.push(`  chain ${epChain(j)} {`);
    if (sp.affinityTimeoutSeconds !== undefined) out.push(`    update @${affinitySet(j)} { ip saddr }`);
    out.push(`    meta l4proto ${proto} dnat to ${e.ip}:${e.port}`);
    out.push('  }');
  });
  return out;
}

/**
 * Splits 0..WEIGHT_BUCKETS-1 into consecutive inclusive ranges proportional to the weights;
 * an endpoint whose share rounds to nothing gets undefined.
 */
export function bucketRanges(weights: readonly number[]): ([number, number] | undefined)[] {
  const total = weights.reduce((s, w) => s + Math.max(0, w), 0);
  if (total <= 0) return weights.map(() => undefined);
  let cumulative = 0;
  let start = 0;
  return weights.map((w) => {
    cumulative += Math.max(0, w);
    const end = Math.round((cumulative / total) * WEIGHT_BUCKETS);
    const range: [number, number] | undefined = end > start ? [start, end - 1] : undefined;
    start = Math.max(start, end);
    return range;
  });
}
