import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inCidr, registryDirForThisNetns } from './service-routes.ts';

test('inCidr decides which ClusterIPs the service CIDR route already covers', () => {
  assert.equal(inCidr('10.43.0.1', '10.43.0.0/16'), true);
  assert.equal(inCidr('10.43.255.254', '10.43.0.0/16'), true);
  assert.equal(inCidr('10.44.0.1', '10.43.0.0/16'), false);
  assert.equal(inCidr('10.187.3.4', '10.187.0.0/16'), true);
  assert.equal(inCidr('192.168.1.7', '192.168.1.7/32'), true);
  assert.equal(inCidr('192.168.1.8', '192.168.1.7/32'), false);
  assert.equal(inCidr('1.2.3.4', '0.0.0.0/0'), true);
});

test('the registry folder is named after this network namespace', () => {
  assert.equal(registryDirForThisNetns('/x'), `/x/net-${statSync('/proc/self/ns/net').ino}`);
});

const canUnshare = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('unshare', ['--net', 'true']);
    return true;
  } catch {
    return false;
  }
})();

// Runs ServiceRoutes.start() and stop() in a fresh network namespace and reports what it saw.
const serviceRoutesModule = resolve(fileURLToPath(import.meta.url), '../service-routes.ts');
const inFreshNetns = (root: string, cidr: string) => `
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { ServiceRoutes, registryDirForThisNetns } from ${JSON.stringify(serviceRoutesModule)};
const ip = (...a) => execFileSync('ip', a, { encoding: 'utf8' });
ip('link', 'set', 'lo', 'up');
const routes = new ServiceRoutes(${JSON.stringify(cidr)}, { warn: (o, m) => console.error(m, o) }, { registryRoot: ${JSON.stringify(root)} });
const dir = registryDirForThisNetns(${JSON.stringify(root)});
await routes.start();
const registered = readdirSync(dir);
const routesWhileRunning = ip('route', 'show', 'table', 'local', 'proto', '152');
await routes.stop();
const routesAfterStop = ip('route', 'show', 'table', 'local', 'proto', '152');
console.log(JSON.stringify({ dir, registered, routesWhileRunning, routesAfterStop, folders: readdirSync(${JSON.stringify(root)}) }));
`;

test("a proxy in another network namespace neither keeps this namespace's routes alive nor shares its registry", {
  skip: canUnshare ? false : 'needs root and unshare',
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'hale-proxy-registry-'));
  try {
    // A live proxy registered in the host's namespace (this test process).
    const hostDir = registryDirForThisNetns(root);
    mkdirSync(hostDir, { recursive: true });
    const hostRegistration = join(hostDir, `${process.pid}.cafe0001`);
    writeFileSync(hostRegistration, '');

    const cidr = `10.${200 + (process.pid % 50)}.0.0/16`;
    const out = execFileSync(
      'unshare',
      ['--net', process.execPath, '--import', 'tsx', '--input-type=module', '-e', inFreshNetns(root, cidr)],
      { encoding: 'utf8', cwd: resolve(serviceRoutesModule, '../../..') },
    );
    const seen = JSON.parse(out.trim().split('\n').at(-1)!);
    assert.notEqual(seen.dir, hostDir, 'each namespace has its own registry folder');
    assert.equal(seen.registered.length, 1);
    assert.ok(seen.routesWhileRunning.includes(`local ${cidr} dev lo`), seen.routesWhileRunning);
    // With one registry for all namespaces, the live proxy above would have kept them.
    assert.equal(seen.routesAfterStop.trim(), '', 'the last proxy of its namespace removed its routes');
    assert.deepEqual(seen.folders, [`net-${statSync('/proc/self/ns/net').ino}`], 'the empty folder of the namespace is removed');
    assert.ok(existsSync(hostRegistration), "the host namespace's registration is untouched");
    assert.deepEqual(readdirSync(hostDir), [`${process.pid}.cafe0001`]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// Three proxies of two clusters in one fresh network namespace: A1 and A2 share a CIDR, B has its own.
const twoClustersInFreshNetns = (root: string, cidrA: string, cidrB: string) => `
import { execFileSync } from 'node:child_process';
import { ServiceRoutes } from ${JSON.stringify(serviceRoutesModule)};
const ip = (...a) => execFileSync('ip', a, { encoding: 'utf8' });
ip('link', 'set', 'lo', 'up');
const routes = () => ip('route', 'show', 'table', 'local', 'proto', '152');
const proxy = (cidr) => new ServiceRoutes(cidr, { warn: (o, m) => console.error(m, o) }, { registryRoot: ${JSON.stringify(root)} });
const [a1, a2, b] = [proxy(${JSON.stringify(cidrA)}), proxy(${JSON.stringify(cidrA)}), proxy(${JSON.stringify(cidrB)})];
for (const p of [a1, a2, b]) await p.start();
const all = routes();
await a1.stop();
const afterA1 = routes();
await b.stop();
const afterB = routes();
await a2.stop();
console.log(JSON.stringify({ all, afterA1, afterB, afterAll: routes() }));
`;

test('a proxy stopping while others run removes only the routes no other proxy uses', {
  skip: canUnshare ? false : 'needs root and unshare',
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'hale-proxy-registry-'));
  try {
    const cidrA = `10.${200 + (process.pid % 25)}.0.0/16`;
    const cidrB = `10.${225 + (process.pid % 25)}.0.0/16`;
    const out = execFileSync(
      'unshare',
      ['--net', process.execPath, '--import', 'tsx', '--input-type=module', '-e', twoClustersInFreshNetns(root, cidrA, cidrB)],
      { encoding: 'utf8', cwd: resolve(serviceRoutesModule, '../../..') },
    );
    const seen = JSON.parse(out.trim().split('\n').at(-1)!);
    const has = (routes: string, cidr: string) => routes.includes(`local ${cidr} dev lo`);
    assert.ok(has(seen.all, cidrA) && has(seen.all, cidrB), seen.all);
    assert.ok(has(seen.afterA1, cidrA) && has(seen.afterA1, cidrB), 'A1 stopped: its CIDR is still used by A2');
    assert.ok(has(seen.afterB, cidrA), seen.afterB);
    assert.ok(!has(seen.afterB, cidrB), 'B stopped while A2 runs: the CIDR of B alone is gone');
    assert.equal(seen.afterAll.trim(), '', 'the last proxy removed the rest');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
