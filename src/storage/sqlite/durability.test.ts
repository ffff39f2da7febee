// Kills a real writer process with SIGKILL mid-stream and checks that every write it had
// acknowledged is in the database afterwards.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from './sqlite-store.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

test('acknowledged writes survive SIGKILL of the writing process', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hale-durability-'));
  try {
    const dbPath = join(dir, 'db', 'state.db');
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'durability-writer.ts'), dbPath], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolveExit) =>
      child.on('exit', (code, signal) => resolveExit(signal ?? code)),
    );

    let acknowledged = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      acknowledged = Number(line);
      if (acknowledged >= 300) {
        child.kill('SIGKILL');
        break;
      }
    }
    assert.equal(await exited, 'SIGKILL', `writer ended on its own: ${stderr}`);
    assert.ok(acknowledged >= 300, `writer acknowledged only ${acknowledged} writes: ${stderr}`);

    const store = new SqliteStore(dbPath);
    try {
      const counter = await store.get('/durable-counter');
      assert.ok(counter && Number(counter.value) >= acknowledged, `counter ${counter?.value} < acknowledged ${acknowledged}`);
      const { items } = await store.list('/durable/', { limit: acknowledged });
      assert.equal(items.length, acknowledged);
      items.forEach((kv, index) => {
        assert.equal(kv.key, `/durable/${String(index + 1).padStart(8, '0')}`);
        assert.equal(kv.value, `value-${index + 1}`);
      });
      // The revision counter carries on from the recovered history.
      const next = await store.create('/after-crash', 'x');
      assert.ok(next.modRevision > counter.modRevision);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
