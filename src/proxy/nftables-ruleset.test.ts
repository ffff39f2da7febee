import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { bucketRanges, renderRuleset, WEIGHT_BUCKETS } from './nftables-ruleset.ts';
import type { ProxyServicePort } from './service-table.ts';

const nftWorks = process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0;

const web: ProxyServicePort = {
  id: 'default/web:http',
  namespace: 'default',
  serviceName: 'web',
  protocol: 'TCP',
  clusterIPs: ['10.43.0.5'],
  port: 80,
  nodePort: 30080,
  loadBalancerIPs: ['192.0.2.2'],
  clusterEndpoints: [
    { ip: '127.1.0.1', port: 8080, weight: 0.95, local: true },
    { ip: '127.1.0.2', port: 8080, weight: 0.05, local: true },
  ],
  externalEndpoints: [{ ip: '127.1.0.1', port: 8080, weight: 1, local: true }],
  externalLocal: false,
};
const dns: ProxyServicePort = {
  id: 'kube-system/dns:dns',
  namespace: 'kube-system',
  serviceName: 'dns',
  protocol: 'UDP',
  clusterIPs: ['10.43.0.10'],
  port: 53,
  loadBalancerIPs: [],
  affinityTimeoutSeconds: 60,
  clusterEndpoints: [
    { ip: '127.1.0.3', port: 5353, weight: 0.5, local: true },
    { ip: '127.1.0.4', port: 5353, weight: 0.5, local: true },
  ],
  externalEndpoints: [],
  externalLocal: false,
};

test('bucketRanges splits the buckets in proportion, covering all of them exactly once', () => {
  assert.deepEqual(bucketRanges([0.95, 0.05]), [
    [0, 9499],
    [9500, 9999],
  ]);
  assert.deepEqual(bucketRanges([1, 0, 1]), [[0, 4999], undefined, [5000, 9999]]);
  const thirds = bucketRanges([1, 1, 1]);
  assert.equal(thirds[0]?.[0], 0);
  assert.equal(thirds[2]?.[1], WEIGHT_BUCKETS - 1);
  assert.deepEqual(bucketRanges([0, 0]), [undefined, undefined]);
});

test('the ruleset DNATs ClusterIP, NodePort and LoadBalancer traffic by weight, with affinity sets', () => {
  const script = renderRuleset('hale-proxy-test', [web, dns]);
  assert.match(script, /type nat hook output priority -100;/);
  assert.match(script, /ip daddr 10\.43\.0\.5 tcp dport 80 goto svc-0/);
  assert.match(script, /ip daddr 192\.0\.2\.2 tcp dport 80 goto ext-0/);
  assert.match(script, /fib daddr type local tcp dport 30080 goto ext-0/);
  assert.match(script, /numgen random mod 10000 vmap \{ 0-9499 : goto ep-0-c-0, 9500-9999 : goto ep-0-c-1 \}/);
  assert.match(script, /meta l4proto tcp dnat to 127\.1\.0\.2:8080/);
  assert.match(script, /ip daddr 10\.43\.0\.10 udp dport 53 goto svc-1/);
  assert.match(script, /set aff-1-c-0 \{ type ipv4_addr; flags dynamic,timeout; timeout 60s; \}/);
  assert.match(script, /update @aff-1-c-1 \{ ip saddr \}/);
  // External traffic with policy Cluster is marked for masquerade; ClusterIP traffic is not.
  assert.match(script, /chain ext-0 \{\n {4}meta mark set meta mark or 0x00004000/);
  assert.doesNotMatch(script, /chain svc-0 \{\n {4}meta mark/);
  // Traffic entering through prerouting is marked; the mark is dropped if no Service matched.
  assert.match(
    script,
    /chain prerouting \{[^}]*meta mark set meta mark or 0x00004000\n {4}jump services\n {4}meta mark set meta mark and 0xffffbfff/,
  );
  // externalTrafficPolicy Local keeps the client's address: the external chain clears the mark.
  const local = renderRuleset('hale-proxy-test', [{ ...web, externalLocal: true }]);
  assert.match(local, /chain ext-0 \{\n {4}meta mark set meta mark and 0xffffbfff/);
});

test('nft accepts the rendered script', { skip: !nftWorks && 'needs root and nft' }, () => {
  const script = renderRuleset(`hale-proxy-check${process.pid}`, [
    web,
    dns,
    { ...web, id: 'x', clusterEndpoints: [], externalEndpoints: [] },
  ]);
  execFileSync('nft', ['-c', '-f', '-'], { input: script });
});

test('in a network namespace, the kernel spreads ClusterIP connections by weight', { skip: !nftWorks && 'needs root and nft' }, () => {
  const ns = `hale-proxy-t${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    const inNs = (cmd: string, args: string[], input?: string) => execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { input });
    inNs('ip', ['link', 'set', 'lo', 'up']);
    inNs('ip', ['route', 'add', 'local', '10.43.0.0/16', 'dev', 'lo', 'table', 'local']);
    const port: ProxyServicePort = {
      ...web,
      nodePort: undefined,
      loadBalancerIPs: [],
      clusterEndpoints: [
        { ip: '127.0.0.1', port: 18081, weight: 0.8, local: true },
        { ip: '127.0.0.1', port: 18082, weight: 0.2, local: true },
      ],
    };
    inNs('nft', ['-f', '-'], renderRuleset('hale-proxy-test', [port]));
    // Two backends answer with their port; one client makes 1,000 connections to the ClusterIP.
    const script = `
      const net = require('node:net');
      const servers = [18081, 18082].map((p) => net.createServer((s) => s.end(String(p))).listen(p, '127.0.0.1'));
      const counts = { 18081: 0, 18082: 0 };
      let left = 1000;
      const one = () => {
        const c = net.connect(80, '10.43.0.5');
        let body = '';
        c.on('data', (d) => (body += d));
        c.on('end', () => { counts[body]++; if (--left === 0) { console.log(JSON.stringify(counts)); servers.forEach((s) => s.close()); } else one(); });
        c.on('error', (e) => { console.error(e.message); process.exit(1); });
      };
      setTimeout(one, 100);`;
    const counts = JSON.parse(inNs(process.execPath, ['-e', script]).toString());
    assert.equal(counts['18081'] + counts['18082'], 1000);
    // 80 % expected; ±6 points is over 4 standard deviations for 1,000 draws.
    assert.ok(counts['18081'] > 740 && counts['18081'] < 860, JSON.stringify(counts));
  } finally {
    execFileSync('ip', ['netns', 'delete', ns]);
  }
});
