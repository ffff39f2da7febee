// Group commit: writes made during one turn of the event loop share one SQLite transaction,
// so they share one fsync. With synchronous=FULL an fsync costs milliseconds on ordinary
// disks; paying it per write would cap the API server at a few hundred writes per second
// and block the event loop for each. Every write is still acknowledged only after the
// COMMIT that contains it has returned, i.e. after it is durable.
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
  /** After a successful COMMIT, before the writers are told. */
  committed: () => void;
  /** After a failed COMMIT was rolled back; every write of the batch is lost. */
  rolledBack: (err: Error) => void;
}

export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
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
   * promise settles when the batch commits.
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

  /** Commits the open batch now (before compaction, checkpoints and close). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
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
    this.hooks.committed();
    for (const write of batch) write.resolve();
  }
}
