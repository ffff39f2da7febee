import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostsFileContent, removePodFiles, writePodFiles } from './pod-files.ts';

test('the hosts file is the kubelet managed one: localhost, the pod, then hostAliases', () => {
  const hosts = hostsFileContent({
    podIp: '10.42.0.7',
    hostname: 'web-0',
    namespace: 'default',
    clusterDomain: 'cluster.local',
    hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar'] }, { ip: '10.9.9.9' }],
  });
  const lines = hosts.trimEnd().split('\n');
  assert.equal(lines[0], '# Kubernetes-managed hosts file.');
  assert.equal(lines[1], '127.0.0.1\tlocalhost');
  assert.ok(lines.includes('10.42.0.7\tweb-0'));
  assert.deepEqual(lines.slice(-2), ['# Entries added by HostAliases.', '10.1.2.3\tfoo.local\tbar']);
});

test('with a subdomain the pod also gets its fully qualified name', () => {
  const hosts = hostsFileContent({
    podIp: '10.42.0.8',
    hostname: 'web-1',
    subdomain: 'web',
    namespace: 'shop',
    clusterDomain: 'cluster.local',
  });
  assert.ok(hosts.includes('10.42.0.8\tweb-1.web.shop.svc.cluster.local\tweb-1\n'));
  assert.ok(!hosts.includes('HostAliases'));
});

test('pod files are written and removed', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'hale-pod-files-')), 'sandbox');
  const { hostsPath, resolvConfPath } = await writePodFiles(dir, 'h\n', 'nameserver 10.43.0.10\n');
  assert.equal(readFileSync(hostsPath, 'utf8'), 'h\n');
  assert.equal(readFileSync(resolvConfPath, 'utf8'), 'nameserver 10.43.0.10\n');
  await removePodFiles(dir);
  assert.ok(!existsSync(dir));
  rmSync(join(dir, '..'), { recursive: true, force: true });
});
