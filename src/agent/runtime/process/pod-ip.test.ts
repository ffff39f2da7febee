import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cidrRange, formatIpv4, PodIpAllocator, parseIpv4 } from './pod-ip.ts';

const dir = mkdtempSync(join(tmpdir(), 'hale-pod-ip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('IPv4 parsing and formatting round-trip', () => {
  assert.equal(formatIpv4(parseIpv4('127.100.3.4')), '127.100.3.4');
  assert.throws(() => parseIpv4('127.1.2'), /invalid IPv4/);
  assert.deepEqual(cidrRange('127.5.0.0/30'), { first: parseIpv4('127.5.0.1'), last: parseIpv4('127.5.0.2') });
  assert.throws(() => cidrRange('10.0.0.0/16'), /loopback/);
});

test('each pod gets its own address, the same one again, and it survives a restart', async () => {
  const file = join(dir, 'a.json');
  const ips = new PodIpAllocator(file, '127.9.0.0/24');
  const a = ips.allocate('pod-a');
  const b = ips.allocate('pod-b');
  assert.equal(a, '127.9.0.1');
  assert.equal(b, '127.9.0.2');
  assert.equal(ips.allocate('pod-a'), a);
  await ips.persisted();
  const reloaded = new PodIpAllocator(file, '127.9.0.0/24');
  assert.equal(reloaded.lookup('pod-b'), b);
  assert.equal(reloaded.allocate('pod-c'), '127.9.0.3');
  await reloaded.persisted();
});

test('released addresses are reused only after the rest of the range (next-fit), and exhaustion is reported', async () => {
  const ips = new PodIpAllocator(join(dir, 'b.json'), '127.9.1.0/30');
  assert.equal(ips.allocate('one'), '127.9.1.1');
  ips.release('one');
  assert.equal(ips.lookup('one'), undefined);
  assert.equal(ips.allocate('two'), '127.9.1.2');
  assert.equal(ips.allocate('three'), '127.9.1.1');
  assert.throws(() => ips.allocate('four'), /no free pod IP/);
  await ips.persisted(); // written in the background: not into a directory being removed
});

test('isolated mode: any private range, the reserved gateway address is never handed out', async () => {
  assert.deepEqual(cidrRange('10.42.3.0/24', { loopback: false }), { first: parseIpv4('10.42.3.1'), last: parseIpv4('10.42.3.254') });
  const ips = new PodIpAllocator(join(dir, 'isolated.json'), '10.42.3.0/30', { loopback: false, reserved: ['10.42.3.1'] });
  assert.equal(ips.allocate('a'), '10.42.3.2');
  assert.throws(() => ips.allocate('b'), /no free pod IP/);
  await ips.persisted();
});
