// Bounds how many pod start steps (creating a sandbox, creating and starting a container)
// run at once, and lets pods already under way go first. Without it a burst of 100 new pods
// advanced in lock-step: every pod's sandbox, then every pod's container, so that the first
// pod was reported Running only when nearly all were. With it pods finish roughly in the
// order they came, each status write going out as soon as its own pod runs.
export type StartStep = 'container' | 'sandbox';

export class StartGate {
  private running = 0;
  /** Waiting steps by priority: a started pod's containers before new pods' sandboxes. */
  private readonly waiting: Record<StartStep, (() => void)[]> = { container: [], sandbox: [] };

  /** `busy` is told of each step, waiting or running, and released when it ended. */
  constructor(
    private readonly limit: number,
    private readonly busy?: () => () => void,
  ) {}

  async run<T>(step: StartStep, task: () => Promise<T>): Promise<T> {
    const release = this.busy?.();
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting[step].push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      release?.();
      // Hand the slot straight to the next waiter (containers first), or free it.
      const next = this.waiting.container.shift() ?? this.waiting.sandbox.shift();
      if (next) next();
      else this.running--;
    }
  }
}
