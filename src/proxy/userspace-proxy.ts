// The userspace proxy mode: a TCP server or UDP socket per virtual address (ClusterIP:port,
// every node address at the NodePort, LoadBalancer IP:port) relaying to a chosen endpoint.
// Works without root for NodePorts; ClusterIPs need the local route installed by
// service-routes.ts to be bindable. A TCP backend that refuses or cannot be reached is
// replaced by the next candidate before the client sees anything. An address whose route has
// no endpoint is not listened on, so that the kernel refuses new traffic as kube-proxy's
// REJECT rule for a Service without endpoints does: RST to a TCP SYN (ECONNREFUSED), ICMP
// port unreachable to a UDP datagram. TCP connections already relayed keep going; UDP flows
// end with their socket (kube-proxy too clears the conntrack entries of gone UDP endpoints).
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { AffinityTable, type RandomSource, weightedOrder } from './endpoint-picker.ts';
import type { ProxyEndpoint, ProxyProtocol, ProxyServicePort } from './service-table.ts';

export interface ProxyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Where a listener sends its traffic; replaced in place on every sync. */
interface Route {
  endpoints: ProxyEndpoint[];
  affinity?: AffinityTable;
}

interface Listener {
  protocol: ProxyProtocol;
  host: string;
  port: number;
  route: Route;
  close(): void;
}

const UDP_SESSION_IDLE_MS = 30_000;
/**
 * Each UDP client flow holds a socket (a file descriptor) until it has been quiet for
 * UDP_SESSION_IDLE_MS. Nearly every DNS lookup is a flow of its own, so without a bound a
 * busy resolver would run the process out of descriptors: past this many flows per listener,
 * the least recently used one is closed (its next datagram simply opens a new flow).
 */
const MAX_UDP_SESSIONS_PER_LISTENER = 512;
const CONNECT_TIMEOUT_MS = 3_000;

export interface UserspaceProxyOptions {
  logger: ProxyLogger;
  random?: RandomSource;
}

