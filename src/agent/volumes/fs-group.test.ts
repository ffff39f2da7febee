import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyFsGroup } from './fs-group.ts';

const asRoot = process.getuid?.() === 0 ? false : 'changing a file group needs root';
const modeOf = (p: string) => lstatSync(p).mode & 0o7777;

test('a writable volume: group, group read/write, setgid directories', { skip: asRoot }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-fsgroup-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'f'), 'x', { mode: 0o600 });
    chmodSync(join(dir, 'sub', 'f'), 0o600);
    chmodSync(dir, 0o777);
    await applyFsGroup(dir, { fsGroup: 2000, readOnly: false, onRootMismatchOnly: false });
    for (const p of [dir, join(dir, 'sub'), join(dir, 'sub', 'f')]) assert.equal(lstatSync(p).gid, 2000, p);
    assert.equal(modeOf(dir), 0o2777);
    assert.equal(modeOf(join(dir, 'sub', 'f')), 0o660);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a read-only volume gets group read; symlinks are left alone', { skip: asRoot }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-fsgroup-'));
  try {
    writeFileSync(join(dir, 'key'), 'secret', { mode: 0o400 });
    chmodSync(join(dir, 'key'), 0o400);
    symlinkSync('key', join(dir, 'link'));
    await applyFsGroup(dir, { fsGroup: 2000, readOnly: true, onRootMismatchOnly: false });
    assert.equal(modeOf(join(dir, 'key')), 0o440);
    assert.equal(lstatSync(join(dir, 'link')).gid, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OnRootMismatch: a volume whose root is right is not walked', { skip: asRoot }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-fsgroup-'));
  try {
    writeFileSync(join(dir, 'f'), 'x');
    await applyFsGroup(dir, { fsGroup: 2000, readOnly: false, onRootMismatchOnly: true });
    assert.equal(lstatSync(join(dir, 'f')).gid, 2000, 'a mismatched root: walked');
    writeFileSync(join(dir, 'later'), 'x', { mode: 0o600 });
    chmodSync(join(dir, 'later'), 0o600);
    await applyFsGroup(dir, { fsGroup: 2000, readOnly: false, onRootMismatchOnly: true });
    assert.equal(modeOf(join(dir, 'later')), 0o600, 'a right root: not walked');
    await applyFsGroup(dir, { fsGroup: 2000, readOnly: false, onRootMismatchOnly: false });
    assert.equal(modeOf(join(dir, 'later')), 0o660, 'Always: walked');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
