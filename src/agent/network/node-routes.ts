// Routes to the pod ranges of nodes on other hosts, as flannel's host-gw backend does it: for
// every other Node whose InternalIP is on this host's LAN (on-link, not one of this network
// namespace's own addresses), `<its podCIDR> via <its InternalIP>`. No overlay, no
// encapsulation, so it needs the nodes on one L2 segment; a node behind a router gets a clear
// log line instead of a route. Nodes whose InternalIP is local (several agents on one host)
// get nothing: their bridges are routed here already.
//
// What it changes in the network namespace, and how it is undone:
// - The routes, tagged `proto 153` (POD_ROUTE_PROTO) so a restarted agent finds and reconciles
//   the ones it added. They are shared by the agents of one cluster in one network namespace
//   (all of them want the same ones) and removed by the last one whose bridge goes.
// - Per peer, `iif <our bridge> to <peer InternalIP> lookup main` at priority 5200: a pod's
//   reply to another node's proxy comes from the bridge and would otherwise hit the bridge's
//   `unreachable` rule (5201). Removed with the peer or the bridge.
// - Per uplink (the device the peers are reached on), `iif <uplink> to <our podCIDR> lookup
//   main` at 5200, so packets from other nodes reach our pods, and forwarding switched on for
//   the uplink only (net.ipv4.conf.<uplink>.forwarding), as every CNI must. When Hale turns
//   it on (it was 0), it first adds `iif <uplink> unreachable` at 5201, so nothing else that
//   arrives on the uplink is forwarded: the host does not become a router. That rule is also
//   the record that Hale turned forwarding on: when the last Hale route through the uplink
//   goes, forwarding is set back to 0 and the rule removed. When forwarding was already on
//   (the host is a router or runs Docker), Hale leaves it, and adds no restriction.
import { readFile, writeFile } from 'node:fs/promises';
import type { KubeObject } from '../../api/resource-type.ts';
import { parseIpv4 } from '../runtime/process/pod-ip.ts';
import { deleteMatchingRules, IpCommandError, type IpRunner, ip, ipAllowing } from './ip-command.ts';
import { POD_RULE_PRIORITY } from './isolated-network.ts';
import type { NetworkLogger } from './pod-network.ts';

/** The `proto` tag of Hale's routes to other nodes' pod ranges (ServiceRoutes uses 152). */
export const POD_ROUTE_PROTO = '153';
const ALLOW = String(POD_RULE_PRIORITY);
const DENY = String(POD_RULE_PRIORITY + 1);
const NOT_FOUND = /Cannot find device|No such file|No such process|does not exist|not found/i;
const HALE_BRIDGE = /\bdev (hale[0-9a-f]{8})\b/;

/** Reads and writes /proc/sys/<key> in the network namespace to manage. */
export interface SysctlAccess {
  read(key: string): Promise<string>;
  write(key: string, value: string): Promise<void>;
}

export interface NodeRoutesOptions {
  /** This node (never routed to). */
  nodeName: string;
  /** This node's pod bridge (see names.ts). */
  bridge: string;
  /** This node's spec.podCIDR. */
  podCidr: string;
  clusterCidr: string;
  logger?: NetworkLogger;
  /** Default: `ip` in this process's network namespace. */
  run?: IpRunner;
  /** Default: /proc/sys of this process's network namespace. */
  sysctl?: SysctlAccess;
}

/** Another node, as far as routing to its pods goes. */
export interface NodePeer {
  node: string;
  podCidr: string;
  internalIP: string;
}

interface PeerRoute extends NodePeer {
  dev: string;
}

interface InstalledRoute {
  prefix: string;
  via: string;
  dev: string;
}

/** How this namespace reaches an address, from `ip route get`. */
export type Reach = { kind: 'local' } | { kind: 'on-link'; dev: string } | { kind: 'unusable'; why: string };

const procSysctl: SysctlAccess = {
  read: (key) => readFile(`/proc/sys/${key}`, 'utf8'),
  write: (key, value) => writeFile(`/proc/sys/${key}`, value),
};

export class NodeRoutes {
  private readonly run: IpRunner;
  private readonly sysctl: SysctlAccess;
  private readonly warned = new Map<string, string>();

  constructor(private readonly opts: NodeRoutesOptions) {
    this.run = opts.run ?? ip;
    this.sysctl = opts.sysctl ?? procSysctl;
  }

