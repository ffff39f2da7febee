import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeHealthCheckResponse, encodeHealthCheckRequest, grpcHealthCheck } from './grpc-health.ts';

/** A minimal grpc.health.v1 server: service name → serving status; "slow" never answers. */
const statuses: Record<string, number> = { '': 1, web: 1, db: 2 };
const seenUserAgents: string[] = [];
const server = http2.createServer();
let port = 0;

function frame(body: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

/** Service name from a framed HealthCheckRequest (field 1, short strings only). */
function serviceOf(data: Buffer): string {
  const body = data.subarray(5);
  return body.length === 0 ? '' : body.subarray(2, 2 + body[1]).toString('utf8');
}

server.on('stream', (stream, headers) => {
  seenUserAgents.push(String(headers['user-agent']));
  if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown method' },
      { endStream: true },
    );
    return;
  }
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    const service = serviceOf(Buffer.concat(chunks));
    if (service === 'slow') return;
    if (service === 'unimplemented') {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown%20service' },
        { endStream: true },
      );
      return;
    }
    if (!(service in statuses)) {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'unknown service' },
        { endStream: true },
      );
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(frame(Buffer.from([0x08, statuses[service]])));
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('protobuf framing', () => {
  test('encodes HealthCheckRequest with and without a service name', () => {
    assert.deepEqual([...encodeHealthCheckRequest('')], [0, 0, 0, 0, 0]);
    assert.deepEqual([...encodeHealthCheckRequest('ab')], [0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
  });

  test('decodes the status and skips unknown fields', () => {
    assert.equal(decodeHealthCheckResponse(frame(Buffer.from([0x08, 2]))), 2);
    // field 2 (length-delimited "x") before field 1
    assert.equal(decodeHealthCheckResponse(frame(Buffer.from([0x12, 1, 0x78, 0x08, 1]))), 1);
    assert.equal(decodeHealthCheckResponse(frame(Buffer.alloc(0))), 0);
    assert.throws(() => decodeHealthCheckResponse(Buffer.from([0, 0])), /no message/);
  });
});

describe('grpcHealthCheck', () => {
  test('SERVING is healthy and the kubelet User-Agent is sent', async () => {
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', port, '', 1000, 'kube-probe/1.33'), { ok: true, message: 'service healthy' });
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', port, 'web', 1000, 'kube-probe/1.33'), { ok: true, message: 'service healthy' });
    assert.ok(seenUserAgents.includes('kube-probe/1.33'));
  });

  test('NOT_SERVING is a failure with the status name', async () => {
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', port, 'db', 1000, 'kube-probe/1.33'), {
      ok: false,
      message: 'service unhealthy (responded with "NOT_SERVING")',
    });
  });

  test('gRPC errors and a missing health service', async () => {
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', port, 'nope', 1000, 'kube-probe/1.33'), {
      ok: false,
      message: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service',
    });
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', port, 'unimplemented', 1000, 'kube-probe/1.33'), {
      ok: false,
      message: 'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service',
    });
  });

  test('an RPC that does not finish in time', async () => {
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', port, 'slow', 50, 'kube-probe/1.33'), {
      ok: false,
      message: 'timeout: health rpc did not complete within 50ms',
    });
  });

  /** A port nobody listens on (it was free a moment ago). */
  async function closedPort(): Promise<number> {
    const probe = http2.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const free = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    return free;
  }

  test('a refused connection is retried until the timeout, which is what fails, as the kubelet says', async () => {
    const freePort = await closedPort();
    assert.deepEqual(await grpcHealthCheck('127.0.0.1', freePort, '', 300, 'kube-probe/1.33'), {
      ok: false,
      message: `timeout: failed to connect service "127.0.0.1:${freePort}" within 300ms: context deadline exceeded`,
    });
  });

  test('a server that starts listening within the timeout is reached by a retried connect', async () => {
    const freePort = await closedPort();
    const late = http2.createServer();
    late.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame(Buffer.from([0x08, 1])));
    });
    // Listening well before the first retry (gRPC's back-off: 1 s), well within the 5 s timeout.
    const listening = new Promise<void>((resolve) => setTimeout(() => late.listen(freePort, '127.0.0.1', resolve), 100));
    try {
      assert.deepEqual(await grpcHealthCheck('127.0.0.1', freePort, '', 5000, 'kube-probe/1.33'), { ok: true, message: 'service healthy' });
    } finally {
      await listening;
      await new Promise((resolve) => late.close(resolve));
    }
  });
});
