import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { podResolvConfSource } from './pod-resolv-conf.ts';

describe('podResolvConfSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-resolv-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("builds pods' files from the node's resolv.conf and reports what was cut as events", () => {
    const path = join(dir, 'resolv.conf');
    writeFileSync(path, 'nameserver 192.0.2.53\nsearch corp.example\n');
    const warnings: string[] = [];
    const resolvConf = podResolvConfSource({
      dnsIp: '10.43.0.10',
      domain: 'cluster.local',
      hostResolvConfPath: path,
      warn: (pod, reason) => warnings.push(`${pod.metadata?.name} ${reason}`),
    });
    assert.equal(
      resolvConf({ metadata: { name: 'a', namespace: 'ns1' }, spec: {} }),
      'search ns1.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.43.0.10\noptions ndots:5\n',
    );
    assert.deepEqual(warnings, []);
    resolvConf({
      metadata: { name: 'b', namespace: 'ns1' },
      spec: { dnsPolicy: 'Default', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'] } },
    });
    assert.deepEqual(warnings, ['b DNSConfigForming']);
  });

  it('gives Default pods no nameserver when the node has no resolv.conf', () => {
    const resolvConf = podResolvConfSource({ dnsIp: '10.43.0.10', domain: 'cluster.local', hostResolvConfPath: join(dir, 'missing') });
    assert.equal(resolvConf({ metadata: { name: 'c' }, spec: { dnsPolicy: 'Default' } }), '');
  });
});
