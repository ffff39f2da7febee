// Reads "not older than" a resourceVersion the store has not reached yet wait for it briefly,
// as kube-apiserver's watch cache does (waitUntilFreshAndBlock), then fail with 504 "Too large
// resource version" and a 1 s retry hint.
import type { Store } from '../../storage/store.ts';
import { tooLargeResourceVersion } from '../errors.ts';

/** The watch cache's blockTimeout. */
export const defaultFreshnessWaitMs = 3000;
/** How often the store's revision is looked at while waiting. */
const pollMs = 20;
/** The watch cache's resourceVersionTooHighRetrySeconds. */
const retryAfterSeconds = 1;

/** Resolves once the store's revision is at least `revision`; throws the 504 after `waitMs`. */
export async function waitForRevision(store: Store, revision: number, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const current = await store.currentRevision();
    if (current >= revision) return;
    if (Date.now() >= deadline) throw tooLargeResourceVersion(revision, current, retryAfterSeconds);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
  }
}
