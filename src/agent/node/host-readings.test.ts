import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cgroupCpuLimit, parseCpuMax, parseLoadavgTasks, parseMeminfo, parseProcCgroup, systemReadings } from './host-readings.ts';

test('parseMeminfo reads kB fields as bytes and plain counts as they are', () => {
  const info = parseMeminfo('MemTotal:       16318412 kB\nMemAvailable:    8000000 kB\nHugePages_Total:       0\nbogus line\n');
  assert.equal(info.MemTotal, 16318412 * 1024);
  assert.equal(info.MemAvailable, 8000000 * 1024);
  assert.equal(info.HugePages_Total, 0);
  assert.equal(Object.keys(info).length, 3);
});

test('parseLoadavgTasks takes the total task count', () => {
  assert.equal(parseLoadavgTasks('0.52 0.58 0.59 3/1234 56789\n'), 1234);
  assert.equal(parseLoadavgTasks('garbage'), undefined);
});

test('parseCpuMax rounds a quota up to whole CPUs and treats "max" as unlimited', () => {
  assert.equal(parseCpuMax('max 100000\n'), undefined);
  assert.equal(parseCpuMax('150000 100000'), 2);
  assert.equal(parseCpuMax('50000 100000'), 1);
  assert.equal(parseCpuMax('400000 100000'), 4);
});

test('parseProcCgroup maps each v1 controller and the v2 hierarchy', () => {
  const paths = parseProcCgroup('4:memory:/a/b\n2:cpu,cpuacct:/x\n0::/unified/path\n');
  assert.equal(paths.get('memory'), '/a/b');
  assert.equal(paths.get('cpu'), '/x');
  assert.equal(paths.get('cpuacct'), '/x');
  assert.equal(paths.get(''), '/unified/path');
});

test('cgroupCpuLimit reads the v1 CFS quota of the process cgroup, and v2 cpu.max', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hale-cgroup-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'cpu,cpuacct', 'pods', 'me'), { recursive: true });
  writeFileSync(join(root, 'cpu,cpuacct', 'pods', 'me', 'cpu.cfs_quota_us'), '250000\n');
  writeFileSync(join(root, 'cpu,cpuacct', 'pods', 'me', 'cpu.cfs_period_us'), '100000\n');
  assert.equal(cgroupCpuLimit(root, '3:cpu,cpuacct:/pods/me\n'), 3);

  writeFileSync(join(root, 'cpu,cpuacct', 'pods', 'me', 'cpu.cfs_quota_us'), '-1\n');
  assert.equal(cgroupCpuLimit(root, '3:cpu,cpuacct:/pods/me\n'), undefined);

  mkdirSync(join(root, 'svc'), { recursive: true });
  writeFileSync(join(root, 'svc', 'cpu.max'), '200000 100000\n');
  assert.equal(cgroupCpuLimit(root, '0::/svc\n'), 2);
  assert.equal(cgroupCpuLimit(root, ''), undefined);
});

test('systemReadings reads plausible numbers from this machine', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-readings-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = systemReadings();
  assert.ok(r.cpuCount() >= 1);
  const mem = r.memory();
  assert.ok(mem.totalBytes > 0 && mem.availableBytes > 0 && mem.availableBytes <= mem.totalBytes);
  const fs = r.filesystem(dir);
  assert.ok(fs.totalBytes > 0 && fs.availableBytes <= fs.totalBytes);
  if (process.platform === 'linux') {
    const pids = r.pids();
    assert.ok(pids.max > 0 && pids.inUse > 0 && pids.inUse < pids.max);
  }
});
