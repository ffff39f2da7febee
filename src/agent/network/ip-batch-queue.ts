// Group commit for `ip` batches in this process's network namespace: while one batch runs,
// the command groups submitted meanwhile wait, then all go together in one `ip` process. A
// burst of pods attaching at once thus forks `ip` once per round instead of once per pod,
// and a lone request waits for nothing. Each group succeeds or fails as if it ran alone.
import { batchCommandError, batchLine, runIpBatch } from './ip-command.ts';

/** Keeps one `ip` run well inside its 10 s timeout. */
const MAX_COMMANDS_PER_RUN = 64;

interface Group {
  commands: string[][];
  resolve: () => void;
  reject: (err: Error) => void;
}

export class IpBatchQueue {
  private readonly waiting: Group[] = [];
  private running = false;
  /** `ip` processes started (for tests and benchmarks). */
  runs = 0;

  /**
   * @param allowing errors whose text matches are not failures; with it every command of a
   *   group runs (`ip -force`), as with ipBatch's option of the same name.
   */
  constructor(private readonly allowing?: RegExp) {}

  /** Runs the commands in order (stopping at the first failure, unless `allowing`); rejects with that command's error. */
  run(commands: string[][]): Promise<void> {
    if (commands.length === 0) return Promise.resolve();
    try {
      commands.forEach(batchLine);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ commands, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) await this.runRound(this.takeRound());
    } finally {
      this.running = false;
    }
  }

  private takeRound(): Group[] {
    let count = this.waiting[0].commands.length;
    let taken = 1;
    while (taken < this.waiting.length && count + this.waiting[taken].commands.length <= MAX_COMMANDS_PER_RUN) {
      count += this.waiting[taken].commands.length;
      taken++;
    }
    return this.waiting.splice(0, taken);
  }

  private async runRound(groups: Group[]): Promise<void> {
    let failures: Awaited<ReturnType<typeof runIpBatch>>;
    this.runs++;
    try {
      failures = await runIpBatch(
        groups.flatMap((group) => group.commands),
        { force: !!this.allowing },
      );
    } catch (err) {
      // The run failed as a whole (see runIpBatch) and we cannot tell which groups ran: all
      // fail (callers clean up). In practice all would: the cause is the bridge going away.
      for (const group of groups) group.reject(err as Error);
      return;
    }
    // Without -force, ip stopped at the first failure: the groups after it did not run.
    const stoppedAt = this.allowing ? Number.POSITIVE_INFINITY : (failures[0]?.line ?? Number.POSITIVE_INFINITY);
    const notRun: Group[] = [];
    let first = 1;
    for (const group of groups) {
      const last = first + group.commands.length - 1;
      const failure = failures.find(({ line, message }) => line >= first && line <= last && !this.allowing?.test(message));
      if (failure) group.reject(batchCommandError(group.commands[failure.line - first], failure.message));
      else if (first > stoppedAt) notRun.push(group);
      else group.resolve();
      first = last + 1;
    }
    this.waiting.unshift(...notRun);
  }
}
