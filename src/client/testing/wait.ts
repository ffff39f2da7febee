// Polls a condition in tests instead of sleeping a guessed amount of time.

export async function eventually(condition: () => boolean, what = 'condition', limitMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
