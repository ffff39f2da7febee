// Group commit: writes made during one turn of the event loop share one SQLite transaction,
// so they share one flush to disk. Every write is acknowledged only after the COMMIT that
// contains it is durable.
//
// The COMMIT itself only hands the pages to the OS (the store runs SQLite with
// synchronous=NORMAL); making them durable is the `durable` hook's job, which the store
// does with an fdatasync of the WAL file on libuv's thread pool (see ./file-sync.ts). So
// the event loop never waits for the disk: while one batch is being flushed, requests keep
// arriving and form the next batch.
//
// Each write runs immediately inside the open transaction (as a savepoint, so a failing
// write undoes only itself), which keeps conflict checks exact: a later write in the same
// batch sees the earlier ones.

import type Database from 'better-sqlite3';

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface GroupCommitHooks {
  /**
   * Right after a successful COMMIT, while no transaction is open. May return a function
   * to run once the batch is durable, before its writers are told.
   */
  committed: () => (() => void) | undefined;
  /** After a failed COMMIT was rolled back; every write of the batch is lost. */
  rolledBack: (err: Error) => void;
  /** Resolves when everything committed so far is durable; default: at once. */
  durable?: () => Promise<void>;
  /** The `durable` promise failed: the batch's writers are rejected with this error. */
  durabilityFailed?: (err: Error) => void;
}

export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  /** While set, COMMITs wait for it (see hold()). */
  private held: Promise<void> | undefined;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly hooks: GroupCommitHooks,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }

  /** True while a transaction holds writes that are not yet committed. */
  get open(): boolean {
    return this.pending.length > 0;
  }

  /**
   * Runs `apply` (a better-sqlite3 transaction function, which nests as a savepoint) in the
   * shared transaction. Throws synchronously if `apply` fails; otherwise the returned
   * promise settles when the batch is durable.
   */
  write(apply: () => void): Promise<void> {
    const first = this.pending.length === 0;
    if (first) this.begin.run();
    try {
      apply();
    } catch (err) {
      if (first) this.rollback.run();
      throw err;
    }
    const done = new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      // setImmediate runs after the I/O callbacks of this loop turn, so requests that
      // arrived together commit together.
      setImmediate(() => this.flush());
    }
    return done;
  }

  /**
   * Commits the open batch now, unless a hold is in place (then it commits when the hold
   * ends). Callers that need the transaction closed use commitNow().
   */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.held) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.commit.run();
    } catch (cause) {
      const err = cause instanceof Error ? cause : new Error(String(cause));
      try {
        if (this.db.inTransaction) this.rollback.run();
      } catch {
        // SQLite rolls back by itself when a COMMIT fails hard; nothing more to undo.
      }
      this.hooks.rolledBack(err);
      for (const write of batch) write.reject(err);
      return;
    }
    const afterDurable = this.hooks.committed();
    const durable = this.hooks.durable?.() ?? Promise.resolve();
    durable.then(
      () => {
        afterDurable?.();
        for (const write of batch) write.resolve();
      },
      (cause: unknown) => {
        const err = cause instanceof Error ? cause : new Error(String(cause));
        this.hooks.durabilityFailed?.(err);
        for (const write of batch) write.reject(err);
      },
    );
  }

  /**
   * Defers every COMMIT until `until` settles; writes keep running in the open transaction
   * meanwhile. The store uses this to keep SQLite from reusing the WAL before a checkpoint
   * is durable in the database file.
   */
  hold(until: Promise<unknown>): void {
    const release: Promise<void> = until.then(
      () => this.endHold(release),
      () => this.endHold(release),
    );
    this.held = release;
  }

  /** Waits for any hold to end, then commits the open batch: afterwards no transaction is open. */
  async commitNow(): Promise<void> {
    while (this.held) await this.held;
    this.flush();
  }

  private endHold(release: Promise<void>): void {
    if (this.held !== release) return;
    this.held = undefined;
    this.flush();
  }
}
