import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstInternalIPv4, goArchitecture, goOperatingSystem, parseOsReleasePrettyName, readHostInfo } from './host-info.ts';

test('parseOsReleasePrettyName unquotes PRETTY_NAME', () => {
  assert.equal(parseOsReleasePrettyName('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(parseOsReleasePrettyName("PRETTY_NAME='Alpine Linux v3.19'"), 'Alpine Linux v3.19');
  assert.equal(parseOsReleasePrettyName('PRETTY_NAME=Plain'), 'Plain');
  assert.equal(parseOsReleasePrettyName('NAME=x\n'), undefined);
});

test('architecture and OS use Go spellings', () => {
  assert.equal(goArchitecture('x64'), 'amd64');
  assert.equal(goArchitecture('arm64'), 'arm64');
  assert.equal(goArchitecture('ia32'), '386');
  assert.equal(goOperatingSystem('win32'), 'windows');
  assert.equal(goOperatingSystem('linux'), 'linux');
});

test('firstInternalIPv4 skips loopback and IPv6, falling back to 127.0.0.1', () => {
  const lo = { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: null } as const;
  const v6 = {
    address: 'fe80::1',
    netmask: 'ffff::',
    family: 'IPv6',
    mac: 'aa:bb:cc:dd:ee:ff',
    internal: false,
    cidr: null,
    scopeid: 1,
  } as const;
  const eth = { address: '10.1.2.3', netmask: '255.0.0.0', family: 'IPv4', mac: 'aa:bb:cc:dd:ee:ff', internal: false, cidr: null } as const;
  assert.equal(firstInternalIPv4({ lo: [lo], eth0: [v6, eth] }), '10.1.2.3');
  assert.equal(firstInternalIPv4({ lo: [lo], eth0: [v6] }), '127.0.0.1');
});

test('readHostInfo describes this machine', () => {
  const info = readHostInfo();
  assert.ok(info.hostname.length > 0);
  assert.match(info.systemUUID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.match(info.internalIP, /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(info.architecture, goArchitecture());
  assert.ok(info.osImage.length > 0);
});

test("the isolated pod network's bridges are never the node's address", () => {
  const bridge = {
    address: '10.42.0.1',
    netmask: '255.255.255.0',
    family: 'IPv4',
    mac: 'aa:bb:cc:dd:ee:01',
    internal: false,
    cidr: null,
  } as const;
  const wlan = {
    address: '192.168.1.5',
    netmask: '255.255.255.0',
    family: 'IPv4',
    mac: 'aa:bb:cc:dd:ee:02',
    internal: false,
    cidr: null,
  } as const;
  assert.equal(firstInternalIPv4({ hale0123abcd: [bridge], wlan0: [wlan] }), '192.168.1.5');
});
