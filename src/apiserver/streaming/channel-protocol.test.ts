import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Channel, channelFrame, closeSignal, exitStatus, ResizeDecoder } from './channel-protocol.ts';

test('frames start with their channel byte', () => {
  assert.deepEqual([...channelFrame(Channel.Stdout, 'hi')], [1, 0x68, 0x69]);
  assert.deepEqual([...closeSignal(Channel.Stdin)], [255, 0]);
});

test('exit statuses are what kubectl turns into its exit code', () => {
  assert.deepEqual(exitStatus(0), { metadata: {}, status: 'Success' });
  const failed = exitStatus(42);
  assert.equal(failed.status, 'Failure');
  assert.equal(failed.reason, 'NonZeroExitCode');
  assert.deepEqual(failed.details, { causes: [{ reason: 'ExitCode', message: '42' }] });
});

test('terminal sizes are decoded across chunk boundaries and ignored when empty or malformed', () => {
  const decoder = new ResizeDecoder();
  assert.deepEqual(decoder.push('{"Width":100,"Hei'), []);
  assert.deepEqual(decoder.push('ght":30}\n{"Width":80,"Height":24}\n'), [
    { width: 100, height: 30 },
    { width: 80, height: 24 },
  ]);
  assert.deepEqual(decoder.push('{"Width":0,"Height":0}\nnot json}'), []);
});
