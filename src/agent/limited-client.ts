// A view of a RestClient that sends at most `limit` requests at a time (watches excepted),
// queueing the rest in order. A burst of pods makes the agent fire hundreds of writes at once
// (three events and a few status writes per pod); without a bound each one opened its own
// TLS connection, and the handshakes on both ends cost more CPU than the requests. With a
// bound the keep-alive pool stays small and warm. (The kubelet throttles its API client too,
// with a QPS limit.)
import type { RestClient } from '../client/rest-client.ts';

class Gate {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * Every verb of RestClient (get, list, create, update, patch, delete, …) goes through
 * `request`; the view overrides only that and inherits the rest, so `watch` streams are not
 * counted (they stay open for minutes).
 */
export function withConcurrencyLimit(client: RestClient, limit: number): RestClient {
  const gate = new Gate(Math.max(1, Math.floor(limit)));
  const view = Object.create(client) as RestClient;
  view.request = (method, path, opts) => gate.run(() => client.request(method, path, opts));
  return view;
}
