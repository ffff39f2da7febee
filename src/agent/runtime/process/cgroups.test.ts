import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CgroupManager, milliCpuToShares, parseMountInfo, sharesToWeight } from './cgroups.ts';

const HYBRID = [
  '30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw',
  '32 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu',
  '33 30 0:29 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct',
  '34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
  '35 30 0:31 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids',
  '36 30 0:32 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer',
  '37 30 0:33 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd',
].join('\n');

const V1_COMOUNTED = [
  '32 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
  '34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
].join('\n');

const V2_ONLY = '31 25 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';

test('mountinfo parsing finds file system types, mount points and super options', () => {
  const entries = parseMountInfo('40 30 0:40 / /mnt/with\\040space rw - cgroup cgroup rw,memory');
  assert.deepEqual(entries, [{ mountPoint: '/mnt/with space', fsType: 'cgroup', superOptions: ['rw', 'memory'] }]);
});

test('hybrid: v1 controllers are used, the controller-less v2 mount is ignored', () => {
  const m = new CgroupManager('hale', { mountInfo: HYBRID, readV2Controllers: () => [], probe: false });
  assert.equal(m.mode, 'hybrid');
  assert.equal(m.enabled, true);
  assert.equal(m.path('memory', 'pod1/c1'), '/sys/fs/cgroup/memory/hale/pod1/c1');
  assert.equal(m.path('cpuacct', 'pod1'), '/sys/fs/cgroup/cpuacct/hale/pod1');
  assert.equal(m.dirs('x').length, 5);
});

test('v1 with co-mounted cpu,cpuacct joins that hierarchy once', () => {
  const m = new CgroupManager('hale', { mountInfo: V1_COMOUNTED, probe: false });
  assert.equal(m.mode, 'v1');
  assert.deepEqual(m.dirs('p').sort(), ['/sys/fs/cgroup/cpu,cpuacct/hale/p', '/sys/fs/cgroup/memory/hale/p']);
  assert.equal(m.path('freezer', 'p'), undefined);
});

test('v2: one hierarchy serves every controller it lists', () => {
  const m = new CgroupManager('hale', { mountInfo: V2_ONLY, readV2Controllers: () => ['cpu', 'memory', 'pids'], probe: false });
  assert.equal(m.mode, 'v2');
  assert.deepEqual(m.dirs('p'), ['/sys/fs/cgroup/hale/p']);
  assert.equal(m.describe().memory, 'v2:/sys/fs/cgroup');
});

test('no usable controllers: disabled with a reason', () => {
  const none = new CgroupManager('hale', { mountInfo: '', probe: false });
  assert.equal(none.mode, 'none');
  assert.equal(none.enabled, false);
  assert.match(none.reason ?? '', /no cgroup/);
  const empty = new CgroupManager('hale', { mountInfo: V2_ONLY, readV2Controllers: () => [], probe: false });
  assert.equal(empty.enabled, false);
  assert.match(empty.reason ?? '', /no usable cgroup controllers/);
});

test('CPU request conversions follow Kubernetes', () => {
  assert.equal(milliCpuToShares(0), 2);
  assert.equal(milliCpuToShares(250), 256);
  assert.equal(milliCpuToShares(1000), 1024);
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(262144), 10000);
});
