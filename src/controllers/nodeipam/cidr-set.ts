// The node pod ranges of a cluster CIDR: the cluster CIDR cut into equal blocks of one
// prefix length (a /16 into 256 /24s), addressed by index. Which blocks are taken is derived
// from the Node objects every time, so nothing is persisted and a new leader starts right.
import { formatIpv4, parseIpv4 } from '../../agent/runtime/process/pod-ip.ts';

export interface Ipv4Cidr {
  network: number;
  prefix: number;
}

export function parseCidr(cidr: string): Ipv4Cidr {
  const [ip, prefixText, ...rest] = cidr.split('/');
  const prefix = Number(prefixText);
  if (rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`invalid CIDR "${cidr}"`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (parseIpv4(ip) & mask) >>> 0, prefix };
}

export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`;
}

export class NodeCidrSet {
  readonly cluster: Ipv4Cidr;
  readonly size: number;

  constructor(
    clusterCidr: string,
    readonly nodeMaskSize: number,
  ) {
    this.cluster = parseCidr(clusterCidr);
    if (!Number.isInteger(nodeMaskSize) || nodeMaskSize < this.cluster.prefix || nodeMaskSize > 30) {
      throw new Error(`node CIDR mask size ${nodeMaskSize} must be between the cluster CIDR's prefix (${this.cluster.prefix}) and 30`);
    }
    if (nodeMaskSize - this.cluster.prefix > 16)
      throw new Error(`cluster CIDR ${clusterCidr} holds too many /${nodeMaskSize} node ranges (at most 65536)`);
    this.size = 2 ** (nodeMaskSize - this.cluster.prefix);
  }

  blockAt(index: number): string {
    const blockSize = 2 ** (32 - this.nodeMaskSize);
    return formatCidr({ network: (this.cluster.network + index * blockSize) >>> 0, prefix: this.nodeMaskSize });
  }

  /** The index of `cidr` when it is exactly one of our blocks, else undefined. */
  indexOf(cidr: string): number | undefined {
    let parsed: Ipv4Cidr;
    try {
      parsed = parseCidr(cidr);
    } catch {
      return undefined;
    }
    if (parsed.prefix !== this.nodeMaskSize) return undefined;
    const offset = parsed.network - this.cluster.network;
    const blockSize = 2 ** (32 - this.nodeMaskSize);
    if (offset < 0 || offset % blockSize !== 0 || offset / blockSize >= this.size) return undefined;
    return offset / blockSize;
  }

  /** The first block not in `taken`, or undefined when the cluster CIDR is exhausted. */
  firstFree(taken: Set<number>): number | undefined {
    for (let i = 0; i < this.size; i++) if (!taken.has(i)) return i;
    return undefined;
  }
}
