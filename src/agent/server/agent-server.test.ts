// The agent server on its own, driven the way the API server drives it: HTTPS for logs and
// WebSockets (v5 channels for exec, raw bytes for port-forward), with a fake runtime.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { Channel, channelFrame, closeSignal, V5_PROTOCOL } from '../../apiserver/streaming/channel-protocol.ts';
import { PORT_FORWARD_AGENT_PROTOCOL } from './agent-protocol.ts';
import { type AgentServer, startAgentServer } from './agent-server.ts';
import { FakeStreamingRuntime } from './testing/fake-streaming-runtime.ts';

const TOKEN = 'join-token';

describe('agent server', () => {
  let root: string;
  let runtime: FakeStreamingRuntime;
  let server: AgentServer;
  let echo: Server;
  let echoPort: number;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'hale-agent-server-'));
    runtime = new FakeStreamingRuntime({ namespace: 'ns', name: 'web' });
    mkdirSync(join(root, 'logs'));
    const logPath = join(root, 'logs', '0.log');
    writeFileSync(logPath, '2026-01-01T00:00:00Z stdout F hello\n');
    runtime.addContainer({ id: 'c1', name: 'main', attempt: 0, state: 'running', logPath });
    server = await startAgentServer({ runtime, token: TOKEN, port: 0, bind: '127.0.0.1', dataDir: root });
    // Half-closing echo: answers after the client stopped sending.
    echo = createServer({ allowHalfOpen: true }, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('end', () => socket.end(Buffer.concat(chunks).toString().toUpperCase()));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as { port: number }).port;
  });

  after(async () => {
    echo.close();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  function get(path: string, token = TOKEN): Promise<{ code: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`https://127.0.0.1:${server.port}${path}`, {
        headers: { Authorization: `Bearer ${token}` },
        rejectUnauthorized: false,
      });
      req.on('response', async (res) => {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
      });
      req.on('error', reject);
      req.end();
    });
  }

  function open(path: string, protocol: string): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${server.port}${path}`, [protocol], {
        headers: { Authorization: `Bearer ${TOKEN}` },
        rejectUnauthorized: false,
      });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  test('serves logs only with the join token', async () => {
    assert.equal((await get('/containerLogs/ns/web/main', 'wrong')).code, 401);
    const ok = await get('/containerLogs/ns/web/main?timestamps=true');
    assert.equal(ok.code, 200);
    assert.equal(ok.body, '2026-01-01T00:00:00Z hello\n');
  });

  test('log errors are Status objects with the kubelet wording', async () => {
    const previous = await get('/containerLogs/ns/web/main?previous=true');
    assert.equal(previous.code, 400);
    assert.equal(JSON.parse(previous.body).message, 'previous terminated container "main" in pod "web" not found');
    assert.equal((await get('/containerLogs/ns/web/other')).code, 404);
    const bad = await get('/containerLogs/ns/web/main?tailLines=-2');
    assert.equal(bad.code, 400);
    assert.match(JSON.parse(bad.body).message, /tailLines/);
  });

  test('exec: stdin with the v5 close signal, output channels, exit status, then close 1000', async () => {
    const query = new URLSearchParams([
      ['command', 'sh'],
      ['command', '-c'],
      ['command', 'cat; echo oops >&2; exit 7'],
      ['stdin', 'true'],
      ['stdout', 'true'],
      ['stderr', 'true'],
    ]);
    const ws = await open(`/exec/ns/web/main?${query}`, V5_PROTOCOL);
    assert.equal(ws.protocol, V5_PROTOCOL);
    const channels = new Map<number, string>();
    ws.on('message', (data: Buffer) => channels.set(data[0], (channels.get(data[0]) ?? '') + data.subarray(1).toString()));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send(channelFrame(Channel.Stdin, 'piped\n'));
    ws.send(closeSignal(Channel.Stdin));
    assert.equal(await closed, 1000);
    assert.equal(channels.get(Channel.Stdout), 'piped\n');
    assert.equal(channels.get(Channel.Stderr), 'oops\n');
    const status = JSON.parse(channels.get(Channel.Error)!);
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '7' }]);
  });

  test('exec of a missing program reports a failure status', async () => {
    const ws = await open('/exec/ns/web/main?command=/no/such/program&stdout=true', V5_PROTOCOL);
    let status = '';
    ws.on('message', (data: Buffer) => {
      if (data[0] === Channel.Error) status += data.subarray(1).toString();
    });
    await new Promise((resolve) => ws.once('close', resolve));
    assert.equal(JSON.parse(status).status, 'Failure');
  });

  test('exec into an unknown container is refused before the upgrade', async () => {
    await assert.rejects(open('/exec/ns/web/nope?command=true&stdout=true', V5_PROTOCOL), /HTTP 404/);
  });

  test('port-forward: bytes both ways and half-close as an empty message', async () => {
    const ws = await open(`/portForward/ns/web?port=${echoPort}`, PORT_FORWARD_AGENT_PROTOCOL);
    const chunks: Buffer[] = [];
    let sawEmpty = false;
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) sawEmpty = true;
      else chunks.push(data);
    });
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.send(Buffer.from('shout '));
    ws.send(Buffer.from('this'));
    ws.send(Buffer.alloc(0));
    await closed;
    assert.equal(Buffer.concat(chunks).toString(), 'SHOUT THIS');
    assert.ok(sawEmpty, 'the end of the pod side is signalled');
  });

  test('port-forward to a closed port is an HTTP error', async () => {
    const closedServer = createServer();
    await new Promise<void>((resolve) => closedServer.listen(0, '127.0.0.1', resolve));
    const port = (closedServer.address() as { port: number }).port;
    await new Promise((resolve) => closedServer.close(resolve));
    await assert.rejects(open(`/portForward/ns/web?port=${port}`, PORT_FORWARD_AGENT_PROTOCOL), /HTTP 500/);
  });
});
