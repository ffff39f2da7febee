// The agent server over the real process runtime: a container that logs and serves TCP on
// its pod IP, reached through container logs, exec and port-forward.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { Channel, V5_PROTOCOL } from '../../apiserver/streaming/channel-protocol.ts';
import { ProcessRuntime } from '../runtime/process/process-runtime.ts';
import { ensureShimBuilt } from '../runtime/process/shim.ts';
import { PORT_FORWARD_AGENT_PROTOCOL } from './agent-protocol.ts';
import { type AgentServer, startAgentServer } from './agent-server.ts';

const TOKEN = 'join-token';
const serverScript =
  "require('net').createServer({allowHalfOpen:true},s=>s.pipe(s)).listen(8080,process.env.POD_IP,()=>console.log('listening'))";

describe('agent server over the process runtime', () => {
  let root: string;
  let runtime: ProcessRuntime;
  let server: AgentServer;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'hale-agent-process-'));
    runtime = new ProcessRuntime({
      rootDir: join(root, 'state'),
      shimPath: ensureShimBuilt(),
      cgroups: false,
      podCidr: `127.${151 + (process.pid % 50)}.0.0/16`,
      exitPollMs: 100,
    });
    const logDir = join(root, 'logs');
    const sandboxId = await runtime.runPodSandbox({
      podUid: 'uid-web',
      name: 'web',
      namespace: 'default',
      attempt: 0,
      hostname: 'web',
      logDirectory: logDir,
      labels: {},
      annotations: {},
    });
    const id = await runtime.createContainer(sandboxId, {
      name: 'main',
      attempt: 0,
      image: 'node',
      argv: [process.execPath, '-e', serverScript],
      env: [],
      mounts: [],
      logPath: join(logDir, 'main', '0.log'),
      tty: false,
      stdin: false,
      stdinOnce: false,
      resources: {},
      labels: {},
      annotations: {},
    });
    await runtime.startContainer(id);
    server = await startAgentServer({ runtime, token: TOKEN, port: 0, bind: '127.0.0.1', dataDir: root });
  });

  after(async () => {
    await server?.stop();
    for (const s of (await runtime?.listPodSandboxes()) ?? []) await runtime.removePodSandbox(s.id).catch(() => {});
    runtime?.close();
    rmSync(root, { recursive: true, force: true });
  });

  function logs(): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(`https://127.0.0.1:${server.port}/containerLogs/default/web/main`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
        rejectUnauthorized: false,
      });
      req.on('response', async (res) => {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        resolve(Buffer.concat(chunks).toString());
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

  test('logs, exec and port-forward reach the container', async () => {
    const deadline = Date.now() + 10_000;
    let text = '';
    while (!text.includes('listening') && Date.now() < deadline) {
      text = await logs();
      if (!text.includes('listening')) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(text, 'listening\n');

    const exec = await open('/exec/default/web/main?command=sh&command=-c&command=echo%20%24POD_IP%3B%20exit%205&stdout=true', V5_PROTOCOL);
    const out = new Map<number, string>();
    exec.on('message', (d: Buffer) => out.set(d[0], (out.get(d[0]) ?? '') + d.subarray(1).toString()));
    await new Promise((resolve) => exec.once('close', resolve));
    assert.match(out.get(Channel.Stdout) ?? '', /^127\.\d+\.\d+\.\d+\n$/);
    assert.deepEqual(JSON.parse(out.get(Channel.Error)!).details.causes, [{ reason: 'ExitCode', message: '5' }]);

    const pf = await open('/portForward/default/web?port=8080', PORT_FORWARD_AGENT_PROTOCOL);
    const echoed: Buffer[] = [];
    pf.on('message', (d: Buffer) => echoed.push(d));
    const closed = new Promise((resolve) => pf.once('close', resolve));
    pf.send(Buffer.from('ping through the pod'));
    pf.send(Buffer.alloc(0));
    await closed;
    assert.equal(Buffer.concat(echoed).toString(), 'ping through the pod');
  });
});
