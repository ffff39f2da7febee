// Pod IPs for the process runtime. In host network mode each pod gets its own loopback address
// (Linux routes all of 127.0.0.0/8 to lo, so no interface setup is needed); in isolated mode
// addresses come from the node's podCIDR, less the bridge's (gateway) address.
// Allocations are persisted so a restarted agent hands out the same address to the same pod,
// and allocation is next-fit so a released address is not reused at once. The file is written
// off the event loop, one write for a burst of changes (see persisted()).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CoalescedWrites } from './coalesced-writes.ts';

export const DEFAULT_POD_CIDR = '127.100.0.0/16';

interface PersistedAllocations {
  cidr: string;
  /** The last address handed out, as a 32-bit number. */
  last: number;
  /** ip → owner (sandbox id). */
  owners: Record<string, string>;
}

export function parseIpv4(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid IPv4 address "${ip}"`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * The usable host addresses of a CIDR (without its network and broadcast addresses). By
 * default the CIDR must be loopback (host network mode); isolated mode passes loopback=false.
 */
export function cidrRange(cidr: string, opts: { loopback?: boolean } = {}): { first: number; last: number } {
  const [ip, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`pod CIDR "${cidr}" must have a prefix length between 8 and 30`);
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  const network = (parseIpv4(ip) & mask) >>> 0;
  if ((opts.loopback ?? true) && network >>> 24 !== 127) throw new Error(`pod CIDR "${cidr}" must be inside 127.0.0.0/8 (loopback)`);
  const broadcast = (network | ~mask) >>> 0;
  return { first: network + 1, last: broadcast - 1 };
}

export interface PodIpAllocatorOptions {
  /** Only 127.0.0.0/8 ranges are accepted (default true: host network mode). */
  loopback?: boolean;
  /** Addresses never handed out (e.g. the bridge's own address). */
  reserved?: string[];
}

export class PodIpAllocator {
  private readonly range: { first: number; last: number };
  private readonly reserved: Set<string>;
  private state: PersistedAllocations;
  /** owner → ip, the reverse of state.owners (lookups happen on every attach). */
  private readonly byOwner = new Map<string, string>();
  private readonly writes = new CoalescedWrites(0o644);
  private lastSave: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    readonly cidr: string = DEFAULT_POD_CIDR,
    opts: PodIpAllocatorOptions = {},
  ) {
    this.range = cidrRange(cidr, { loopback: opts.loopback });
    this.reserved = new Set(opts.reserved ?? []);
    this.state = this.load();
    for (const [ip, owner] of Object.entries(this.state.owners)) this.byOwner.set(owner, ip);
    mkdirSync(dirname(file), { recursive: true });
  }

  /** The address of `owner`, allocating one if it has none. */
  allocate(owner: string): string {
    const existing = this.lookup(owner);
    if (existing) return existing;
    const size = this.range.last - this.range.first + 1;
    let candidate = this.state.last;
    for (let i = 0; i < size; i++) {
      candidate = candidate >= this.range.last || candidate < this.range.first ? this.range.first : candidate + 1;
      const ip = formatIpv4(candidate);
      if (this.state.owners[ip] === undefined && !this.reserved.has(ip)) {
        this.state.owners[ip] = owner;
        this.byOwner.set(owner, ip);
        this.state.last = candidate;
        this.save();
        return ip;
      }
    }
    throw new Error(`no free pod IP left in ${this.cidr}`);
  }

  lookup(owner: string): string | undefined {
    return this.byOwner.get(owner);
  }

  release(owner: string): void {
    const ip = this.lookup(owner);
    if (!ip) return;
    delete this.state.owners[ip];
    this.byOwner.delete(owner);
    this.save();
  }

  allocated(): Record<string, string> {
    return { ...this.state.owners };
  }

  private load(): PersistedAllocations {
    try {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as PersistedAllocations;
      // Addresses outside a changed range are kept for their owners but never handed out anew.
      return { cidr: this.cidr, last: saved.last ?? 0, owners: saved.owners ?? {} };
    } catch {
      return { cidr: this.cidr, last: 0, owners: {} };
    }
  }

  /**
   * Resolves once every change so far is on disk. A network awaits it before it hands an
   * address to a pod, so that a restarted agent never gives that address to another pod.
   */
  persisted(): Promise<void> {
    return this.lastSave;
  }

  private save(): void {
    const save = this.writes.save(this.file, () => JSON.stringify(this.state));
    save.catch(() => {}); // reported to whoever awaits persisted()
    this.lastSave = save;
  }
}
