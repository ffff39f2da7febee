// Zero-drop termination: before a terminating pod's containers get SIGTERM, wait until no
// EndpointSlice lists the pod as a ready endpoint (the EndpointSlice controller marks it
// not ready as soon as the pod has its deletionTimestamp), then a short margin so every
// node's proxy has applied that change. A pod that no EndpointSlice lists — one in no
// Service — is not delayed at all. The wait is bounded by the time the caller allows,
// which the pod's grace period bounds. docs/services.md explains the whole sequence.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { Informer } from '../../client/informer.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';

/** Default time the proxies get to apply an endpoint change (HALE_ENDPOINT_DRAIN_MARGIN_MS overrides). */
export const DEFAULT_DRAIN_MARGIN_MS = 1000;
const rememberMs = 10 * 60_000;

export interface EndpointDrainOptions {
  marginMs?: number;
  logger?: Logger;
}

type Listing = 'absent' | 'ready' | 'not-ready';

/** How the EndpointSlices list the pod: not at all, as a ready endpoint somewhere, or only as not ready. */
export function podListing(slices: KubeObject[], pod: KubeObject): Listing {
  const { name, uid } = pod.metadata ?? {};
  let listing: Listing = 'absent';
  for (const slice of slices) {
    for (const ep of slice.endpoints ?? []) {
      const ref = ep.targetRef;
      if (ref?.kind !== 'Pod' || ref.name !== name || (ref.uid && uid && ref.uid !== uid)) continue;
      // A nil "ready" means ready, as in the EndpointSlice API.
      if (ep.conditions?.ready !== false) return 'ready';
      listing = 'not-ready';
    }
  }
  return listing;
}

export class EndpointDrain {
  private informer?: Informer;
  private readonly waits = new Map<string, { at: number; done: Promise<void> }>();
  readonly marginMs: number;

  constructor(
    private readonly client: RestClient,
    private readonly opts: EndpointDrainOptions = {},
  ) {
    const fromEnv = Number(process.env.HALE_ENDPOINT_DRAIN_MARGIN_MS);
    this.marginMs =
      opts.marginMs ?? (Number.isFinite(fromEnv) && process.env.HALE_ENDPOINT_DRAIN_MARGIN_MS ? fromEnv : DEFAULT_DRAIN_MARGIN_MS);
  }

  /**
   * Resolves once the pod is drained from every Service, or after `budgetMs`. Containers of
   * one pod share one wait.
   */
  waitUntilDrained(pod: KubeObject, budgetMs: number): Promise<void> {
    const uid: string = pod.metadata?.uid ?? '';
    const now = Date.now();
    for (const [key, w] of this.waits) if (now - w.at > rememberMs) this.waits.delete(key);
    const existing = this.waits.get(uid);
    if (existing) return existing.done;
    const done = this.drain(pod, Math.max(0, budgetMs));
    this.waits.set(uid, { at: now, done });
    return done;
  }

  private async drain(pod: KubeObject, budgetMs: number): Promise<void> {
    if (budgetMs <= 0) return;
    const deadline = Date.now() + budgetMs;
    const informer = this.slices();
    const signal = AbortSignal.timeout(budgetMs);
    if (!(await informer.waitForSync(signal))) return;
    const namespace = pod.metadata?.namespace;
    const listing = () => podListing(informer.list(namespace), pod);
    if (listing() === 'absent') return;
    const started = Date.now();
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        remove();
        resolve();
      };
      const check = () => {
        if (listing() !== 'ready') finish();
      };
      const remove = informer.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
      timer = setTimeout(finish, Math.max(0, deadline - Date.now()));
      check();
    });
    // The proxies follow the same slices; give them the margin to apply the change.
    const margin = Math.min(this.marginMs, deadline - Date.now());
    if (margin > 0) await new Promise((resolve) => setTimeout(resolve, margin));
    this.opts.logger?.debug({ pod: `${namespace}/${pod.metadata?.name}`, waitedMs: Date.now() - started }, 'pod drained from its services');
  }

  /** The EndpointSlice informer, started on first use so agents without Service pods never watch slices. */
  private slices(): Informer {
    if (!this.informer) {
      this.informer = new Informer(this.client, resources.endpointSlices, {});
      this.informer.start();
    }
    return this.informer;
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }
}
