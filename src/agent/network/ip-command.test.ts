import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, test } from 'node:test';
import { batchFailures, IpCommandError, ip, ipBatch, ipWorks } from './ip-command.ts';

const skip = process.getuid?.() !== 0 || !(await ipWorks()) ? 'needs root and iproute2' : false;
const ns = `hale-iptest-${process.pid}`;
const batchFilesLeft = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`hale-ip-batch-${process.pid}-`));

after(async () => {
  if (!skip) await ip(['netns', 'delete', ns]).catch(() => {});
});

test('batchFailures pairs each "Command failed" line with the message printed before it', () => {
  const stderr = [
    'Cannot remove namespace file "/run/netns/x": No such file or directory',
    'Command failed /tmp/b:1',
    'RTNETLINK answers: No such device',
    'Command failed /tmp/b:3',
    '',
  ].join('\n');
  assert.deepEqual(batchFailures(stderr, 3), [
    { line: 1, message: 'Cannot remove namespace file "/run/netns/x": No such file or directory' },
    { line: 3, message: 'RTNETLINK answers: No such device' },
  ]);
  // Line numbers outside the batch and stderr without any are not failures of a command.
  assert.deepEqual(batchFailures('Command failed f:9\n', 3), []);
  assert.deepEqual(batchFailures('Cannot open network namespace "nope": No such file or directory\n', 3), []);
});

test('ipBatch refuses arguments that batch mode would split or treat as a comment', async () => {
  await assert.rejects(ipBatch([['link', 'set', 'a b', 'up']]), /cannot be passed in batch mode/);
  await assert.rejects(ipBatch([['link', 'show', '#x']]), /cannot be passed in batch mode/);
  await assert.rejects(ipBatch([['link', 'show', '']]), /cannot be passed in batch mode/);
});

test('ipBatch runs commands in one process, inside a namespace, and names the command that failed', { skip }, async () => {
  await ipBatch([
    ['netns', 'add', ns],
    ['link', 'show', 'dev', 'lo'], // in this process's namespace
  ]);
  await ipBatch(
    [
      ['link', 'set', 'lo', 'up'],
      ['addr', 'add', '10.9.9.9/32', 'dev', 'lo'],
    ],
    { netns: ns },
  );
  assert.match(await ip(['-n', ns, '-o', '-4', 'addr', 'show', 'dev', 'lo']), /10\.9\.9\.9\/32/);

  // The batch stops at the first failure: the error is that command's, the rest did not run.
  const err = await ipBatch(
    [
      ['addr', 'add', '10.9.9.10/32', 'dev', 'lo'],
      ['addr', 'add', '10.9.9.9/32', 'dev', 'lo'],
      ['addr', 'add', '10.9.9.11/32', 'dev', 'lo'],
    ],
    { netns: ns },
  ).then(
    () => assert.fail('the batch should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof IpCommandError);
  assert.deepEqual(err.args, ['-n', ns, 'addr', 'add', '10.9.9.9/32', 'dev', 'lo']);
  assert.match(err.message, /^ip -n \S+ addr add 10\.9\.9\.9\/32 dev lo: .*(exists|assigned)/i);
  const addresses = await ip(['-n', ns, '-o', '-4', 'addr', 'show', 'dev', 'lo']);
  assert.match(addresses, /10\.9\.9\.10\/32/);
  assert.doesNotMatch(addresses, /10\.9\.9\.11\/32/);

  // With `allowing`, every command runs and matching failures are not errors; others still are.
  await ipBatch(
    [
      ['link', 'delete', `nosuch${process.pid}`],
      ['addr', 'add', '10.9.9.11/32', 'dev', 'lo'],
    ],
    { netns: ns, allowing: /Cannot find device/ },
  );
  assert.match(await ip(['-n', ns, '-o', '-4', 'addr', 'show', 'dev', 'lo']), /10\.9\.9\.11\/32/);
  await assert.rejects(
    ipBatch(
      [
        ['link', 'delete', `nosuch${process.pid}`],
        ['addr', 'add', '10.9.9.11/32', 'dev', 'lo'],
      ],
      { netns: ns, allowing: /Cannot find device/ },
    ),
    (e: unknown) => e instanceof IpCommandError && e.args.join(' ') === `-n ${ns} addr add 10.9.9.11/32 dev lo`,
  );
  // A namespace that does not exist fails the whole batch with ip's own message.
  await assert.rejects(ipBatch([['link', 'show']], { netns: `${ns}-missing` }), /-batch .*Cannot open network namespace/);
  assert.deepEqual(batchFilesLeft(), []);
});
