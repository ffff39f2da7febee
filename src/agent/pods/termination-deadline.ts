// When a container being stopped must be gone. A pod being deleted may be deleted again with
// a shorter grace period (`kubectl delete pod web --grace-period=1` after a plain delete):
// like the kubelet, the agent then brings the deadline forward, never back, and every wait of
// the termination in progress (preStop, endpoint drain, SIGTERM → SIGKILL) follows it.

export class TerminationDeadline {
  private at: number;
  private graceSeconds: number;
  private readonly listeners = new Set<() => void>();

  constructor(
    graceSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.graceSeconds = graceSeconds;
    this.at = now() + graceSeconds * 1000;
  }

  /** Seconds left, rounded up (a grace period of N seconds starts with N); 0 once passed. */
  secondsLeft(): number {
    return Math.max(0, Math.ceil((this.at - this.now()) / 1000));
  }

  /** A shorter grace period, counted from now; a longer one changes nothing. */
  shorten(graceSeconds: number): void {
    if (graceSeconds >= this.graceSeconds) return;
    this.graceSeconds = graceSeconds;
    const at = this.now() + graceSeconds * 1000;
    if (at >= this.at) return;
    this.at = at;
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` whenever the deadline comes forward, until the returned function is called. */
  onShortened(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Races `work` against the deadline (as it may move): undefined when the deadline came first. */
  async race<T>(work: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    let stopListening = () => {};
    const reached = new Promise<undefined>((resolve) => {
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => resolve(undefined), Math.max(0, this.at - this.now()));
      };
      arm();
      stopListening = this.onShortened(arm);
    });
    try {
      return await Promise.race([work, reached]);
    } finally {
      clearTimeout(timer);
      stopListening();
    }
  }
}
