// The records of the cluster domain, answered the way CoreDNS' kubernetes plugin does
// (the Kubernetes DNS specification): Service A/AAAA and SRV records, headless Services'
// per-endpoint records, `<a-b-c-d>.<ns>.pod.<zone>` records ("pods insecure", as k3s),
// ExternalName CNAMEs, reverse PTR records for Service and endpoint IPs, and NXDOMAIN or
// NODATA with the zone's SOA otherwise.
import { isIP } from 'node:net';
import type { Answer, Question, SoaAnswer } from 'dns-packet';
import type { KubeObject } from '../api/resource-type.ts';
import { clusterIPsOf, type DnsSource } from './dns-source.ts';

export interface ZoneConfig {
  /** The cluster domain, e.g. cluster.local. */
  domain: string;
  /** The kube-dns Service IP, the address of `ns.dns.<zone>`. */
  dnsIp: string;
  /** TTL of every record (CoreDNS' default in k3s: 5 s). */
  ttl: number;
  /** SOA serial; CoreDNS uses the time of the last change it saw, any increasing number works. */
  serial?: number;
}

export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** Looks a name outside the cluster domain up upstream (used to complete ExternalName CNAMEs). */
export type UpstreamLookup = (name: string, type: 'A' | 'AAAA') => Promise<Answer[]>;

interface SrvTarget {
  target: string;
  port: number;
  addresses: string[];
}

interface Endpoint {
  address: string;
  hostname: string;
  ports: { name: string; port: number; protocol: string }[];
}

const MAX_CNAME_CHAIN = 8;

const publishesNotReady = (service: KubeObject): boolean => service.spec?.publishNotReadyAddresses === true;

export class ClusterZone {
  private readonly zone: string;

  constructor(
    private readonly source: DnsSource,
    private readonly config: ZoneConfig,
    private readonly upstream?: UpstreamLookup,
  ) {
    this.zone = config.domain.toLowerCase().replace(/\.$/, '');
  }

  /** The answer for a question, or undefined when the name is not ours (forward it upstream). */
  async answer(question: Question): Promise<ZoneAnswer | undefined> {
    const name = question.name.toLowerCase().replace(/\.$/, '');
    if (name === this.zone || name.endsWith(`.${this.zone}`)) return this.answerInZone(question, name, 0);
    if (question.type === 'PTR') return this.answerReverse(question, name);
    return undefined;
  }

  private async answerInZone(q: Question, name: string, depth: number): Promise<ZoneAnswer> {
    const labels = name === this.zone ? [] : name.slice(0, -this.zone.length - 1).split('.');
    const last = labels.at(-1);
    if (labels.length === 0) return this.apex(q);
    if (last === 'dns') {
      if (labels.length === 1) return this.noData();
      if (labels.length === 2 && labels[0] === 'ns') return this.addresses(q, [this.config.dnsIp]);
      return this.nxDomain();
    }
    if (last === 'pod') {
      if (labels.length === 1) return this.noData();
      if (labels.length === 3) return this.podRecord(q, labels[0]);
      return this.nxDomain();
    }
    if (last !== 'svc') return this.nxDomain();
    if (labels.length === 1) return this.noData();
    const namespace = labels.at(-2)!;
    if (labels.length === 2) return this.source.namespaceHasServices(namespace) ? this.noData() : this.nxDomain();
    const service = this.source.service(namespace, labels.at(-3)!);
    if (!service) return this.nxDomain();
    if (labels.length === 3) return this.serviceRecord(q, service, depth);
    if (labels.length === 4) return this.endpointRecord(q, service, labels[0]);
    if (labels.length === 5 && labels[0].startsWith('_') && labels[1].startsWith('_')) {
      return this.portRecord(q, service, labels[0].slice(1), labels[1].slice(1));
    }
    return this.nxDomain();
  }

  private apex(q: Question): ZoneAnswer {
    if (q.type === 'SOA') return this.found([this.soa()]);
    if (q.type === 'NS') {
      const ns = `ns.dns.${this.zone}`;
      return this.found([{ name: q.name, type: 'NS', ttl: this.config.ttl, data: ns }], this.addressAnswers(ns, [this.config.dnsIp], 'A'));
    }
    return this.noData();
  }

  private async serviceRecord(q: Question, service: KubeObject, depth: number): Promise<ZoneAnswer> {
    if (service.spec?.type === 'ExternalName') return this.externalName(q, service, depth);
    if (this.isHeadless(service)) {
      const endpoints = this.endpointsOf(service);
      // A headless Service without ready endpoints does not exist (kube-dns and CoreDNS agree).
      if (endpoints.length === 0) return this.nxDomain();
      if (q.type === 'SRV') {
        const srv = endpoints.flatMap((e) =>
          e.ports.map((p) => ({ target: this.endpointName(service, e), port: p.port, addresses: [e.address] })),
        );
        return this.srvAnswer(q, srv);
      }
      return this.addresses(
        q,
        endpoints.map((e) => e.address),
      );
    }
    if (q.type === 'SRV') {
      const target = this.serviceName(service);
      const ports: KubeObject[] = service.spec?.ports ?? [];
      return this.srvAnswer(
        q,
        ports.map((p) => ({ target, port: p.port, addresses: clusterIPsOf(service) })),
      );
    }
    return this.addresses(q, clusterIPsOf(service));
  }

