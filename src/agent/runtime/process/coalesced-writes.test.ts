import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CoalescedWrites } from './coalesced-writes.ts';

const dir = mkdtempSync(join(tmpdir(), 'hale-coalesced-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('saves during a write in flight become one follow-up write with the newest content', async () => {
  const writes = new CoalescedWrites();
  const file = join(dir, 'state.json');
  let value = 0;
  let serialized = 0;
  const content = () => {
    serialized++;
    return JSON.stringify({ value });
  };
  const saves: Promise<void>[] = [];
  for (let i = 1; i <= 50; i++) {
    value = i;
    saves.push(writes.save(file, content));
  }
  await Promise.all(saves);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { value: 50 });
  assert.equal(serialized, 2, 'the first save is written at once, the other 49 in one follow-up');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(existsSync(`${file}.tmp`), false);
});

test('forget drops writes not yet started, so a deleted file is not written again', async () => {
  const writes = new CoalescedWrites();
  const file = join(dir, 'gone.json');
  const first = writes.save(file, () => '1');
  const second = writes.save(file, () => '2');
  await writes.forget(file);
  rmSync(file, { force: true });
  await Promise.all([first, second]);
  await writes.flush();
  assert.equal(existsSync(file), false);
});

test('a failed write rejects its save; the next save still writes', async () => {
  const writes = new CoalescedWrites();
  await assert.rejects(
    writes.save(join(dir, 'missing-dir', 'x.json'), () => 'x'),
    /ENOENT/,
  );
  const file = join(dir, 'ok.json');
  await writes.save(file, () => 'ok');
  assert.equal(readFileSync(file, 'utf8'), 'ok');
});

test('after close nothing more is written', async () => {
  const writes = new CoalescedWrites();
  const file = join(dir, 'closed.json');
  const first = writes.save(file, () => 'first');
  const queued = writes.save(file, () => 'queued');
  writes.close();
  await Promise.all([first, queued, writes.save(file, () => 'after close')]);
  assert.equal(readFileSync(file, 'utf8'), 'first', 'the write in flight lands, the later ones do not');
});

test('a save made as a write ends, before its follow-up starts, joins the follow-up (one writer per file)', async () => {
  const writes = new CoalescedWrites();
  const file = join(dir, 'race.json');
  let serialized = 0;
  const content = (v: number) => () => {
    serialized++;
    return JSON.stringify({ v });
  };
  const first = writes.save(file, content(1));
  // Registered before the follow-up exists, so it runs when the first write has ended and
  // before the follow-up starts.
  const inTheGap = first.then(() => writes.save(file, content(3)));
  const followUp = writes.save(file, content(2));
  await Promise.all([first, followUp, inTheGap]);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { v: 3 });
  assert.equal(serialized, 2, 'the save in the gap went with the follow-up, not in a write of its own');
});
