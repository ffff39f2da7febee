// Sends queries for names outside the cluster domain to the host's resolvers (the
// nameservers of its resolv.conf, as CoreDNS' `forward . /etc/resolv.conf`), one after the
// other, each with a timeout. No answer from any of them means SERVFAIL for the client.
import { createSocket } from 'node:dgram';
import { isIP, Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';

export interface Upstream {
  host: string;
  port: number;
}

/** "10.0.0.2", "10.0.0.2:5353", "[fd00::1]:53" or "fd00::1" → host and port. */
export function parseUpstream(text: string): Upstream | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return isIP(bracketed[1]) ? { host: bracketed[1], port: Number(bracketed[2] ?? 53) } : undefined;
  if (isIP(text)) return { host: text, port: 53 };
  const hostPort = /^([^:]+):(\d+)$/.exec(text);
  if (hostPort && isIP(hostPort[1]) === 4) return { host: hostPort[1], port: Number(hostPort[2]) };
  return undefined;
}

export class UpstreamForwarder {
  constructor(
    readonly upstreams: Upstream[],
    private readonly timeoutMs = 2000,
  ) {}

  /** The first upstream's reply to the raw query, or undefined when none answered in time. */
  async forward(query: Buffer, overTcp: boolean): Promise<Buffer | undefined> {
    for (const upstream of this.upstreams) {
      const reply = await (overTcp ? this.exchangeTcp(upstream, query) : this.exchangeUdp(upstream, query)).catch(() => undefined);
      if (reply && reply.length >= 2 && reply.readUInt16BE(0) === query.readUInt16BE(0)) return reply;
    }
    return undefined;
  }

  /** Resolves one name upstream (to complete ExternalName CNAME chains); [] when that fails. */
  async lookup(name: string, type: 'A' | 'AAAA'): Promise<dnsPacket.Answer[]> {
    const id = Math.floor(Math.random() * 65536);
    const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] });
    const reply = await this.forward(query, false);
    if (!reply) return [];
    try {
      return dnsPacket.decode(reply).answers ?? [];
    } catch {
      return [];
    }
  }

  private exchangeUdp(upstream: Upstream, query: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(isIP(upstream.host) === 6 ? 'udp6' : 'udp4');
      let finished = false;
      const done = (err: Error | undefined, reply?: Buffer) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        socket.close();
        if (err) reject(err);
        else resolve(reply!);
      };
      const timer = setTimeout(() => done(new Error(`no answer from ${upstream.host}:${upstream.port}`)), this.timeoutMs);
      socket.on('error', (err) => done(err));
      socket.on('message', (msg) => {
        if (msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(undefined, msg);
      });
      socket.send(query, upstream.port, upstream.host);
    });
  }

  private exchangeTcp(upstream: Upstream, query: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      let received = Buffer.alloc(0);
      let finished = false;
      const done = (err: Error | undefined, reply?: Buffer) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        socket.destroy();
        if (err) reject(err);
        else resolve(reply!);
      };
      const timer = setTimeout(() => done(new Error(`no answer from ${upstream.host}:${upstream.port}`)), this.timeoutMs);
      socket.on('error', (err) => done(err));
      socket.on('data', (chunk) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0))
          done(undefined, received.subarray(2, 2 + received.readUInt16BE(0)));
      });
      socket.on('end', () => done(new Error('upstream closed the connection')));
      socket.connect(upstream.port, upstream.host, () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(query.length);
        socket.write(Buffer.concat([length, query]));
      });
    });
  }
}