  /** Makes the routes, rules and forwarding match these Nodes (the full list). Idempotent. */
  async sync(nodes: readonly KubeObject[]): Promise<void> {
    const wanted: PeerRoute[] = [];
    for (const peer of this.peersOf(nodes)) {
      const reach = parseRouteGet(await this.run(['route', 'get', peer.internalIP]).catch((err: Error) => `error ${errorText(err)}`));
      if (reach.kind === 'local') continue;
      if (reach.kind === 'unusable') {
        this.warnOnce(
          peer.node,
          { peer: peer.node, internalIP: peer.internalIP, podCIDR: peer.podCidr, reason: reach.why },
          `pods on node ${peer.node} are not reachable from this node's pods: its InternalIP ${peer.internalIP} is not on this host's LAN (${reach.why}). Hale routes pod ranges directly between nodes (no overlay), so nodes must share one L2 segment`,
        );
        continue;
      }
      wanted.push({ ...peer, dev: reach.dev });
    }
    const routed = await this.syncRoutes(wanted);
    // Read once for both: the bridge's peer rules and the uplinks' rules never overlap (the
    // former have `iif <bridge>`, the latter another iif or pref 5201).
    const rules = await this.ruleLines();
    await this.syncBridgeRules(new Set(routed.map((r) => r.internalIP)), rules);
    await this.syncUplinks(new Set(routed.map((r) => r.dev)), rules);
  }

  /** Undoes everything (at stop, when the bridge goes); routes stay while another bridge of the cluster is here. */
  async removeAll(): Promise<void> {
    const rules = await this.ruleLines();
    for (const peerIp of bridgePeerRules(rules, this.opts.bridge))
      await deleteMatchingRules(['pref', ALLOW, 'iif', this.opts.bridge, 'to', peerIp, 'lookup', 'main'], this.run);
    const uplinks = new Set(uplinkRules(rules, this.opts.podCidr, this.opts.bridge));
    for (const dev of uplinks) await deleteMatchingRules(['pref', ALLOW, 'iif', dev, 'to', this.opts.podCidr, 'lookup', 'main'], this.run);
    const routes = await this.installedRoutes();
    for (const r of routes) uplinks.add(r.dev);
    if (!(await this.otherBridgesServeTheCluster())) {
      for (const r of routes) await this.deleteRoute(r);
    }
    for (const dev of uplinks) await this.releaseUplink(dev);
  }

  /** Valid peers among the Nodes: another node, a podCIDR inside the cluster CIDR, an IPv4 InternalIP. */
  private peersOf(nodes: readonly KubeObject[]): NodePeer[] {
    const peers: NodePeer[] = [];
    for (const node of nodes) {
      const name: string | undefined = node.metadata?.name;
      if (!name || name === this.opts.nodeName) continue;
      const podCidr: unknown = node.spec?.podCIDR;
      const addresses: { type?: string; address?: string }[] = Array.isArray(node.status?.addresses) ? node.status.addresses : [];
      const internalIP = addresses.find((a) => a.type === 'InternalIP' && typeof a.address === 'string' && isIpv4(a.address))?.address;
      if (typeof podCidr !== 'string' || !internalIP) continue;
      if (podCidr === this.opts.podCidr || !cidrInside(podCidr, this.opts.clusterCidr)) {
        this.warnOnce(
          name,
          { peer: name, podCIDR: podCidr },
          `ignoring node ${name} for pod routes: its podCIDR ${podCidr} is not a range of the cluster CIDR ${this.opts.clusterCidr} other than this node's`,
        );
        continue;
      }
      peers.push({ node: name, podCidr, internalIP });
    }
    return peers;
  }

  private async syncRoutes(wanted: PeerRoute[]): Promise<PeerRoute[]> {
    const present = await this.installedRoutes();
    for (const r of present) {
      if (wanted.some((w) => w.podCidr === r.prefix)) continue;
      await this.deleteRoute(r);
      this.opts.logger?.info({ podCIDR: r.prefix, via: r.via }, 'removed the route to a node that is gone or moved');
    }
    const routed: PeerRoute[] = [];
    for (const w of wanted) {
      const have = present.find((r) => r.prefix === w.podCidr);
      if (have && have.via === w.internalIP && have.dev === w.dev) {
        routed.push(w);
        continue;
      }
      if (!have) {
        // Never replace a route someone else made (a local bridge, the admin's).
        const other = (await this.run(['route', 'show', 'exact', w.podCidr])).trim();
        if (other) {
          this.warnOnce(
            w.node,
            { peer: w.node, podCIDR: w.podCidr, route: other },
            `not routing node ${w.node}'s pod range ${w.podCidr}: it is already routed here (${other})`,
          );
          continue;
        }
      }
      await this.run(['route', 'replace', w.podCidr, 'via', w.internalIP, 'dev', w.dev, 'proto', POD_ROUTE_PROTO]);
      this.warned.delete(w.node);
      this.opts.logger?.info(
        { peer: w.node, podCIDR: w.podCidr, via: w.internalIP, dev: w.dev },
        'routing the pod range of a node on this LAN',
      );
      routed.push(w);
    }
    return routed;
  }

