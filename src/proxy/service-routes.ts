// Keeps service virtual IPs on this machine: a `local` route for the service CIDR (and for
// any ClusterIP outside it) sends every packet for a ClusterIP to the loopback device, so
// the userspace proxy can bind ClusterIPs and the nftables rules can DNAT them, and traffic
// to a ClusterIP without a rule is refused here instead of leaving through the default route.
//
// Every proxy in a network namespace (agents of one or several clusters) needs the same
// routes, so they are shared: each running proxy registers its pid in its namespace's folder
// under REGISTRY_ROOT, with the prefixes it installed, and the routes (tagged with ROUTE_PROTO
// so nothing else is touched) go away when the last proxy of that namespace stops. A proxy
// stopping before others removes the prefixes no live proxy lists (its own cluster's), so
// that ranges of clusters long gone do not pile up while another cluster runs. Routes belong to a network namespace, so
// the registry does too: a proxy in another namespace (an agent in its own node netns) must
// neither keep this namespace's routes alive nor flush them.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './nft.ts';

export const ROUTE_PROTO = '152';
const REGISTRY_ROOT = '/run/hale-proxy';
const REFRESH_MS = 10_000;

/** The registry folder of the network namespace `nsFile` (a /proc/PID/ns/net or /run/netns/NAME): ROOT/net-<its inode>. */
export function registryDirOf(nsFile = '/proc/self/ns/net', root: string = REGISTRY_ROOT): string {
  return join(root, `net-${statSync(nsFile).ino}`);
}

/** The registry folder of this process's network namespace. */
export function registryDirForThisNetns(root: string = REGISTRY_ROOT): string {
  return registryDirOf('/proc/self/ns/net', root);
}

export class ServiceRoutes {
  private readonly installed = new Set<string>();
  /** What the registration file says (see register). */
  private registered?: string;
  private refreshedAt = Date.now();
  private readonly registryDir: string;
  private readonly registration: string;

  constructor(
    private readonly serviceCidr: string,
    private readonly logger: { warn(obj: object, msg: string): void },
    opts: { registryRoot?: string } = {},
  ) {
    this.registryDir = registryDirForThisNetns(opts.registryRoot);
    this.registration = join(this.registryDir, `${process.pid}.${randomBytes(4).toString('hex')}`);
  }

  async start(): Promise<void> {
    mkdirSync(this.registryDir, { recursive: true });
    // Routes left by proxies that crashed are removed when no proxy is alive any more.
    if (livePeers(this.registryDir, this.registration).length === 0) await flushOurRoutes();
    this.register();
    await this.ensure(this.serviceCidr);
    this.register();
  }

  /**
   * Adds /32 routes for ClusterIPs the CIDR route does not cover (custom --service-cidr).
   * Every REFRESH_MS the routes are written again: another proxy in this namespace that
   * started or stopped at the same moment may have flushed them (start/stop are not locked).
   */
  async sync(clusterIPs: Iterable<string>): Promise<void> {
    if (Date.now() - this.refreshedAt > REFRESH_MS) {
      this.refreshedAt = Date.now();
      this.installed.clear();
      await this.ensure(this.serviceCidr);
    }
    for (const ip of clusterIPs) if (!inCidr(ip, this.serviceCidr)) await this.ensure(`${ip}/32`);
    this.register();
  }

  async stop(): Promise<void> {
    rmSync(this.registration, { force: true });
    const peers = livePeers(this.registryDir, this.registration);
    if (peers.length > 0) {
      const stillUsed = new Set(peers.flatMap((name) => readFileSafe(join(this.registryDir, name)).split('\n')));
      for (const prefix of this.installed) {
        if (stillUsed.has(prefix)) continue;
        await run('ip', ['route', 'del', 'local', prefix, 'dev', 'lo', 'table', 'local', 'proto', ROUTE_PROTO]).catch(() => undefined);
      }
      return;
    }
    await flushOurRoutes();
    // Namespaces come and go (node netns in tests): drop the empty folder of this one.
    try {
      rmdirSync(this.registryDir);
    } catch {
      // a proxy of this namespace registered meanwhile
    }
  }

  /**
   * Writes this proxy's registration: the prefixes it installed, one a line. Called once a
   * start or sync is done, and only written when the list changed: a peer that stops reads
   * it, and must not see the list half rebuilt by a refresh.
   */
  private register(): void {
    const content = [...this.installed].join('\n');
    if (content === this.registered) return;
    this.registered = content;
    try {
      writeFileSync(this.registration, content);
    } catch {
      // The last proxy of this namespace removed the folder between our mkdir and write.
      mkdirSync(this.registryDir, { recursive: true });
      writeFileSync(this.registration, content);
    }
  }

  private async ensure(prefix: string): Promise<void> {
    if (this.installed.has(prefix)) return;
    try {
      await run('ip', ['route', 'replace', 'local', prefix, 'dev', 'lo', 'table', 'local', 'proto', ROUTE_PROTO]);
      this.installed.add(prefix);
    } catch (err) {
      this.logger.warn({ prefix, err: (err as Error).message }, 'cannot install the local route for service IPs');
    }
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function livePeers(dir: string, self: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => {
    const path = join(dir, name);
    if (path === self) return false;
    const pid = Number(name.split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return true;
    rmSync(path, { force: true });
    return false;
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function flushOurRoutes(): Promise<void> {
  await run('ip', ['route', 'flush', 'table', 'local', 'proto', ROUTE_PROTO]).catch(() => undefined);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) >>> 0 === (toInt(base) & mask) >>> 0;
}
