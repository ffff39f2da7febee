// Prometheus metrics of the cluster DNS server, named after CoreDNS' (coredns_dns_requests_total,
// coredns_dns_responses_total, coredns_forward_requests_total) with Hale's prefix. They go
// into the registry the server is given (the API server's /metrics in `hale server`).
import { Counter, type Registry } from 'prom-client';

export class DnsMetrics {
  private readonly requests: Counter<'proto' | 'type'>;
  private readonly responses: Counter<'rcode'>;
  private readonly forwards: Counter<'result'>;

  constructor(registry?: Registry) {
    const registers = registry ? [registry] : [];
    this.requests = new Counter({
      name: 'hale_dns_requests_total',
      help: 'Counter of DNS requests, by transport and query type.',
      labelNames: ['proto', 'type'],
      registers,
    });
    this.responses = new Counter({
      name: 'hale_dns_responses_total',
      help: 'Counter of DNS responses, by response code.',
      labelNames: ['rcode'],
      registers,
    });
    this.forwards = new Counter({
      name: 'hale_dns_forward_requests_total',
      help: 'Counter of queries forwarded to the upstream resolvers, by outcome (answered or failed).',
      labelNames: ['result'],
      registers,
    });
  }

  request(proto: 'udp' | 'tcp', type: string): void {
    this.requests.inc({ proto, type });
  }
  response(rcode: string): void {
    this.responses.inc({ rcode });
  }
  forwarded(answered: boolean): void {
    this.forwards.inc({ result: answered ? 'answered' : 'failed' });
  }
}
