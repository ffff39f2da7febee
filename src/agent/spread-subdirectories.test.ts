import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spreadSubdirectories } from './spread-subdirectories.ts';

const root = mkdtempSync(join(tmpdir(), 'hale-spread-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The directory's attribute letters as lsattr prints them, or undefined where it cannot. */
function attributes(dir: string): string | undefined {
  try {
    return execFileSync('lsattr', ['-d', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** The file system's type as `stat -f` names it ('ext2/ext3' for ext2, 3 and 4, 'tmpfs', …). */
function fileSystemType(dir: string): string {
  return execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim();
}

test('marks directories TOPDIR on ext2/3/4, and says why not on other file systems', async () => {
  const pods = join(root, 'pods');
  const containers = join(root, 'containers');
  mkdirSync(pods);
  mkdirSync(containers);
  const failure = await spreadSubdirectories([pods, containers]);
  if (fileSystemType(root) === 'ext2/ext3') {
    assert.equal(failure, undefined);
    assert.match(attributes(pods) ?? '', /T/);
    assert.match(attributes(containers) ?? '', /T/);
  } else {
    // tmpfs, xfs, btrfs, …: no such attribute; nothing to do but say so.
    assert.equal(typeof failure, 'string');
  }
});

test('resolves with the reason when a directory cannot be marked, and creates nothing', async () => {
  const file = join(root, 'a-file');
  writeFileSync(file, '');
  const missing = join(root, 'gone');
  const failure = await spreadSubdirectories([missing, join(file, 'below')]);
  assert.equal(typeof failure, 'string');
  assert.ok(failure!.length > 0);
  assert.throws(() => execFileSync('test', ['-e', missing]));
});
