// The cluster DNS server's sockets: one UDP and one TCP listener on the same address and
// port. Each query is answered from the cluster zone when the name is ours, else forwarded
// upstream (SERVFAIL when no upstream answers). Bad packets get FORMERR or are dropped;
// nothing a client sends can stop the server.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Logger } from 'pino';
import type { AllowedClients } from './allowed-clients.ts';
import type { ClusterZone } from './cluster-zone.ts';
import type { DnsMetrics } from './dns-metrics.ts';
import type { UpstreamForwarder } from './upstream-forwarder.ts';

export interface DnsServerOptions {
  zone: ClusterZone;
  forwarder?: UpstreamForwarder;
  /** False until the cluster caches are filled: queries get SERVFAIL (clients retry) rather than wrong NXDOMAINs. */
  isReady?: () => boolean;
  /** Clients outside these get REFUSED (all clients are served when omitted). */
  allowedClients?: AllowedClients;
  logger?: Pick<Logger, 'warn' | 'debug'>;
  metrics?: DnsMetrics;
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const RCODE_NAMES = Object.fromEntries(Object.entries(RCODE).map(([name, code]) => [code, name])) as Record<number, string>;
const CLASSIC_UDP_SIZE = 512;
const MAX_TCP_MESSAGE = 65535;
const TCP_IDLE_MS = 10_000;

export class DnsServer {
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly connections = new Set<Socket>();

  constructor(private readonly opts: DnsServerOptions) {}

  /** Listens on host:port for UDP and TCP; port 0 picks one free for both. */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    for (let attempt = 0; ; attempt++) {
      const udpPort = await this.listenUdp(host, port);
      try {
        await this.listenTcp(host, udpPort);
        return { host, port: udpPort };
      } catch (err) {
        // With port 0 the UDP port may be taken for TCP: close and pick another pair.
        await this.closeUdp();
        if (port !== 0 || attempt >= 10 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await this.closeUdp();
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
    this.tcp = undefined;
  }

  /** The response bytes for one query message (exported for tests through handle()). */
  async handle(query: Buffer, overTcp: boolean, maxUdpSize = CLASSIC_UDP_SIZE): Promise<Buffer | undefined> {
    const reply = await this.answer(query, overTcp, maxUdpSize);
    if (reply && reply.length >= 4) this.opts.metrics?.response(RCODE_NAMES[reply[3] & 0xf] ?? String(reply[3] & 0xf));
    return reply;
  }

  private async answer(query: Buffer, overTcp: boolean, maxUdpSize: number): Promise<Buffer | undefined> {
    let request: dnsPacket.Packet;
    try {
      request = dnsPacket.decode(query);
    } catch {
      return query.length >= 12 ? errorReply(query.readUInt16BE(0), RCODE.FORMERR) : undefined;
    }
    if (request.type === 'response') return undefined; // never answer answers
    const id = request.id ?? 0;
    const recursionDesired = (request.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    const opcode = ((request.flags ?? 0) >> 11) & 0xf;
    if (opcode !== 0) return errorReply(id, RCODE.NOTIMP, request.questions);
    const questions = request.questions ?? [];
    if (questions.length !== 1) return errorReply(id, RCODE.FORMERR, questions);
    const question = questions[0];
    const edns = request.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
    this.opts.metrics?.request(overTcp ? 'tcp' : 'udp', question.type);

    if (this.opts.isReady && !this.opts.isReady()) return errorReply(id, RCODE.SERVFAIL, questions, recursionDesired);
    let zoneAnswer: Awaited<ReturnType<ClusterZone['answer']>>;
    try {
      zoneAnswer = await this.opts.zone.answer(question);
    } catch (err) {
      this.opts.logger?.warn({ err, name: question.name }, 'answering a cluster DNS query failed');
      return errorReply(id, RCODE.SERVFAIL, questions);
    }
    if (!zoneAnswer) {
      const forwarded = await this.opts.forwarder?.forward(query, overTcp);
      this.opts.metrics?.forwarded(forwarded !== undefined);
      return forwarded ?? errorReply(id, RCODE.SERVFAIL, questions, recursionDesired);
    }

    const response: dnsPacket.Packet = {
      type: 'response',
      id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | recursionDesired | RCODE[zoneAnswer.rcode],
      questions,
      answers: zoneAnswer.answers,
      authorities: zoneAnswer.authorities,
      additionals: [...zoneAnswer.additionals, ...(edns ? [ednsRecord()] : [])],
    };
    const bytes = dnsPacket.encode(response);
    const limit = overTcp ? MAX_TCP_MESSAGE : Math.max(CLASSIC_UDP_SIZE, Math.min(edns?.udpPayloadSize ?? CLASSIC_UDP_SIZE, maxUdpSize));
    if (bytes.length <= limit) return bytes;
    // Too big for this transport: an empty truncated answer tells the client to retry over TCP.
    return dnsPacket.encode({
      ...response,
      flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
      answers: [],
      authorities: [],
      additionals: edns ? [ednsRecord()] : [],
    });
  }

  private listenUdp(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
      socket.once('error', reject);
      socket.on('message', (msg, remote) => {
        if (this.opts.allowedClients && !this.opts.allowedClients.allows(remote.address)) {
          if (msg.length >= 12) socket.send(errorReply(msg.readUInt16BE(0), RCODE.REFUSED), remote.port, remote.address);
          return;
        }
        void this.handle(msg, false, 4096).then(
          (reply) => {
            if (reply && this.udp === socket) socket.send(reply, remote.port, remote.address);
          },
          (err) => this.opts.logger?.warn({ err }, 'DNS query failed'),
        );
      });
      socket.bind(port, host, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.opts.logger?.warn({ err }, 'DNS UDP socket error'));
        this.udp = socket;
        resolve(socket.address().port);
      });
    });
  }

  private listenTcp(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer((conn) => this.serveTcp(conn));
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        this.tcp = server;
        resolve();
      });
    });
  }

  /** TCP carries length-prefixed messages; one connection may send several. */
  private serveTcp(conn: Socket): void {
    if (this.opts.allowedClients && !this.opts.allowedClients.allows(conn.remoteAddress ?? '')) {
      conn.destroy();
      return;
    }
    this.connections.add(conn);
    conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
    conn.on('close', () => this.connections.delete(conn));
    conn.on('error', () => conn.destroy());
    let buffered = Buffer.alloc(0);
    conn.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + message.length);
        void this.handle(message, true).then(
          (reply) => {
            if (!reply || conn.destroyed) return;
            const length = Buffer.alloc(2);
            length.writeUInt16BE(reply.length);
            conn.write(Buffer.concat([length, reply]));
          },
          (err) => this.opts.logger?.warn({ err }, 'DNS query failed'),
        );
      }
    });
  }

  private closeUdp(): Promise<void> {
    const socket = this.udp;
    this.udp = undefined;
    return new Promise((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
  }
}

function ednsRecord(): dnsPacket.OptAnswer {
  return { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
}

function errorReply(id: number, rcode: number, questions: dnsPacket.Question[] = [], recursionDesired = 0): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id,
    flags: dnsPacket.RECURSION_AVAILABLE | recursionDesired | rcode,
    questions,
  });
}