  private async externalName(q: Question, service: KubeObject, depth: number): Promise<ZoneAnswer> {
    const target = String(service.spec?.externalName ?? '')
      .toLowerCase()
      .replace(/\.$/, '');
    if (!target) return this.nxDomain();
    const cname: Answer = { name: q.name, type: 'CNAME', ttl: this.config.ttl, data: target };
    if (q.type !== 'A' && q.type !== 'AAAA') return this.found([cname]);
    // Stub resolvers do not chase CNAMEs themselves: complete the chain as CoreDNS does.
    if (target === this.zone || target.endsWith(`.${this.zone}`)) {
      if (depth >= MAX_CNAME_CHAIN) return this.found([cname]);
      const rest = await this.answerInZone({ ...q, name: target }, target, depth + 1);
      return { ...rest, rcode: 'NOERROR', answers: [cname, ...rest.answers] };
    }
    const upstreamAnswers = await this.upstream?.(target, q.type).catch(() => []);
    return this.found([cname, ...(upstreamAnswers ?? [])]);
  }

  private endpointRecord(q: Question, service: KubeObject, hostname: string): ZoneAnswer {
    if (!this.isHeadless(service)) return this.nxDomain();
    const matching = this.endpointsOf(service).filter((e) => e.hostname === hostname);
    if (matching.length === 0) return this.nxDomain();
    return this.addresses(
      q,
      matching.map((e) => e.address),
    );
  }

  private portRecord(q: Question, service: KubeObject, portName: string, protocol: string): ZoneAnswer {
    const matches = (p: Record<string, any>): boolean =>
      String(p.name ?? '').toLowerCase() === portName && String(p.protocol || 'TCP').toLowerCase() === protocol;
    if (this.isHeadless(service)) {
      const endpoints = this.endpointsOf(service).filter((e) => e.ports.some(matches));
      if (endpoints.length === 0) return this.nxDomain();
      if (q.type !== 'SRV') return this.noData();
      const srv = endpoints.flatMap((e) =>
        e.ports.filter(matches).map((p) => ({ target: this.endpointName(service, e), port: p.port, addresses: [e.address] })),
      );
      return this.srvAnswer(q, srv);
    }
    const ports = ((service.spec?.ports ?? []) as KubeObject[]).filter((p) => matches(p));
    if (ports.length === 0 || service.spec?.type === 'ExternalName') return this.nxDomain();
    if (q.type !== 'SRV') return this.noData();
    const target = this.serviceName(service);
    return this.srvAnswer(
      q,
      ports.map((p) => ({ target, port: p.port, addresses: clusterIPsOf(service) })),
    );
  }

  private podRecord(q: Question, dashed: string): ZoneAnswer {
    const v4 = dashed.replaceAll('-', '.');
    const v6 = dashed.replaceAll('-', ':');
    const ip = isIP(v4) === 4 ? v4 : isIP(v6) === 6 ? v6 : undefined;
    if (!ip) return this.nxDomain();
    return this.addresses(q, [ip]);
  }

  private answerReverse(q: Question, name: string): ZoneAnswer | undefined {
    const ip = reverseNameToIP(name);
    if (!ip) return undefined;
    const names = this.source.servicesByClusterIP(ip).map((svc) => this.serviceName(svc));
    for (const slice of this.source.endpointSlicesByAddress(ip)) {
      const serviceName = slice.metadata?.labels?.['kubernetes.io/service-name'];
      const service = serviceName && this.source.service(slice.metadata?.namespace, serviceName);
      if (!service) continue;
      // Not-ready endpoints have no names forward (CoreDNS indexes ready ones only), so none backward either.
      const endpoints = this.endpointsFromSlice(slice, publishesNotReady(service));
      for (const e of endpoints) if (e.address === ip) names.push(this.endpointName(service, e));
    }
    if (names.length === 0) return undefined; // not a cluster address: the host's resolvers may know it
    return this.found([...new Set(names)].map((data) => ({ name: q.name, type: 'PTR', ttl: this.config.ttl, data })));
  }

  // --- endpoints -------------------------------------------------------------------------

  private isHeadless(service: KubeObject): boolean {
    return service.spec?.clusterIP === 'None' && service.spec?.type !== 'ExternalName';
  }

