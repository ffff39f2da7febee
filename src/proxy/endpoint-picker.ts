// Chooses backends for the userspace proxy: the client's sticky endpoint first when
// sessionAffinity is ClientIP, then weighted random order over the rest, so a refused
// connection can be retried on the next candidate.
import type { ProxyEndpoint } from './service-table.ts';

export type RandomSource = () => number;

/** The endpoints in the order to try them: weighted random without replacement. */
export function weightedOrder(endpoints: readonly ProxyEndpoint[], random: RandomSource = Math.random): ProxyEndpoint[] {
  const pool = endpoints.filter((e) => e.weight > 0);
  const order: ProxyEndpoint[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, e) => sum + e.weight, 0);
    let r = random() * total;
    let i = 0;
    while (i < pool.length - 1 && r >= pool[i].weight) {
      r -= pool[i].weight;
      i++;
    }
    order.push(pool[i]);
    pool.splice(i, 1);
  }
  return order;
}

const endpointKey = (e: { ip: string; port: number }) => `${e.ip}:${e.port}`;

/** Remembers which endpoint each client IP last used, for sessionAffinity: ClientIP. */
export class AffinityTable {
  private readonly byClient = new Map<string, { endpoint: string; expiresAt: number }>();

  constructor(
    private readonly timeoutSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The client's endpoint moved to the front of `order`, if it is still a candidate. */
  prefer(clientIp: string, order: ProxyEndpoint[]): ProxyEndpoint[] {
    const entry = this.byClient.get(clientIp);
    if (!entry) return order;
    if (entry.expiresAt <= this.now()) {
      this.byClient.delete(clientIp);
      return order;
    }
    const i = order.findIndex((e) => endpointKey(e) === entry.endpoint);
    if (i <= 0) return order;
    return [order[i], ...order.slice(0, i), ...order.slice(i + 1)];
  }

  record(clientIp: string, endpoint: ProxyEndpoint): void {
    this.byClient.set(clientIp, { endpoint: endpointKey(endpoint), expiresAt: this.now() + this.timeoutSeconds * 1000 });
    if (this.byClient.size > 65536) this.prune();
  }

  private prune(): void {
    const now = this.now();
    for (const [client, entry] of this.byClient) if (entry.expiresAt <= now) this.byClient.delete(client);
  }
}
