import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IpCommandError } from './ip-command.ts';
import { cidrInside, NodeRoutes, POD_ROUTE_PROTO, parseRouteGet } from './node-routes.ts';

// A fake network namespace that answers the `ip` commands NodeRoutes runs, keeping routes,
// rules and sysctls in memory, so the reconciliation can be checked without root.
class FakeNetns {
  local = new Set(['192.168.1.10']);
  onLink = new Map([
    ['192.168.1.11', 'eth0'],
    ['192.168.1.12', 'eth0'],
  ]);
  routes: { prefix: string; via: string; dev: string; proto: string }[] = [];
  /** Lines of `ip route show root <cluster CIDR>` besides the proto routes (bridges of this host). */
  bridgeRoutes: string[] = ['10.42.0.0/24 dev hale0000000a proto kernel scope link src 10.42.0.1'];
  foreign = new Map<string, string>();
  rules: string[] = [];
  sysctl = new Map<string, string>([['net/ipv4/conf/eth0/forwarding', '0']]);
  commands: string[] = [];

  run = async (args: string[]): Promise<string> => {
    this.commands.push(args.join(' '));
    const fail = (msg: string): never => {
      throw new IpCommandError(args, msg);
    };
    const [what, verb, ...rest] = args;
    if (what === 'route' && verb === 'get') {
      const ip = rest[0];
      if (this.local.has(ip)) return `local ${ip} dev lo table local src ${ip} uid 0\n    cache <local>\n`;
      const dev = this.onLink.get(ip);
      if (dev) return `${ip} dev ${dev} src 192.168.1.10 uid 0\n    cache\n`;
      return `${ip} via 192.168.1.1 dev eth0 src 192.168.1.10 uid 0\n    cache\n`;
    }
    if (what === 'route' && verb === 'show') {
      const opt = (name: string) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : undefined);
      if (opt('exact')) return this.foreign.get(opt('exact') as string) ?? '';
      const proto = opt('proto');
      const root = opt('root');
      const mine = this.routes.filter(
        (r) => (!proto || r.proto === proto) && (!opt('dev') || r.dev === opt('dev')) && (!root || cidrInside(r.prefix, root)),
      );
      const lines = mine.map((r) => `${r.prefix} via ${r.via} dev ${r.dev}${proto ? '' : ` proto ${r.proto}`}`);
      if (!proto) lines.push(...this.bridgeRoutes);
      return lines.map((l) => `${l}\n`).join('');
    }
    if (what === 'route' && verb === 'replace') {
      const [prefix, , via, , dev, , proto] = rest;
      this.routes = this.routes.filter((r) => r.prefix !== prefix);
      this.routes.push({ prefix, via, dev, proto });
      return '';
    }
    if (what === 'route' && verb === 'del') {
      const before = this.routes.length;
      this.routes = this.routes.filter((r) => !(r.prefix === rest[0] && r.via === rest[2]));
      return before === this.routes.length ? fail('RTNETLINK answers: No such process') : '';
    }
    if (what === 'rule' && verb === 'show')
      return ['0:\tfrom all lookup local', ...this.rules, '32766:\tfrom all lookup main'].map((l) => `${l}\n`).join('');
    if (what === 'rule' && (verb === 'add' || verb === 'del')) {
      const line = ruleLine(rest);
      if (verb === 'add') this.rules.push(line);
      else {
        const i = this.rules.indexOf(line);
        if (i < 0) fail('RTNETLINK answers: No such file or directory');
        this.rules.splice(i, 1);
      }
      return '';
    }
    return fail(`fake: unexpected ip ${args.join(' ')}`);
  };

  sysctlAccess = {
    read: async (key: string) => `${this.sysctl.get(key) ?? '0'}\n`,
    write: async (key: string, value: string) => void this.sysctl.set(key, value),
  };
}

/** `pref P iif D [to X] (lookup main|unreachable)` as `ip rule show` prints it. */
function ruleLine(spec: string[]): string {
  const opt = (name: string) => (spec.includes(name) ? spec[spec.indexOf(name) + 1] : undefined);
  const to = opt('to') ? ` to ${opt('to')}` : '';
  const action = spec.includes('unreachable') ? 'unreachable' : 'lookup main';
  return `${opt('pref')}:\tfrom all${to} iif ${opt('iif')} ${action}`;
}

const node = (name: string, podCIDR: string | undefined, internalIP: string) => ({
  metadata: { name },
  spec: podCIDR ? { podCIDR } : {},
  status: {
    addresses: [
      { type: 'Hostname', address: name },
      { type: 'InternalIP', address: internalIP },
    ],
  },
});

