import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { agentWorkerOptions, NodeAgentThread, startNodeAgentThread } from './agent-thread.ts';
import type { AgentWorkerData } from './agent-worker.ts';

const workerData: AgentWorkerData = {
  client: { config: { server: 'http://127.0.0.1:1' }, options: {} },
  logLevel: 'silent',
  agent: { nodeName: 'thread-test', dataDir: '/nonexistent', agentToken: 't' },
};

/** A stand-in agent worker: CommonJS source run on a real thread, speaking agent-worker.ts's messages. */
const fake = (source: string) => () => new Worker(`const { parentPort } = require('node:worker_threads');\n${source}`, { eval: true });

function recordingLogger() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  return {
    lines,
    info: (obj: object, msg: string) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    error: (obj: object, msg: string) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

test('the agent runs on its own thread: start reports its port, stop waits for the agent to stop', { timeout: 10_000 }, async () => {
  const agent = await startNodeAgentThread({
    workerData,
    logger: recordingLogger(),
    spawnWorker: fake(`
      parentPort.postMessage({ kind: 'started', agentPort: 4321 });
      parentPort.on('message', (m) => {
        if (m.op === 'stop') setTimeout(() => parentPort.postMessage({ kind: 'stopped', error: 'stop reached the agent' }), 20);
      });`),
  });
  assert.equal(agent.agentPort, 4321);
  // The stand-in answers the stop request with an error, so this proves it was asked and awaited.
  await assert.rejects(agent.stop(), /stop reached the agent/);
});

test("an agent that fails to start rejects with the agent's own error", { timeout: 10_000 }, async () => {
  await assert.rejects(
    startNodeAgentThread({
      workerData,
      logger: recordingLogger(),
      spawnWorker: fake(`parentPort.postMessage({ kind: 'failed', error: 'listen EADDRINUSE: address already in use :::10250' });`),
    }),
    /EADDRINUSE/,
  );
});

test('a thread that ends before its agent started rejects', { timeout: 10_000 }, async () => {
  await assert.rejects(startNodeAgentThread({ workerData, logger: recordingLogger(), spawnWorker: fake('process.exit(3);') }), /code 3/);
});

test('a thread that crashes after start is logged as an error and started again', { timeout: 10_000 }, async () => {
  const logger = recordingLogger();
  let spawned = 0;
  const thread = new NodeAgentThread({
    workerData,
    logger,
    restartBackoff: { initialMs: 1, maxMs: 1, resetAfterMs: 60_000 },
    spawnWorker: () => {
      spawned++;
      return spawned === 1
        ? fake(`
            parentPort.postMessage({ kind: 'started', agentPort: 1001 });
            setTimeout(() => { throw new Error('agent bug'); }, 20);`)()
        : fake(`
            parentPort.postMessage({ kind: 'started', agentPort: 1002 });
            parentPort.on('message', () => { parentPort.postMessage({ kind: 'stopped' }); parentPort.close(); });`)();
    },
  });
  await thread.start();
  assert.equal(thread.agentPort, 1001);
  await until(() => thread.agentPort === 1002, 'the restarted agent');
  const crash = logger.lines.find((l) => l.level === 'error');
  assert.match(crash?.msg ?? '', /node agent thread crashed/);
  assert.match(String((crash?.obj.err as Error | undefined)?.message), /agent bug/);
  assert.ok(logger.lines.some((l) => l.level === 'info' && l.msg === 'node agent thread restarted'));
  await thread.stop();
  assert.equal(spawned, 2);
});

test('the real agent worker loads (through tsx) and reports a failing runNodeAgent', { timeout: 30_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hale-agent-thread-'));
  try {
    await assert.rejects(
      startNodeAgentThread({
        workerData: { ...workerData, agent: { ...workerData.agent, dataDir, networkMode: 'host', podCidr: 'not-a-cidr' } },
        logger: recordingLogger(),
      }),
      (err: Error) => /not-a-cidr/.test(err.message) && !/exited with code/.test(err.message),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("an agent thread's end leaves alone the fds its sockets closed, whose numbers the main thread reuses", {
  timeout: 10_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-agent-fds-'));
  const fifo = join(dir, 'stdin');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const kept: number[] = [];
  try {
    // As attach does: a FIFO opened with fs.openSync, handed to a socket, closed by the socket.
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const { openSync, constants } = require('node:fs');
       const { Socket } = require('node:net');
       const fd = openSync(workerData.fifo, constants.O_WRONLY | constants.O_NONBLOCK);
       const socket = new Socket({ fd, readable: false, writable: true });
       socket.on('close', () => parentPort.postMessage(fd));
       socket.destroy();
       parentPort.on('message', () => parentPort.close());`,
      { ...agentWorkerOptions({ ...workerData, fifo } as AgentWorkerData), eval: true },
    );
    const [closedFd] = (await once(worker, 'message')) as [number];
    // The lowest free number is handed out: the main thread gets the socket's old one.
    while (!kept.includes(closedFd) && kept.length < 100) kept.push(openSync(join(dir, `file-${kept.length}`), 'w'));
    assert.ok(kept.includes(closedFd), `the main thread reused fd ${closedFd}`);
    worker.postMessage('end');
    await once(worker, 'exit');
    assert.doesNotThrow(() => fstatSync(closedFd), 'the main thread still owns its fd');
  } finally {
    for (const fd of kept) closeSync(fd);
    closeSync(reader);
    rmSync(dir, { recursive: true, force: true });
  }
});
