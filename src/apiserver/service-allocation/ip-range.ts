// An IPv4 CIDR as a range of offsets, for the Service ClusterIP allocator. Offsets count from
// the network address; the network and broadcast addresses are never handed out, as in
// Kubernetes' allocator.

export interface IPv4Range {
  cidr: string;
  /** Numeric network address. */
  base: number;
  /** Number of addresses in the CIDR. */
  size: number;
}

export function parseIPv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = n * 256 + Number(part);
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses "10.43.0.0/16"; throws with a flag-friendly message on bad input. */
export function parseIPv4Range(cidr: string): IPv4Range {
  const [ip, bitsText] = cidr.split('/');
  const addr = parseIPv4(ip ?? '');
  const bits = Number(bitsText);
  if (addr === undefined || !/^\d+$/.test(bitsText ?? '') || bits < 8 || bits > 30) {
    throw new Error(`invalid service CIDR ${JSON.stringify(cidr)}: want an IPv4 CIDR with a prefix of /8 to /30`);
  }
  const size = 2 ** (32 - bits);
  const base = addr - (addr % size);
  return { cidr: `${formatIPv4(base)}/${bits}`, base, size };
}

/** The offset of `ip` in the range, or undefined when it is outside it or not allocatable. */
export function offsetOf(range: IPv4Range, ip: string): number | undefined {
  const n = parseIPv4(ip);
  if (n === undefined) return undefined;
  const offset = n - range.base;
  return offset >= 1 && offset <= range.size - 2 ? offset : undefined;
}

export function ipAt(range: IPv4Range, offset: number): string {
  return formatIPv4(range.base + offset);
}

/** The nth usable address (1 = the first after the network address): 10.43.0.1 for the kubernetes Service. */
export function nthIP(range: IPv4Range, n: number): string {
  return ipAt(range, n);
}

/** Parses "30000-32767" (Kubernetes' --service-node-port-range). */
export function parsePortRange(text: string): { first: number; last: number } {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  const first = Number(m?.[1]);
  const last = Number(m?.[2]);
  if (!m || first < 1 || last > 65535 || first > last) {
    throw new Error(`invalid node port range ${JSON.stringify(text)}: want FIRST-LAST within 1-65535`);
  }
  return { first, last };
}