  private async syncBridgeRules(peerIps: Set<string>, rules: string[]): Promise<void> {
    const present = bridgePeerRules(rules, this.opts.bridge);
    for (const peerIp of present)
      if (!peerIps.has(peerIp))
        await deleteMatchingRules(['pref', ALLOW, 'iif', this.opts.bridge, 'to', peerIp, 'lookup', 'main'], this.run);
    for (const peerIp of peerIps) {
      if (!present.includes(peerIp))
        await this.run(['rule', 'add', 'pref', ALLOW, 'iif', this.opts.bridge, 'to', peerIp, 'lookup', 'main']);
    }
  }

  private async syncUplinks(devs: Set<string>, rules: string[]): Promise<void> {
    const present = uplinkRules(rules, this.opts.podCidr, this.opts.bridge);
    for (const dev of devs) {
      if (!present.includes(dev)) await this.run(['rule', 'add', 'pref', ALLOW, 'iif', dev, 'to', this.opts.podCidr, 'lookup', 'main']);
      await this.enableForwarding(dev, rules);
    }
    for (const dev of present) {
      if (devs.has(dev)) continue;
      await deleteMatchingRules(['pref', ALLOW, 'iif', dev, 'to', this.opts.podCidr, 'lookup', 'main'], this.run);
      await this.releaseUplink(dev);
    }
  }

  private async enableForwarding(dev: string, rules: string[]): Promise<void> {
    const key = `net/ipv4/conf/${dev}/forwarding`;
    if ((await this.sysctl.read(key)).trim() === '1') {
      if (!hasDenyRule(rules, dev))
        this.warnOnce(
          `uplink ${dev}`,
          { dev },
          `forwarding is already on for ${dev} (not by Hale): leaving it as it is, without restricting it to pod traffic`,
        );
      return;
    }
    // The restriction goes in before forwarding goes on, so there is no moment without it.
    if (!hasDenyRule(rules, dev)) await this.run(['rule', 'add', 'pref', DENY, 'iif', dev, 'unreachable']);
    await this.sysctl.write(key, '1');
    this.opts.logger?.info({ dev }, 'forwarding switched on for the uplink, for traffic to pod ranges only');
  }

  /** Turns forwarding back off when Hale turned it on and no Hale route (of any cluster) uses the uplink any more. */
  private async releaseUplink(dev: string): Promise<void> {
    const remaining = await this.run(['route', 'show', 'proto', POD_ROUTE_PROTO, 'dev', dev]).catch((err) => {
      if (err instanceof IpCommandError && NOT_FOUND.test(err.stderr)) return '';
      throw err;
    });
    if (remaining.trim()) return;
    if (!hasDenyRule(await this.ruleLines(), dev)) return;
    await this.sysctl.write(`net/ipv4/conf/${dev}/forwarding`, '0').catch(() => undefined); // the device may be gone
    await deleteMatchingRules(['pref', DENY, 'iif', dev, 'unreachable'], this.run);
    this.opts.logger?.info({ dev }, 'forwarding switched back off for the uplink');
  }

  private async installedRoutes(): Promise<InstalledRoute[]> {
    const out = await this.run(['route', 'show', 'proto', POD_ROUTE_PROTO, 'root', this.opts.clusterCidr]);
    return parseProtoRoutes(out);
  }

  private async deleteRoute(r: InstalledRoute): Promise<void> {
    await ipAllowing(NOT_FOUND, ['route', 'del', r.prefix, 'via', r.via, 'proto', POD_ROUTE_PROTO], this.run);
  }

  private async otherBridgesServeTheCluster(): Promise<boolean> {
    const out = await this.run(['route', 'show', 'root', this.opts.clusterCidr]);
    return out.split('\n').some((line) => {
      const dev = HALE_BRIDGE.exec(line)?.[1];
      return dev !== undefined && dev !== this.opts.bridge;
    });
  }

