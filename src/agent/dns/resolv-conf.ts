// The /etc/resolv.conf a pod gets, as the kubelet forms it (pkg/kubelet/network/dns):
// dnsPolicy picks the base (cluster DNS, the node's own resolv.conf, or nothing), the pod's
// dnsConfig is appended to it, and the result is cut to the resolver's limits. Cutting is
// reported as warnings the agent turns into `DNSConfigForming` events, as the kubelet does.
import type { KubeObject } from '../../api/resource-type.ts';
import { mergeOptions, parseResolvConf } from '../../dns/resolv-conf-file.ts';

export interface ClusterDnsSettings {
  /** The kube-dns Service's ClusterIP (--cluster-dns); empty when the cluster has none. */
  dnsIp: string;
  /** --cluster-domain, e.g. cluster.local. */
  domain: string;
  /** The contents of the node's resolv.conf (the base for dnsPolicy Default). */
  hostResolvConf: string;
}

export interface PodDnsConfig {
  nameservers: string[];
  searches: string[];
  options: string[];
  /** Why something was left out (kubelet event reasons DNSConfigForming / MissingClusterDNS). */
  warnings: { reason: string; message: string }[];
}

/** The resolver's limits the kubelet enforces (glibc: 3 nameservers; search line limits). */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const MAX_SEARCH_DOMAIN_LENGTH = 253;
const DEFAULT_CLUSTER_OPTIONS = ['ndots:5'];

type DnsType = 'cluster' | 'host' | 'none';

function dnsTypeOf(pod: KubeObject): DnsType {
  const policy = pod.spec?.dnsPolicy || 'ClusterFirst';
  if (policy === 'None') return 'none';
  if (policy === 'Default') return 'host';
  if (policy === 'ClusterFirstWithHostNet') return 'cluster';
  // ClusterFirst on the host network behaves as Default (the pod uses the node's resolver).
  return pod.spec?.hostNetwork ? 'host' : 'cluster';
}

const unique = (values: string[]) => [...new Set(values)];
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];

export function podDnsConfig(pod: KubeObject, cluster: ClusterDnsSettings): PodDnsConfig {
  const host = parseResolvConf(cluster.hostResolvConf);
  const warnings: PodDnsConfig['warnings'] = [];
  let config: Omit<PodDnsConfig, 'warnings'>;
  let type = dnsTypeOf(pod);
  if (type === 'cluster' && !cluster.dnsIp) {
    warnings.push({
      reason: 'MissingClusterDNS',
      message:
        'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.',
    });
    type = 'host';
  }
  if (type === 'none') config = { nameservers: [], searches: [], options: [] };
  else if (type === 'host') config = host;
  else {
    const namespace = pod.metadata?.namespace || 'default';
    const clusterSearches = cluster.domain ? [`${namespace}.svc.${cluster.domain}`, `svc.${cluster.domain}`, cluster.domain] : [];
    config = {
      nameservers: [cluster.dnsIp],
      searches: unique([...clusterSearches, ...host.searches]),
      options: DEFAULT_CLUSTER_OPTIONS,
    };
  }

  const extra = pod.spec?.dnsConfig;
  if (extra && typeof extra === 'object') {
    const options = (Array.isArray(extra.options) ? extra.options : [])
      .filter((o: any) => typeof o?.name === 'string' && o.name !== '')
      .map((o: any) => (o.value ? `${o.name}:${o.value}` : o.name));
    config = {
      nameservers: unique([...config.nameservers, ...strings(extra.nameservers)]),
      searches: unique([...config.searches, ...strings(extra.searches).map((s) => s.replace(/\.$/, ''))]),
      options: mergeOptions(config.options, options),
    };
  }

  let nameservers = config.nameservers;
  if (nameservers.length > MAX_DNS_NAMESERVERS) {
    nameservers = nameservers.slice(0, MAX_DNS_NAMESERVERS);
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${nameservers.join(' ')}`,
    });
  }
  const searches = searchesWithinLimits(config.searches);
  if (searches.length !== config.searches.length) {
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`,
    });
  }
  return { nameservers, searches, options: config.options, warnings };
}

/** At most 32 paths, none longer than a DNS name, the line at most 2048 characters. */
function searchesWithinLimits(all: string[]): string[] {
  const searches = all.slice(0, MAX_DNS_SEARCH_PATHS).filter((s) => s.length <= MAX_SEARCH_DOMAIN_LENGTH);
  while (searches.length > 0 && searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) searches.pop();
  return searches;
}

/** resolv.conf(5) text in the order container runtimes write it: search, nameserver, options. */
export function renderResolvConf(config: Pick<PodDnsConfig, 'nameservers' | 'searches' | 'options'>): string {
  const lines: string[] = [];
  if (config.searches.length) lines.push(`search ${config.searches.join(' ')}`);
  for (const server of config.nameservers) lines.push(`nameserver ${server}`);
  if (config.options.length) lines.push(`options ${config.options.join(' ')}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The pod's /etc/resolv.conf. Use podDnsConfig to also get the warnings for events. */
export function resolvConfFor(pod: KubeObject, cluster: ClusterDnsSettings): string {
  return renderResolvConf(podDnsConfig(pod, cluster));
}
