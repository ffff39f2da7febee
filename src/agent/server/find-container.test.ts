import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runtimeContainerFinder } from './find-container.ts';
import { FakeStreamingRuntime } from './testing/fake-streaming-runtime.ts';

const root = mkdtempSync(join(tmpdir(), 'hale-find-container-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('finds the newest attempt and the log of the one before', async () => {
  const runtime = new FakeStreamingRuntime({ namespace: 'ns', name: 'web' });
  mkdirSync(join(root, 'main'));
  for (const n of [0, 1, 2]) writeFileSync(join(root, 'main', `${n}.log`), '');
  runtime.addContainer({ id: 'c1', name: 'main', attempt: 1, state: 'exited', logPath: join(root, 'main', '1.log') });
  runtime.addContainer({ id: 'c2', name: 'main', attempt: 2, state: 'running', logPath: join(root, 'main', '2.log') });
  const { findContainer, findSandbox } = runtimeContainerFinder(runtime);
  const ref = await findContainer('ns', 'web', 'main');
  assert.equal(ref?.containerId, 'c2');
  assert.equal(ref?.running, true);
  assert.equal(ref?.previousLogPath, join(root, 'main', '1.log'));
  assert.equal(await findContainer('ns', 'web', 'other'), undefined);
  assert.equal(await findContainer('ns', 'db', 'main'), undefined);
  assert.equal(await findSandbox('ns', 'web'), 'sandbox-1');
});

test('--previous is the newest exited attempt: the one that just crashed while the container waits in back-off', async () => {
  const runtime = new FakeStreamingRuntime({ namespace: 'ns', name: 'crash' });
  mkdirSync(join(root, 'crash'));
  for (const n of [0, 1, 2]) writeFileSync(join(root, 'crash', `${n}.log`), '');
  runtime.addContainer({ id: 'k1', name: 'main', attempt: 1, state: 'exited', logPath: join(root, 'crash', '1.log') });
  runtime.addContainer({ id: 'k2', name: 'main', attempt: 2, state: 'exited', logPath: join(root, 'crash', '2.log') });
  const ref = await runtimeContainerFinder(runtime).findContainer('ns', 'crash', 'main');
  assert.equal(ref?.containerId, 'k2');
  assert.equal(ref?.running, false);
  assert.equal(ref?.previousLogPath, join(root, 'crash', '2.log'));
});

test('no --previous log when no earlier attempt ended, or when its container (and log) was removed', async () => {
  const runtime = new FakeStreamingRuntime({ namespace: 'ns', name: 'web' });
  runtime.addContainer({ id: 'c3', name: 'main', attempt: 2, state: 'running', logPath: join(root, 'main', '2.log') });
  assert.equal((await runtimeContainerFinder(runtime).findContainer('ns', 'web', 'main'))?.previousLogPath, undefined);
  const first = new FakeStreamingRuntime({ namespace: 'ns', name: 'web' });
  first.addContainer({ id: 'c0', name: 'main', attempt: 0, state: 'running', logPath: join(root, 'main', '0.log') });
  assert.equal((await runtimeContainerFinder(first).findContainer('ns', 'web', 'main'))?.previousLogPath, undefined);
});
