// One watch connection for fan-out benchmarks: records, per resourceVersion, when its
// event arrived. Each listener has its own connection, like separate informers.
import { request } from 'node:https';

export interface WatchListenerOptions {
  baseUrl: string;
  token: string;
  caPem: string;
  /** e.g. /api/v1/namespaces/x/configmaps?watch=1&resourceVersion=123 */
  path: string;
}

export class WatchListener {
  /** resourceVersion → performance.now() when the event's bytes arrived. */
  readonly arrivals = new Map<number, number>();
  /** Resolves once the server has answered with the 200 and the stream is open. */
  readonly opened: Promise<void>;
  private closeRequest: () => void = () => {};

  constructor(opts: WatchListenerOptions) {
    const url = new URL(opts.baseUrl);
    this.opened = new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: opts.path,
          ca: opts.caPem,
          agent: false,
          headers: { Authorization: `Bearer ${opts.token}`, Accept: 'application/json', 'User-Agent': 'hale-bench-watch' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`watch answered ${res.statusCode}`));
            res.resume();
            return;
          }
          let partial = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const arrivedAt = performance.now();
            const lines = (partial + chunk).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines) this.noteEvent(line, arrivedAt);
          });
          res.on('error', () => {});
          resolve();
        },
      );
      req.on('error', reject);
      req.end();
      this.closeRequest = () => req.destroy();
    });
  }

  private noteEvent(line: string, arrivedAt: number): void {
    // A regex instead of JSON.parse: the benchmark client shares the CPU with the server,
    // and these objects hold no other "resourceVersion" key.
    const rv = /"resourceVersion":"(\d+)"/.exec(line)?.[1];
    if (rv !== undefined && !line.startsWith('{"type":"BOOKMARK"')) this.arrivals.set(Number(rv), arrivedAt);
  }

  close(): void {
    this.closeRequest();
  }
}
