import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { resources } from '../client/resources.ts';
import { RestClient } from '../client/rest-client.ts';
import { startServer } from './start-server.ts';

test('in-process clients reach the API server through its Unix socket, not the TCP port', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hale-start-server-'));
  const socketPath = join(dataDir, 'apiserver.sock');
  const server = await startServer({
    dataDir,
    port: 0,
    bind: '127.0.0.1',
    disableAgent: true,
    disableClusterDns: true,
    datastoreEndpoint: 'memory://',
    insecureHttp: false,
    logLevel: 'silent',
    out: new PassThrough(),
  });
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(statSync(socketPath).mode & 0o777, 0o600);
    // The controller manager holds watches open; none of them is on the TCP port.
    const tcpConnections = await new Promise<number>((resolve, reject) =>
      server.api.httpServer.getConnections((err, count) => (err ? reject(err) : resolve(count))),
    );
    assert.equal(tcpConnections, 0);
    const client = new RestClient({ server: server.url, token: server.adminToken }, { socketPath });
    try {
      const ns = await client.get(resources.namespaces, undefined, 'kube-system');
      assert.equal(ns.metadata?.name, 'kube-system');
    } finally {
      client.close();
    }
  } finally {
    await server.stop();
    assert.equal(existsSync(socketPath), false);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
