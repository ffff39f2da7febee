// Asks ext2/3/4 to spread the subdirectories of a directory over the file system's block groups,
// as it does for the directories under / (the TOPDIR attribute, `chattr +T`). Set on the
// directories whose children are per-pod or per-container trees (logs, volumes, runtime state).
//
// Why: ext4 puts a new directory in its parent's block group, and a file in its directory's, so
// without it every pod's files share one group. An ext4 without a journal (the root file system
// of the machines this project is tested on) does not reuse an inode freed in the last 60 s
// (360 s while its table block is dirty): each new inode scans from the start of the group past
// every such one. After pods are deleted, each file of the next pods scanned past all of their
// files, quadratic in the number of pods; a burst of 100 pod starts spent ~15 % of its CPU there
// (docs/benchmarks-agent.md). Spread, each group holds the files of a few pods.
// Elsewhere (other file systems, no `chattr`) this changes nothing, and failing is harmless.

import { pathOnlyEnvironment, spawner } from './runtime/process/spawner.ts';

/**
 * Marks the existing directories `dirs` (it does not create them: a directory removed meanwhile
 * stays removed). Resolves with why it could not, or undefined; never rejects.
 */
export async function spreadSubdirectories(dirs: string[]): Promise<string | undefined> {
  try {
    // Through the spawn server, like every process the agent starts (spawner.ts says why).
    const result = await spawner.collect({
      file: 'chattr',
      args: ['+T', ...dirs],
      env: pathOnlyEnvironment(),
      timeoutMs: 10_000,
      maxOutput: 4096,
      outputGraceMs: 100,
    });
    if (result.timedOut) return 'chattr timed out after 10 s';
    return result.exitCode === 0 ? undefined : result.stderr.trim() || `chattr exited with code ${result.exitCode}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