  /** The endpoints DNS publishes: ready ones, or all when publishNotReadyAddresses is set. */
  private endpointsOf(service: KubeObject): Endpoint[] {
    const includeNotReady = publishesNotReady(service);
    const byAddress = new Map<string, Endpoint>();
    const slices = this.source.endpointSlices(service.metadata?.namespace, service.metadata?.name);
    for (const slice of slices) {
      for (const e of this.endpointsFromSlice(slice, includeNotReady)) if (!byAddress.has(e.address)) byAddress.set(e.address, e);
    }
    return [...byAddress.values()];
  }

  private endpointsFromSlice(slice: KubeObject, includeNotReady: boolean): Endpoint[] {
    const ports = ((slice.ports ?? []) as KubeObject[])
      .filter((p) => typeof p?.port === 'number')
      .map((p) => ({ name: String(p.name ?? ''), port: p.port as number, protocol: String(p.protocol || 'TCP') }));
    const out: Endpoint[] = [];
    for (const e of (slice.endpoints ?? []) as KubeObject[]) {
      const address = e?.addresses?.[0];
      if (typeof address !== 'string' || !isIP(address)) continue;
      if (e.conditions?.ready === false && !includeNotReady) continue;
      out.push({ address, hostname: this.hostnameOf(e, address), ports });
    }
    return out;
  }

  /**
   * The endpoint's name under the Service: its hostname (set for pods whose spec.subdomain is
   * the Service, as StatefulSet pods), else its address with dashes, as CoreDNS names them.
   */
  private hostnameOf(endpoint: KubeObject, address: string): string {
    if (typeof endpoint.hostname === 'string' && endpoint.hostname) return endpoint.hostname.toLowerCase();
    return address.replaceAll(/[.:]/g, '-');
  }

  private serviceName(service: KubeObject): string {
    return `${service.metadata?.name}.${service.metadata?.namespace}.svc.${this.zone}`;
  }

  private endpointName(service: KubeObject, e: Endpoint): string {
    return `${e.hostname}.${this.serviceName(service)}`;
  }

  // --- building answers ---------------------------------------------------------------

  private addresses(q: Question, ips: string[]): ZoneAnswer {
    if (q.type !== 'A' && q.type !== 'AAAA') return this.noData();
    const answers = this.addressAnswers(q.name, ips, q.type);
    return answers.length ? this.found(answers) : this.noData();
  }

  private addressAnswers(name: string, ips: string[], type: 'A' | 'AAAA'): Answer[] {
    const family = type === 'A' ? 4 : 6;
    return [...new Set(ips)].filter((ip) => isIP(ip) === family).map((ip) => ({ name, type, ttl: this.config.ttl, data: ip }));
  }

  /**
   * SRV records with equal weights (CoreDNS splits 100 among the targets). The targets'
   * addresses go into the additional section so clients need no second query.
   */
  private srvAnswer(q: Question, records: SrvTarget[]): ZoneAnswer {
    if (records.length === 0) return this.noData();
    const weight = Math.max(1, Math.floor(100 / records.length));
    const answers: Answer[] = records.map((r) => ({
      name: q.name,
      type: 'SRV',
      ttl: this.config.ttl,
      data: { priority: 0, weight, port: r.port, target: r.target },
    }));
    const additionals = new Map<string, Answer>();
    for (const r of records) {
      for (const ip of r.addresses) {
        for (const a of [...this.addressAnswers(r.target, [ip], 'A'), ...this.addressAnswers(r.target, [ip], 'AAAA')])
          additionals.set(`${r.target} ${ip}`, a);
      }
    }
    return this.found(answers, [...additionals.values()]);
  }

  private soa(): SoaAnswer {
    return {
      name: this.zone,
      type: 'SOA',
      ttl: this.config.ttl,
      data: {
        mname: `ns.dns.${this.zone}`,
        rname: `hostmaster.${this.zone}`,
        serial: this.config.serial ?? 1,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: this.config.ttl,
      },
    };
  }

  private found(answers: Answer[], additionals: Answer[] = []): ZoneAnswer {
    return { rcode: 'NOERROR', answers, authorities: [], additionals };
  }
  private noData(): ZoneAnswer {
    return { rcode: 'NOERROR', answers: [], authorities: [this.soa()], additionals: [] };
  }
  private nxDomain(): ZoneAnswer {
    return { rcode: 'NXDOMAIN', answers: [], authorities: [this.soa()], additionals: [] };
  }
}

/** 4.3.2.1.in-addr.arpa → 1.2.3.4; the 32-nibble ip6.arpa form → the IPv6 address. */
export function reverseNameToIP(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (lower.endsWith('.in-addr.arpa')) {
    const parts = lower.slice(0, -'.in-addr.arpa'.length).split('.');
    const ip = parts.reverse().join('.');
    return parts.length === 4 && isIP(ip) === 4 ? ip : undefined;
  }
  if (lower.endsWith('.ip6.arpa')) {
    const nibbles = lower.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups = hex.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ''));
    return compressIPv6(groups);
  }
  return undefined;
}

/** The canonical (RFC 5952) text of eight hextets, so it matches addresses stored in objects. */
function compressIPv6(groups: string[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}