function setUp(fake = new FakeNetns()) {
  const warnings: string[] = [];
  const routes = new NodeRoutes({
    nodeName: 'a',
    bridge: 'hale0000000a',
    podCidr: '10.42.0.0/24',
    clusterCidr: '10.42.0.0/16',
    run: fake.run,
    sysctl: fake.sysctlAccess,
    logger: { info() {}, warn: (_obj, msg) => warnings.push(msg ?? '') },
  });
  return { fake, routes, warnings };
}

const cluster = [
  node('a', '10.42.0.0/24', '192.168.1.10'),
  node('b', '10.42.1.0/24', '192.168.1.11'),
  node('c', '10.42.2.0/24', '192.168.1.10'), // another agent on this host: its bridge is routed here
  node('far', '10.42.3.0/24', '172.16.0.5'), // behind a router
  node('new', undefined, '192.168.1.12'), // no podCIDR yet
];

test('routes on-link peers via their InternalIP, restricts and enables forwarding on the uplink', async () => {
  const { fake, routes, warnings } = setUp();
  await routes.sync(cluster);
  assert.deepEqual(fake.routes, [{ prefix: '10.42.1.0/24', via: '192.168.1.11', dev: 'eth0', proto: POD_ROUTE_PROTO }]);
  assert.deepEqual(fake.rules.sort(), [
    '5200:\tfrom all to 10.42.0.0/24 iif eth0 lookup main',
    '5200:\tfrom all to 192.168.1.11 iif hale0000000a lookup main',
    '5201:\tfrom all iif eth0 unreachable',
  ]);
  assert.equal(fake.sysctl.get('net/ipv4/conf/eth0/forwarding'), '1');
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /node far .*172\.16\.0\.5 is not on this host's LAN \(it is reached through the router 192\.168\.1\.1\).*one L2 segment/,
  );

  // A second sync changes nothing and warns no more.
  fake.commands = [];
  await routes.sync(cluster);
  assert.equal(warnings.length, 1);
  assert.deepEqual(
    fake.commands.filter((c) => /^(route (replace|del)|rule (add|del))/.test(c)),
    [],
  );
});

test('a node that goes or moves loses its route and rules; forwarding goes back off with the last route', async () => {
  const { fake, routes } = setUp();
  await routes.sync(cluster);
  const moved = [cluster[0], node('b', '10.42.1.0/24', '192.168.1.12')];
  await routes.sync(moved);
  assert.deepEqual(fake.routes, [{ prefix: '10.42.1.0/24', via: '192.168.1.12', dev: 'eth0', proto: POD_ROUTE_PROTO }]);
  assert.ok(fake.rules.includes('5200:\tfrom all to 192.168.1.12 iif hale0000000a lookup main'));
  assert.ok(!fake.rules.some((r) => r.includes('192.168.1.11')));

  await routes.sync([cluster[0]]);
  assert.deepEqual(fake.routes, []);
  assert.deepEqual(fake.rules, []);
  assert.equal(fake.sysctl.get('net/ipv4/conf/eth0/forwarding'), '0');
});

test('forwarding that was already on is left on and not restricted', async () => {
  const fake = new FakeNetns();
  fake.sysctl.set('net/ipv4/conf/eth0/forwarding', '1');
  const { routes, warnings } = setUp(fake);
  await routes.sync(cluster.slice(0, 2));
  assert.ok(!fake.rules.some((r) => r.includes('unreachable')));
  assert.match(warnings.join('\n'), /forwarding is already on for eth0 \(not by Hale\)/);
  await routes.removeAll();
  assert.equal(fake.sysctl.get('net/ipv4/conf/eth0/forwarding'), '1');
  assert.deepEqual(fake.routes, []);
});

test('a restarted agent reconciles what an earlier run left: stale routes and rules go, right ones stay', async () => {
  const fake = new FakeNetns();
  await setUp(fake).routes.sync(cluster);
  // The node "gone" existed while the agent was down and left its route and rule.
  fake.routes.push({ prefix: '10.42.9.0/24', via: '192.168.1.19', dev: 'eth0', proto: POD_ROUTE_PROTO });
  fake.rules.push('5200:\tfrom all to 192.168.1.19 iif hale0000000a lookup main');
  // Another cluster's route on this host (outside our cluster CIDR) is not ours to touch.
  fake.routes.push({ prefix: '10.99.1.0/24', via: '192.168.1.30', dev: 'eth0', proto: POD_ROUTE_PROTO });
  fake.commands = [];
  await setUp(fake).routes.sync(cluster);
  assert.deepEqual(
    fake.routes.map((r) => r.prefix),
    ['10.42.1.0/24', '10.99.1.0/24'],
  );
  assert.ok(!fake.rules.some((r) => r.includes('192.168.1.19')));
  assert.ok(!fake.commands.some((c) => c.startsWith('route replace')), 'the right route is kept as it is');
});

