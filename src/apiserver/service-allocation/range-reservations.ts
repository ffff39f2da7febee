// Reservations of numbers in a range (Service IP offsets, node ports), one store key per
// reserved number. A reservation is an atomic create of that key, so several API servers
// on one store can never hand out the same number: the loser of a race sees KeyExists.
// Like Kubernetes' allocators, dynamic picks come from the upper part of the range first,
// leaving the low "static band" to users who ask for a specific value.
import { ConflictError, KeyExistsError, KeyNotFoundError, type Store } from '../../storage/store.ts';

export interface ReservationOwner {
  namespace: string;
  name: string;
}

export interface Reservation {
  value: number;
  owner: ReservationOwner;
  /** When it was made (ms since epoch): the repair pass leaves young reservations alone. */
  at: number;
}

const randomTries = 16;

export class RangeReservations {
  /** First value of the dynamic (upper) band. */
  private readonly dynamicFirst: number;

  constructor(
    private readonly store: Store,
    /** Key prefix ending in "/", e.g. "/registry/hale-allocations/clusterips/". */
    readonly prefix: string,
    readonly first: number,
    readonly last: number,
    /** Key suffix for a value (e.g. the IP text for an offset). */
    private readonly label: (value: number) => string,
    private readonly parseLabel: (label: string) => number | undefined,
    staticBand: { min: number; max: number; divisor: number },
  ) {
    const size = last - first + 1;
    const band = Math.min(Math.max(staticBand.min, Math.floor(size / staticBand.divisor)), staticBand.max);
    this.dynamicFirst = size > band ? first + band : first;
  }

  private key(value: number): string {
    return `${this.prefix}${this.label(value)}`;
  }

  contains(value: number): boolean {
    return Number.isInteger(value) && value >= this.first && value <= this.last;
  }

  /**
   * Reserve `value` for `owner`: "reserved" when this call took it, "held" when it was theirs
   * already (a failed write must then not release it), false when someone else holds it.
   */
  async reserve(value: number, owner: ReservationOwner): Promise<'reserved' | 'held' | false> {
    const record: Reservation = { value, owner, at: Date.now() };
    try {
      await this.store.create(this.key(value), JSON.stringify(record));
      return 'reserved';
    } catch (err) {
      if (!(err instanceof KeyExistsError)) throw err;
      const held = await this.holder(value);
      return held !== undefined && sameOwner(held.owner, owner) ? 'held' : false;
    }
  }

  /** Reserve any free value; undefined when the range is full. */
  async reserveAny(owner: ReservationOwner): Promise<number | undefined> {
    const bands: [number, number][] = [
      [this.dynamicFirst, this.last],
      [this.first, this.dynamicFirst - 1],
    ];
    for (const [lo, hi] of bands) {
      if (hi < lo) continue;
      for (let i = 0; i < randomTries; i++) {
        const value = lo + Math.floor(Math.random() * (hi - lo + 1));
        if (await this.tryCreate(value, owner)) return value;
      }
    }
    // Mostly full: look at what is taken and walk the free values in order.
    const taken = new Set((await this.list()).map((r) => r.value));
    for (const [lo, hi] of bands) {
      for (let value = lo; value <= hi; value++) {
        if (!taken.has(value) && (await this.tryCreate(value, owner))) return value;
      }
    }
    return undefined;
  }

  private async tryCreate(value: number, owner: ReservationOwner): Promise<boolean> {
    try {
      await this.store.create(this.key(value), JSON.stringify({ value, owner, at: Date.now() } satisfies Reservation));
      return true;
    } catch (err) {
      if (err instanceof KeyExistsError) return false;
      throw err;
    }
  }

  /** Release `value` if `owner` holds it (another owner's reservation is never touched). */
  async release(value: number, owner: ReservationOwner): Promise<void> {
    const kv = await this.store.get(this.key(value));
    if (!kv) return;
    const held = decode(kv.value);
    if (held && !sameOwner(held.owner, owner)) return;
    try {
      await this.store.delete(kv.key, kv.modRevision);
    } catch (err) {
      // Gone or changed meanwhile: it is no longer ours to release.
      if (!(err instanceof KeyNotFoundError) && !(err instanceof ConflictError)) throw err;
    }
  }

  async holder(value: number): Promise<Reservation | undefined> {
    const kv = await this.store.get(this.key(value));
    return kv ? decode(kv.value) : undefined;
  }

  /** Every reservation in the range. */
  async list(): Promise<Reservation[]> {
    const out: Reservation[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.store.list(this.prefix, { limit: 1000, startAfter });
      for (const kv of page.items) {
        const value = this.parseLabel(kv.key.slice(this.prefix.length));
        const record = decode(kv.value);
        if (value !== undefined && record) out.push({ ...record, value });
      }
      if (!page.more || page.items.length === 0) return out;
      startAfter = page.items[page.items.length - 1].key;
    }
  }
}

function decode(text: string): Reservation | undefined {
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === 'object' && parsed.owner ? (parsed as Reservation) : undefined;
  } catch {
    return undefined;
  }
}

export function sameOwner(a: ReservationOwner, b: ReservationOwner): boolean {
  return a.namespace === b.namespace && a.name === b.name;
}