  private async ruleLines(): Promise<string[]> {
    return (await this.run(['rule', 'show'])).split('\n').map((line) => line.trimEnd());
  }

  private warnOnce(key: string, obj: object, msg: string): void {
    if (this.warned.get(key) === msg) return;
    this.warned.set(key, msg);
    this.opts.logger?.warn(obj, msg);
  }
}

/** Classifies the first line of `ip route get <ip>` (or "error <text>" when it failed). */
export function parseRouteGet(output: string): Reach {
  const line = output.split('\n')[0].trim();
  if (line.startsWith('error ')) return { kind: 'unusable', why: line.slice('error '.length) };
  if (line.startsWith('local ')) return { kind: 'local' };
  const via = / via (\S+)/.exec(line)?.[1];
  if (via) return { kind: 'unusable', why: `it is reached through the router ${via}` };
  const dev = / dev (\S+)/.exec(line)?.[1];
  const type = line.split(' ')[0];
  if (!dev || ['unreachable', 'blackhole', 'prohibit', 'throw', 'broadcast', 'multicast'].includes(type)) {
    return { kind: 'unusable', why: `no direct route (${line || 'none'})` };
  }
  if (dev === 'lo' || /^hale[0-9a-f]{8}$/.test(dev)) return { kind: 'unusable', why: `it is routed to ${dev}` };
  return { kind: 'on-link', dev };
}

/** Lines of `ip route show proto N ...`: "PREFIX via IP dev DEV ...". */
export function parseProtoRoutes(output: string): InstalledRoute[] {
  const routes: InstalledRoute[] = [];
  for (const line of output.split('\n')) {
    const m = /^(\d+\.\d+\.\d+\.\d+\/\d+) via (\S+) dev (\S+)/.exec(line.trim());
    if (m) routes.push({ prefix: m[1], via: m[2], dev: m[3] });
  }
  return routes;
}

/** Peer addresses of the bridge's `to <ip> iif <bridge> lookup main` rules. */
export function bridgePeerRules(rules: string[], bridge: string): string[] {
  const re = new RegExp(`^${POD_RULE_PRIORITY}:\\s+from all to (\\d+\\.\\d+\\.\\d+\\.\\d+) iif ${bridge}( \\[detached\\])? lookup main$`);
  return rules.flatMap((line) => re.exec(line)?.[1] ?? []);
}

/** Devices with an `iif <dev> to <podCidr> lookup main` rule (the uplinks, not our bridge). */
export function uplinkRules(rules: string[], podCidr: string, bridge: string): string[] {
  const re = new RegExp(
    `^${POD_RULE_PRIORITY}:\\s+from all to ${podCidr.replaceAll('.', '\\.')} iif (\\S+)( \\[detached\\])? lookup main$`,
  );
  return [...new Set(rules.flatMap((line) => re.exec(line)?.[1] ?? []))].filter((dev) => dev !== bridge);
}

/** The uplink's `iif <dev> unreachable` rule: Hale's restriction, and its record that it turned forwarding on. */
function hasDenyRule(rules: string[], dev: string): boolean {
  return rules.some(
    (line) => line === `${DENY}:\tfrom all iif ${dev} unreachable` || line === `${DENY}:\tfrom all iif ${dev} [detached] unreachable`,
  );
}

function isIpv4(text: string): boolean {
  try {
    parseIpv4(text);
    return true;
  } catch {
    return false;
  }
}

/** True when `cidr` is a valid IPv4 range inside `outer` (and not wider than it). */
export function cidrInside(cidr: string, outer: string): boolean {
  const parse = (text: string) => {
    const [addr, bits, ...rest] = text.split('/');
    const prefix = Number(bits);
    if (rest.length || !Number.isInteger(prefix) || prefix < 0 || prefix > 32 || !isIpv4(addr)) return undefined;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return { network: parseIpv4(addr), mask, prefix };
  };
  const inner = parse(cidr);
  const o = parse(outer);
  if (!inner || !o || inner.prefix < o.prefix) return false;
  return (inner.network & inner.mask) >>> 0 === inner.network && (inner.network & o.mask) >>> 0 === (o.network & o.mask) >>> 0;
}

function errorText(err: Error): string {
  return err instanceof IpCommandError ? err.stderr.trim() : err.message;
}