test('removeAll keeps the shared routes while another bridge of the cluster is here, and drops its own rules', async () => {
  const fake = new FakeNetns();
  fake.bridgeRoutes.push('10.42.2.0/24 dev hale0000000c proto kernel scope link src 10.42.2.1');
  const { routes } = setUp(fake);
  await routes.sync(cluster);
  await routes.removeAll();
  assert.equal(fake.routes.length, 1);
  assert.deepEqual(fake.rules, ['5201:\tfrom all iif eth0 unreachable']);
  assert.equal(fake.sysctl.get('net/ipv4/conf/eth0/forwarding'), '1', 'the other agent still routes through eth0');

  fake.bridgeRoutes.pop();
  await routes.removeAll();
  assert.deepEqual(fake.routes, []);
  assert.deepEqual(fake.rules, []);
  assert.equal(fake.sysctl.get('net/ipv4/conf/eth0/forwarding'), '0');
});

test('bad or clashing pod ranges are never routed', async () => {
  const fake = new FakeNetns();
  fake.foreign.set('10.42.1.0/24', '10.42.1.0/24 dev docker0 proto kernel scope link');
  const { routes, warnings } = setUp(fake);
  await routes.sync([
    node('b', '10.42.1.0/24', '192.168.1.11'),
    node('evil', '0.0.0.0/0', '192.168.1.12'),
    node('twin', '10.42.0.0/24', '192.168.1.12'),
  ]);
  assert.deepEqual(fake.routes, []);
  assert.deepEqual(fake.rules, []);
  assert.equal(fake.sysctl.get('net/ipv4/conf/eth0/forwarding'), '0');
  assert.match(
    warnings.join('\n'),
    /not routing node b's pod range 10\.42\.1\.0\/24: it is already routed here \(10\.42\.1\.0\/24 dev docker0/,
  );
  assert.match(warnings.join('\n'), /ignoring node evil .*0\.0\.0\.0\/0/);
  assert.match(warnings.join('\n'), /ignoring node twin/);
});

test('parseRouteGet tells local, on-link and routed addresses apart', () => {
  assert.deepEqual(parseRouteGet('local 10.0.0.1 dev lo table local src 10.0.0.1 uid 0\n'), { kind: 'local' });
  assert.deepEqual(parseRouteGet('10.0.0.2 dev eth0 src 10.0.0.1 uid 0\n    cache\n'), { kind: 'on-link', dev: 'eth0' });
  assert.equal(parseRouteGet('8.8.8.8 via 10.0.0.254 dev eth0 src 10.0.0.1 uid 0\n').kind, 'unusable');
  assert.equal(parseRouteGet('error RTNETLINK answers: Network is unreachable').kind, 'unusable');
  assert.equal(parseRouteGet('10.42.1.5 dev hale0123abcd src 10.42.1.1 uid 0').kind, 'unusable');
});

test('cidrInside', () => {
  assert.ok(cidrInside('10.42.3.0/24', '10.42.0.0/16'));
  assert.ok(!cidrInside('10.43.3.0/24', '10.42.0.0/16'));
  assert.ok(!cidrInside('10.0.0.0/8', '10.42.0.0/16'));
  assert.ok(!cidrInside('10.42.3.1/24', '10.42.0.0/16'), 'not a network address');
  assert.ok(!cidrInside('10.42.3.0', '10.42.0.0/16'));
});

test("log lines name the peer node under `peer`, not `node` (the agent's logger already carries its own node)", async () => {
  const fields: Record<string, unknown>[] = [];
  const routes = new NodeRoutes({
    nodeName: 'a',
    bridge: 'hale0000000a',
    podCidr: '10.42.0.0/24',
    clusterCidr: '10.42.0.0/16',
    run: new FakeNetns().run,
    sysctl: new FakeNetns().sysctlAccess,
    logger: { info: (obj) => fields.push(obj as Record<string, unknown>), warn: (obj) => fields.push(obj as Record<string, unknown>) },
  });
  await routes.sync(cluster);
  assert.ok(fields.length >= 2);
  for (const f of fields) assert.equal(f.node, undefined, JSON.stringify(f));
  assert.ok(fields.some((f) => f.peer === 'b'));
  assert.ok(fields.some((f) => f.peer === 'far'));
});
