import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HostPodNetwork } from './host-network.ts';
import { resolveNetworkMode } from './network-mode.ts';

const dir = mkdtempSync(join(tmpdir(), 'hale-host-net-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('host mode: a loopback address per sandbox, no namespace; clean-up frees the dead ones', async () => {
  const net = HostPodNetwork.inFile(join(dir, 'ips.json'), '127.77.0.0/24');
  const a = await net.attach('a');
  const b = await net.attach('b');
  assert.deepEqual(a, { ip: '127.77.0.1' });
  assert.equal(b.netnsPath, undefined);
  await net.cleanUp(new Set(['b']));
  // "a" was freed; a reopened allocator (a restarted agent) still knows "b".
  const reopened = HostPodNetwork.inFile(join(dir, 'ips.json'), '127.77.0.0/24');
  assert.deepEqual(await reopened.attach('b'), b);
  await net.detach('b');
});

test('--network-mode: host is always possible; auto picks isolated only as root with ip', async () => {
  assert.equal((await resolveNetworkMode('host')).mode, 'host');
  const auto = await resolveNetworkMode('auto');
  if (process.getuid?.() !== 0) {
    assert.equal(auto.mode, 'host');
    await assert.rejects(resolveNetworkMode('isolated'), /needs root/);
  } else {
    assert.ok(['host', 'isolated'].includes(auto.mode), auto.reason);
  }
});
