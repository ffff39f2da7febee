// Timer-driven controllers may want to look again days or years ahead (a yearly CronJob,
// a ttlSecondsAfterFinished of a month), but Node timers overflow after ~24.8 days and
// then fire at once. Waking up at most hourly is cheap and always safe: reconcile is
// level-triggered, so an early look just schedules the next one.
export const MAX_REQUEUE_DELAY_MS = 60 * 60 * 1000;

export function requeueAfter(ms: number): { requeueAfterMs: number } {
  return { requeueAfterMs: Math.min(Math.max(0, ms), MAX_REQUEUE_DELAY_MS) };
}