export class UserspaceProxy {
  private readonly listeners = new Map<string, Listener>();
  private readonly affinities = new Map<string, AffinityTable>();
  private readonly failedBinds = new Set<string>();
  private readonly random: RandomSource;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: UserspaceProxyOptions) {
    this.random = opts.random ?? Math.random;
  }

  /** Makes the listeners match the table: opens new ones, closes gone ones, re-routes the rest. */
  async apply(ports: readonly ProxyServicePort[]): Promise<void> {
    const wanted = new Map<string, { protocol: ProxyProtocol; host: string; port: number; route: Route }>();
    const want = (protocol: ProxyProtocol, host: string, port: number, route: Route) => {
      // No endpoint: no listener, so the kernel refuses new connections (rather than the
      // proxy accepting and then resetting them) and answers datagrams with port unreachable
      // (rather than the proxy dropping them); a Service that never had endpoints and one
      // that lost them alike. Closing a TCP listener leaves the connections it already
      // accepted to their relays.
      if (route.endpoints.length === 0) return;
      wanted.set(listenerKey(protocol, host, port), { protocol, host, port, route });
    };
    const affinitiesInUse = new Set<string>();
    for (const sp of ports) {
      let affinity: AffinityTable | undefined;
      if (sp.affinityTimeoutSeconds !== undefined) {
        const key = `${sp.id}/${sp.protocol}/${sp.affinityTimeoutSeconds}`;
        affinity = this.affinities.get(key) ?? new AffinityTable(sp.affinityTimeoutSeconds);
        this.affinities.set(key, affinity);
        affinitiesInUse.add(key);
      }
      const cluster: Route = { endpoints: sp.clusterEndpoints, affinity };
      const external: Route = { endpoints: sp.externalEndpoints, affinity };
      for (const ip of sp.clusterIPs) want(sp.protocol, ip, sp.port, cluster);
      if (sp.nodePort) want(sp.protocol, '0.0.0.0', sp.nodePort, external);
      for (const ip of sp.loadBalancerIPs) want(sp.protocol, ip, sp.port, external);
    }
    for (const key of this.affinities.keys()) if (!affinitiesInUse.has(key)) this.affinities.delete(key);
    for (const [key, listener] of this.listeners) {
      if (!wanted.has(key)) {
        listener.close();
        this.listeners.delete(key);
      }
    }
    const opening: Promise<void>[] = [];
    for (const [key, want] of wanted) {
      const existing = this.listeners.get(key);
      if (existing) {
        existing.route = want.route;
        continue;
      }
      opening.push(
        this.open(want.protocol, want.host, want.port, want.route).then(
          (listener) => {
            this.listeners.set(key, listener);
            this.failedBinds.delete(key);
          },
          (err: NodeJS.ErrnoException) => {
            // Retried on the next sync; warned about once.
            if (!this.failedBinds.has(key)) this.opts.logger.warn({ listen: key, err: err.message }, 'cannot listen for a service');
            this.failedBinds.add(key);
          },
        ),
      );
    }
    await Promise.all(opening);
  }

  /** The addresses currently listened on ("TCP 10.43.0.5:80"; none for a route without endpoints), for tests and logs. */
  listening(): string[] {
    return [...this.listeners.keys()].sort();
  }

  async stop(): Promise<void> {
    for (const listener of this.listeners.values()) listener.close();
    this.listeners.clear();
    for (const socket of this.sockets) socket.destroy();
  }

  private open(protocol: ProxyProtocol, host: string, port: number, route: Route): Promise<Listener> {
    return protocol === 'TCP' ? this.openTcp(host, port, route) : this.openUdp(host, port, route);
  }

  private openTcp(host: string, port: number, route: Route): Promise<Listener> {
    const listener: Listener = { protocol: 'TCP', host, port, route, close: () => server.close() };
    const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => this.relayTcp(client, listener.route));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.opts.logger.warn({ host, port, err: err.message }, 'service listener failed'));
        resolve(listener);
      });
    });
  }

  private relayTcp(client: Socket, route: Route): void {
    this.track(client);
    client.on('error', () => client.destroy());
    const clientIp = normalizeIp(client.remoteAddress ?? '');
    let candidates = weightedOrder(route.endpoints, this.random);
    if (route.affinity) candidates = route.affinity.prefer(clientIp, candidates);
    const tryNext = (i: number) => {
      if (client.destroyed) return;
      if (i >= candidates.length) {
        // Every backend refused or timed out (or the last endpoint went between the accept and
        // the sync that closes this listener): the connection is accepted already, so a reset
        // is the nearest to a refusal left.
        client.resetAndDestroy();
        return;
      }
      const endpoint = candidates[i];
      const backend = connect({ host: endpoint.ip, port: endpoint.port, allowHalfOpen: true });
      backend.setTimeout(CONNECT_TIMEOUT_MS, () => backend.destroy(new Error('connect timeout')));
      const onConnectError = () => {
        backend.destroy();
        tryNext(i + 1);
      };
      backend.once('error', onConnectError);
      backend.once('connect', () => {
        backend.off('error', onConnectError);
        if (client.destroyed) {
          // The client gave up while we were connecting.
          backend.destroy();
          return;
        }
        backend.setTimeout(0);
        backend.setNoDelay(true);
        client.setNoDelay(true);
        this.track(backend);
        route.affinity?.record(clientIp, endpoint);
        backend.on('error', () => client.resetAndDestroy());
        client.on('error', () => backend.resetAndDestroy());
        client.on('close', () => backend.destroy());
        backend.on('close', () => client.destroy());
        client.pipe(backend);
        backend.pipe(client);
        client.resume();
      });
    };
    tryNext(0);
  }

  private openUdp(host: string, port: number, route: Route): Promise<Listener> {
    const socket: UdpSocket = createSocket({ type: 'udp4', reuseAddr: false });
    const sessions = new Map<string, UdpSession>();
    const listener: Listener = {
      protocol: 'UDP',
      host,
      port,
      route,
      close: () => {
        for (const s of sessions.values()) s.close();
        sessions.clear();
        socket.close();
      },
    };
    socket.on('message', (msg: Buffer, from: RemoteInfo) => {
      const key = `${from.address}:${from.port}`;
      let session = sessions.get(key);
      if (session) {
        // Most recently used last: the Map's order is the eviction order.
        sessions.delete(key);
        sessions.set(key, session);
      } else {
        if (sessions.size >= MAX_UDP_SESSIONS_PER_LISTENER) sessions.values().next().value?.close();
        let candidates = weightedOrder(listener.route.endpoints, this.random);
        if (listener.route.affinity) candidates = listener.route.affinity.prefer(from.address, candidates);
        const endpoint = candidates[0];
        if (!endpoint) return;
        listener.route.affinity?.record(from.address, endpoint);
        session = new UdpSession(
          endpoint,
          (reply) => {
            try {
              socket.send(reply, from.port, from.address);
            } catch {
              // The listener closed (Service removed): the reply is dropped, as UDP allows.
            }
          },
          () => {
            if (sessions.get(key) === session) sessions.delete(key);
          },
        );
        sessions.set(key, session);
      }
      session.send(msg);
    });
    socket.on('error', (err) => this.opts.logger.warn({ host, port, err: err.message }, 'udp service listener failed'));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve(listener);
      });
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}

/** One client's flow to one endpoint: a connected socket, closed after a quiet period. */
class UdpSession {
  private readonly upstream = createSocket('udp4');
  private connected = false;
  private closed = false;
  private readonly pending: Buffer[] = [];
  private idle?: NodeJS.Timeout;

  constructor(
    endpoint: ProxyEndpoint,
    reply: (msg: Buffer) => void,
    private readonly onClose: () => void,
  ) {
    this.upstream.on('message', (msg) => {
      this.touch();
      reply(msg);
    });
    this.upstream.on('error', () => this.close());
    this.upstream.connect(endpoint.port, endpoint.ip, () => {
      if (this.closed) return;
      this.connected = true;
      for (const msg of this.pending.splice(0)) this.upstream.send(msg);
    });
  }

  send(msg: Buffer): void {
    if (this.closed) return;
    this.touch();
    if (this.connected) this.upstream.send(msg);
    else this.pending.push(msg);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idle);
    try {
      this.upstream.close();
    } catch {
      // Already closed.
    }
    this.onClose();
  }

  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), UDP_SESSION_IDLE_MS);
    this.idle.unref();
  }
}

function listenerKey(protocol: ProxyProtocol, host: string, port: number): string {
  return `${protocol} ${host}:${port}`;
}

/** "::ffff:10.0.0.1" → "10.0.0.1". */
function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
