// A minimal HTTPS client for load generation: one keep-alive agent, raw bodies, and the
// time from sending the request to the last byte of the response. Hale's RestClient does
// more per call (decoding, errors); here the client should cost as little as possible.
import { Agent, request } from 'node:https';

export interface BenchResponse {
  status: number;
  body: Buffer;
  /** Send → last response byte, milliseconds. */
  ms: number;
}

export interface BenchHttpOptions {
  baseUrl: string;
  token: string;
  caPem: string;
  /** Upper bound on open connections (one per request in flight). */
  maxSockets: number;
}

export class BenchHttpClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(private readonly opts: BenchHttpOptions) {
    this.url = new URL(opts.baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets, ca: opts.caPem });
  }

  request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<BenchResponse> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers: {
            Authorization: `Bearer ${this.opts.token}`,
            Accept: 'application/json',
            'User-Agent': 'hale-bench',
            ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Opens `count` connections up front so TLS handshakes do not land in measurements. */
  async warmUp(count: number, path = '/version'): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.request('GET', path)));
  }

  close(): void {
    this.agent.destroy();
  }
}
