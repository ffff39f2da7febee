import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { ServiceEnvSource, serviceEnvVars, servicesForPod } from './service-env.ts';

const svc = (namespace: string, name: string, spec: KubeObject): KubeObject => ({ metadata: { namespace, name }, spec });
const master = svc('default', 'kubernetes', { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] });

describe('serviceEnvVars', () => {
  it("produces the kubelet's variables for a one-port Service (the Kubernetes docs' redis-primary example)", () => {
    const env = serviceEnvVars([svc('default', 'redis-primary', { clusterIP: '10.0.0.11', ports: [{ port: 6379 }] })]);
    assert.deepEqual(env, [
      { name: 'REDIS_PRIMARY_SERVICE_HOST', value: '10.0.0.11' },
      { name: 'REDIS_PRIMARY_SERVICE_PORT', value: '6379' },
      { name: 'REDIS_PRIMARY_PORT', value: 'tcp://10.0.0.11:6379' },
      { name: 'REDIS_PRIMARY_PORT_6379_TCP', value: 'tcp://10.0.0.11:6379' },
      { name: 'REDIS_PRIMARY_PORT_6379_TCP_PROTO', value: 'tcp' },
      { name: 'REDIS_PRIMARY_PORT_6379_TCP_PORT', value: '6379' },
      { name: 'REDIS_PRIMARY_PORT_6379_TCP_ADDR', value: '10.0.0.11' },
    ]);
  });

  it('names every named port, keeps the first port as the default, and brackets IPv6 addresses', () => {
    const env = serviceEnvVars([
      svc('default', 'dns', {
        clusterIP: 'fd00::a',
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      }),
    ]);
    const byName = Object.fromEntries(env.map((e) => [e.name, e.value]));
    assert.equal(byName.DNS_SERVICE_PORT, '53');
    assert.equal(byName.DNS_SERVICE_PORT_DNS, '53');
    assert.equal(byName.DNS_SERVICE_PORT_DNS_TCP, '53');
    assert.equal(byName.DNS_PORT, 'udp://[fd00::a]:53');
    assert.equal(byName.DNS_PORT_53_UDP_PROTO, 'udp');
    assert.equal(byName.DNS_PORT_53_TCP, 'tcp://[fd00::a]:53');
  });

  it('skips headless and ExternalName Services (no ClusterIP)', () => {
    assert.deepEqual(
      serviceEnvVars([
        svc('default', 'db', { clusterIP: 'None', ports: [{ port: 5432 }] }),
        svc('default', 'ext', { type: 'ExternalName', externalName: 'example.com' }),
      ]),
      [],
    );
  });
});

describe('servicesForPod', () => {
  const own = svc('shop', 'web', { clusterIP: '10.43.0.20', ports: [{ port: 80 }] });
  const other = svc('other', 'api', { clusterIP: '10.43.0.21', ports: [{ port: 80 }] });

  it("gives a pod its namespace's Services and default/kubernetes, never other namespaces'", () => {
    const names = servicesForPod('shop', true, [own, other], master).map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`);
    assert.deepEqual(names, ['default/kubernetes', 'shop/web']);
  });

  it('keeps default/kubernetes when enableServiceLinks is false', () => {
    assert.deepEqual(
      servicesForPod('shop', false, [own], master).map((s) => s.metadata?.name),
      ['kubernetes'],
    );
  });

  it("lets a Service named kubernetes in the pod's namespace win over the master one", () => {
    const local = svc('shop', 'kubernetes', { clusterIP: '10.43.0.99', ports: [{ port: 443 }] });
    const chosen = servicesForPod('shop', true, [local], master);
    assert.deepEqual(
      chosen.map((s) => s.spec?.clusterIP),
      ['10.43.0.99'],
    );
  });
});

describe('ServiceEnvSource', () => {
  it('falls back to the last answer when the API server cannot be reached (containers still restart)', async () => {
    const svc = {
      metadata: { name: 'db', namespace: 'default' },
      spec: { clusterIP: '10.43.0.7', ports: [{ port: 5432, protocol: 'TCP' }] },
    };
    let reachable = true;
    const unreachable = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const client = {
      get: () => (reachable ? Promise.resolve({ metadata: { name: 'kubernetes' }, spec: {} }) : unreachable()),
      listAll: () => (reachable ? Promise.resolve({ items: [svc], resourceVersion: '1' }) : unreachable()),
    } as unknown as RestClient;
    const source = new ServiceEnvSource(client, 0);
    const pod = { metadata: { name: 'p', namespace: 'default' }, spec: {} };
    const first = await source.envFor(pod);
    assert.ok(first.some((e) => e.name === 'DB_SERVICE_HOST' && e.value === '10.43.0.7'));
    reachable = false;
    assert.deepEqual(await source.envFor(pod), first);
    // Never answered before: the error is reported.
    await assert.rejects(source.envFor({ metadata: { name: 'q', namespace: 'other' }, spec: {} }), /failed to list services/);
  });
});
