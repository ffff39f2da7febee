// Who may query the cluster DNS server. It listens on the host's addresses so that pods in
// both network modes reach it, and it forwards other names upstream: left open it would be
// an open resolver on the host's network (usable for amplification attacks). So it answers
// only loopback, the host's own addresses, private ranges (pod and service CIDRs included)
// and any extra ranges given; everyone else gets REFUSED.
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const PRIVATE_RANGES: [string, number, 'ipv4' | 'ipv6'][] = [
  ['127.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
];

export class AllowedClients {
  private readonly list = new BlockList();

  /** `extraCidrs`: e.g. the cluster and service CIDRs when they are not private ranges. */
  constructor(extraCidrs: string[] = []) {
    for (const [net, prefix, family] of PRIVATE_RANGES) this.list.addSubnet(net, prefix, family);
    for (const cidr of extraCidrs) {
      const [net, prefix] = cidr.split('/');
      const family = isIP(net);
      if (family && prefix !== undefined) this.list.addSubnet(net, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  allows(address: string): boolean {
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    if (!family) return false;
    if (this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6')) return true;
    return this.hostAddresses().has(plain);
  }

  private cached?: { at: number; addresses: Set<string> };

  /** The host's interface addresses, re-read every few seconds (interfaces come and go). */
  private hostAddresses(): Set<string> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < 5000) return this.cached.addresses;
    const addresses = new Set<string>();
    try {
      for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) addresses.add(a.address);
    } catch {
      // It needs a socket: out of file descriptors, keep the last list rather than fail the query.
      return this.cached?.addresses ?? addresses;
    }
    this.cached = { at: now, addresses };
    return addresses;
  }
}
