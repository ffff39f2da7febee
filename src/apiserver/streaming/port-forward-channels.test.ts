// client-node's PortForward speaks the kubelet's WebSocket channel protocol (v4.channel.k8s.io):
// the port as two little-endian bytes opens channels 0 and 1, data flows on channel 0, a
// failure is text on channel 1.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import pino from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { bridgeChannelPortForward, portForwardPorts } from './port-forward-channels.ts';

const logger = pino({ level: 'silent' });

async function listen(onConnection: (ws: WebSocket) => void): Promise<{ url: string; close: () => void }> {
  const server = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: (p) => (p.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
  });
  server.on('connection', onConnection);
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

async function frames(ws: WebSocket, count: number): Promise<Buffer[]> {
  const got: Buffer[] = [];
  return new Promise((resolve) => {
    ws.on('message', (m: Buffer) => {
      got.push(m);
      if (got.length === count) resolve(got);
    });
  });
}

test('ports come from the ports query, repeated or comma separated', () => {
  assert.deepEqual(portForwardPorts(new URLSearchParams('ports=8080')), [8080]);
  assert.deepEqual(portForwardPorts(new URLSearchParams('ports=80,443&ports=9090')), [80, 443, 9090]);
  assert.throws(() => portForwardPorts(new URLSearchParams('')), /"ports" is required/);
  assert.throws(() => portForwardPorts(new URLSearchParams('ports=x')), /invalid port "x"/);
});

test('each port opens its data and error channels with the port number, then carries bytes both ways', async () => {
  const agent = await listen((ws) => ws.on('message', (m: Buffer) => ws.send(Buffer.from(m.toString().toUpperCase()))));
  const dialed: number[] = [];
  const front = await listen((ws) =>
    bridgeChannelPortForward(
      ws,
      [8080],
      async (port) => {
        dialed.push(port);
        const ws = new WebSocket(agent.url);
        await new Promise((resolve) => ws.once('open', resolve));
        return ws;
      },
      logger,
    ),
  );
  const client = new WebSocket(front.url, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  const first = frames(client, 3);
  await new Promise((resolve) => client.once('open', resolve));
  assert.equal(client.protocol, 'v4.channel.k8s.io');
  client.send(Buffer.from([0, ...Buffer.from('hello')]));
  const [data, error, echoed] = await first;
  assert.deepEqual([...data], [0, 0x90, 0x1f], 'port 8080, little-endian, on the data channel');
  assert.deepEqual([...error], [1, 0x90, 0x1f], 'and on the error channel');
  assert.deepEqual(echoed, Buffer.from([0, ...Buffer.from('HELLO')]));
  assert.deepEqual(dialed, [8080]);
  client.close();
  front.close();
  agent.close();
});

test('a port that cannot be reached is reported on the error channel and the socket closes', async () => {
  const front = await listen((ws) =>
    bridgeChannelPortForward(
      ws,
      [5432],
      async () => {
        throw new Error('connection refused');
      },
      logger,
    ),
  );
  const client = new WebSocket(front.url, ['v4.channel.k8s.io']);
  const got = frames(client, 3);
  const closed = new Promise((resolve) => client.once('close', resolve));
  const [, , error] = await got;
  assert.equal(error[0], 1);
  assert.equal(error.subarray(1).toString(), 'connection refused');
  await closed;
  front.close();
});
