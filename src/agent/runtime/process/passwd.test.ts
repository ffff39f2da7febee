import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { passwdEntry } from './passwd.ts';

test("a user's primary group and home come from /etc/passwd; unknown users and files give nothing", () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-passwd-'));
  try {
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1500::/home/app:/bin/sh\n');
    assert.deepEqual(passwdEntry(1000, passwd), { gid: 1500, home: '/home/app' });
    assert.equal(passwdEntry(4242, passwd), undefined);
    assert.equal(passwdEntry(1000, join(dir, 'missing')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
