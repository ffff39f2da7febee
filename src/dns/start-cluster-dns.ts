// Assembles the cluster DNS server run by the control plane: informers on Services,
// EndpointSlices and Pods → the cluster zone → UDP/TCP listeners, names outside the zone
// forwarded to the host's resolvers, and the kube-system/kube-dns Service kept pointing here.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { InformerFactory } from '../client/informer-factory.ts';
import type { RestClient } from '../client/rest-client.ts';
import { AllowedClients } from './allowed-clients.ts';
import { ClusterZone } from './cluster-zone.ts';
import { DnsMetrics } from './dns-metrics.ts';
import { DnsServer } from './dns-server.ts';
import { InformerDnsSource } from './dns-source.ts';
import { ensureKubeDnsObjects } from './kube-dns-service.ts';
import { parseResolvConf } from './resolv-conf-file.ts';
import { parseUpstream, UpstreamForwarder } from './upstream-forwarder.ts';

/**
 * Default listen address: the host's primary address, port 53. Not a wildcard: a socket on
 * 0.0.0.0:53 would keep the userspace service proxy from binding ClusterIP:53 of kube-dns
 * (and of any other Service on port 53), and would expose the resolver on every interface.
 */
export const DEFAULT_DNS_LISTEN = 'node-ip:53';
/** TTL of every cluster record, CoreDNS' default in k3s. */
export const CLUSTER_DNS_TTL_SECONDS = 5;

export interface ClusterDnsOptions {
  client: RestClient;
  /** ClusterIP of kube-system/kube-dns (--cluster-dns). */
  clusterIP: string;
  /** --cluster-domain. */
  domain: string;
  /** host:port to listen on (--cluster-dns-listen); port 53 falls back to a free port when taken. */
  listen: string;
  /** Where the upstream resolvers are read from (default /etc/resolv.conf). */
  hostResolvConfPath?: string;
  upstreamTimeoutMs?: number;
  /** Ranges allowed to query besides loopback, private ranges and the host's addresses. */
  allowedCidrs?: string[];
  nodeName?: string;
  /** Where the DNS metrics go (the API server's /metrics). */
  metricsRegistry?: Registry;
  logger: Logger;
}

export interface RunningClusterDns {
  /** Where the server listens (host as given) and the address published in kube-dns' endpoints. */
  host: string;
  port: number;
  advertisedAddress: string;
  stop(): Promise<void>;
}

const REPUBLISH_INTERVAL_MS = 30_000;

/** "node-ip:53" (the host's primary address), "127.0.0.1:0", "[::1]:53", "0.0.0.0:5353" → host and port. */
export function parseListenAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text.trim());
  const given = m ? (m[1] ?? m[2]) : '';
  const host = given === 'node-ip' ? advertisedAddressFor('0.0.0.0') : given;
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !isIP(host) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid DNS listen address "${text}": want IP:PORT or node-ip:PORT, e.g. 127.0.0.1:53`);
  }
  return { host, port };
}

/**
 * The address pods are sent to: the listen address itself, or for a wildcard listener the
 * host's first non-loopback IPv4 address (reachable from pod namespaces through their
 * bridge gateway, and from the host network), else loopback.
 */
export function advertisedAddressFor(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(veth|hale)/.test(name)) continue;
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return host === '::' ? '::1' : '127.0.0.1';
}

function readUpstreams(path: string, clusterIP: string, logger: Logger): UpstreamForwarder['upstreams'] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    logger.warn({ err, path }, 'cannot read the host resolv.conf: names outside the cluster domain will get SERVFAIL');
  }
  // Never forward to ourselves (a host whose resolv.conf already points at the cluster DNS).
  return parseResolvConf(text)
    .nameservers.filter((ns) => ns !== clusterIP)
    .map(parseUpstream)
    .filter((u) => u !== undefined);
}

export async function startClusterDns(opts: ClusterDnsOptions): Promise<RunningClusterDns> {
  const logger = opts.logger;
  const listen = parseListenAddress(opts.listen);
  const factory = new InformerFactory(opts.client, { logger });
  const source = new InformerDnsSource(factory);
  factory.start();

  const forwarder = new UpstreamForwarder(
    readUpstreams(opts.hostResolvConfPath ?? '/etc/resolv.conf', opts.clusterIP, logger),
    opts.upstreamTimeoutMs,
  );
  const zone = new ClusterZone(
    source,
    { domain: opts.domain, dnsIp: opts.clusterIP, ttl: CLUSTER_DNS_TTL_SECONDS, serial: Math.floor(Date.now() / 1000) },
    (name, type) => forwarder.lookup(name, type),
  );
  const server = new DnsServer({
    zone,
    forwarder,
    allowedClients: new AllowedClients(opts.allowedCidrs),
    isReady: () => source.hasSynced(),
    metrics: new DnsMetrics(opts.metricsRegistry),
    logger,
  });
  let bound: { host: string; port: number };
  try {
    bound = await server.listen(listen.host, listen.port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (listen.port !== 53 || (code !== 'EACCES' && code !== 'EADDRINUSE')) {
      await factory.stop();
      throw err;
    }
    // Port 53 needs root and may be taken (another resolver, another Hale): the Service's
    // targetPort follows the port we get, so pods still reach us through the ClusterIP.
    bound = await server.listen(listen.host, 0);
    logger.warn({ code, port: bound.port }, 'cluster DNS could not listen on port 53; listening on a free port instead');
  }
  const advertisedAddress = advertisedAddressFor(bound.host);
  logger.info({ listen: `${bound.host}:${bound.port}`, advertised: advertisedAddress, domain: opts.domain }, 'cluster DNS listening');

  const target = { clusterIP: opts.clusterIP, address: advertisedAddress, port: bound.port, nodeName: opts.nodeName };
  const publish = () =>
    ensureKubeDnsObjects(opts.client, target, logger).then(
      (changed) => changed.length && logger.info({ changed }, 'published Service kube-system/kube-dns'),
      (err) => logger.warn({ err }, 'could not publish Service kube-system/kube-dns; retrying'),
    );
  await publish();
  // Someone may delete or edit the objects; put them back now and then.
  const republish = setInterval(() => void publish(), REPUBLISH_INTERVAL_MS);
  republish.unref();

  return {
    host: bound.host,
    port: bound.port,
    advertisedAddress,
    async stop() {
      clearInterval(republish);
      await server.close();
      await factory.stop();
    },
  };
}
