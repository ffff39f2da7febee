import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostInfo } from './host-info.ts';
import { defaultNodeLabels, KUBELET_VERSION, nodeAddresses, nodeCapacity, nodeSystemInfo } from './node-object.ts';

const host: HostInfo = {
  hostname: 'box',
  internalIP: '10.0.0.7',
  machineID: 'm1',
  systemUUID: 'u1',
  bootID: 'b1',
  kernelVersion: '6.1.0',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  operatingSystem: 'linux',
  architecture: 'arm64',
};

const GiB = 1024 ** 3;

test('capacity is reported in the kubelet formats; allocatable subtracts the hard eviction thresholds', () => {
  const { capacity, allocatable } = nodeCapacity({
    cpuCount: 4,
    memory: { totalBytes: 16318412 * 1024 + 100, availableBytes: 8 * GiB, swapTotalBytes: 0 },
    filesystem: { totalBytes: 102687672 * 1024 + 5, availableBytes: 50 * GiB },
    maxPods: 110,
  });
  assert.deepEqual(capacity, { cpu: '4', 'ephemeral-storage': '102687672Ki', memory: '16318412Ki', pods: '110' });
  // memory: capacity − 100Mi; storage: capacity − 10 % (truncated), printed as plain bytes like the kubelet.
  assert.deepEqual(allocatable, { cpu: '4', 'ephemeral-storage': '94636958516', memory: '16216012Ki', pods: '110' });
});

test('reservations come off allocatable', () => {
  const { allocatable } = nodeCapacity(
    {
      cpuCount: 2,
      memory: { totalBytes: 4 * GiB, availableBytes: GiB, swapTotalBytes: 0 },
      filesystem: { totalBytes: 10 * GiB, availableBytes: GiB },
      maxPods: 50,
    },
    { cpuMillis: 100, memoryBytes: 256 * 1024 * 1024, ephemeralStorageBytes: GiB },
    { memoryAvailableBytes: 0, nodefsAvailablePercent: 0, pidAvailablePercent: 0 },
  );
  assert.deepEqual(allocatable, { cpu: '1900m', 'ephemeral-storage': '9Gi', memory: '3840Mi', pods: '50' });
});

test('labels, addresses and nodeInfo', () => {
  assert.deepEqual(defaultNodeLabels('Edge-1', host), {
    'beta.kubernetes.io/arch': 'arm64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'arm64',
    'kubernetes.io/hostname': 'edge-1',
    'kubernetes.io/os': 'linux',
  });
  assert.deepEqual(nodeAddresses('edge-1', host), [
    { type: 'InternalIP', address: '10.0.0.7' },
    { type: 'Hostname', address: 'edge-1' },
  ]);
  const info = nodeSystemInfo(host, 'process://1.2.3', 2048);
  assert.equal(info.kubeletVersion, KUBELET_VERSION);
  assert.equal(info.containerRuntimeVersion, 'process://1.2.3');
  assert.equal(info.kubeProxyVersion, '');
  assert.equal(info.osImage, host.osImage);
  assert.deepEqual(info.swap, { capacity: 2048 });
});
