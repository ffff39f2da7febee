import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ExecResult, Runtime } from '../runtime/runtime.ts';
import { createHookRunner } from './hooks.ts';
import type { HookContext } from './types.ts';

function fakeExecRuntime(answer: (argv: string[]) => ExecResult | Error) {
  const calls: { id: string; argv: string[]; timeoutMs: number }[] = [];
  const runtime = {
    async execSync(id: string, argv: string[], timeoutMs: number) {
      calls.push({ id, argv, timeoutMs });
      const res = answer(argv);
      if (res instanceof Error) throw res;
      return res;
    },
  } as unknown as Runtime;
  return { runtime, calls };
}

const requests: http.IncomingMessage[] = [];
const server = http.createServer((req, res) => {
  requests.push(req);
  res.writeHead(req.url === '/broken' ? 500 : 200);
  res.end();
});
let port = 0;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const ctx = (container: Record<string, any> = {}): HookContext => ({
  pod: { metadata: { name: 'web-0', namespace: 'default', uid: 'u1' } },
  container: { name: 'web', ...container },
  containerId: 'c1',
  podIP: '127.0.0.1',
});

describe('exec hooks', () => {
  test('exit 0 succeeds; the command runs in the container with the time allowed', async () => {
    const { runtime, calls } = fakeExecRuntime(() => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }));
    const run = createHookRunner({ runtime });
    assert.deepEqual(await run({ exec: { command: ['sh', '-c', 'touch /ready'] } }, ctx(), 30_000), { ok: true, message: '' });
    assert.deepEqual(calls, [{ id: 'c1', argv: ['sh', '-c', 'touch /ready'], timeoutMs: 30_000 }]);
  });

  test('a non-zero exit fails with the kubelet message', async () => {
    const { runtime } = fakeExecRuntime(() => ({ exitCode: 3, stdout: 'partial', stderr: 'boom', timedOut: false }));
    const res = await createHookRunner({ runtime })({ exec: { command: ['sh', '-c', 'exit 3'] } }, ctx(), 1000);
    assert.deepEqual(res, {
      ok: false,
      message:
        'Exec lifecycle hook ([sh -c exit 3]) for Container "web" in Pod "web-0_default(u1)" failed - error: command \'sh -c exit 3\' exited with 3: boom, message: "partialboom"',
    });
  });

  test('a timeout and a runtime error fail', async () => {
    const timedOut = fakeExecRuntime(() => ({ exitCode: 137, stdout: '', stderr: '', timedOut: true }));
    const res = await createHookRunner({ runtime: timedOut.runtime })({ exec: { command: ['sleep', '60'] } }, ctx(), 10);
    assert.equal(res.ok, false);
    assert.match(res.message, /error: command "sleep 60" timed out/);
    const broken = fakeExecRuntime(() => new Error('container not running'));
    const res2 = await createHookRunner({ runtime: broken.runtime })({ exec: { command: ['true'] } }, ctx(), 10);
    assert.match(res2.message, /failed - error: container not running, message: ""$/);
  });

  test('no time limit when none is given', async () => {
    const { runtime, calls } = fakeExecRuntime(() => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }));
    await createHookRunner({ runtime })({ exec: { command: ['true'] } }, ctx(), 0);
    assert.ok(calls[0].timeoutMs > 24 * 3600 * 1000);
  });
});

describe('httpGet hooks', () => {
  const { runtime } = fakeExecRuntime(() => new Error('unused'));
  const run = createHookRunner({ runtime });

  test('sends a GET to the pod IP with the lifecycle User-Agent and the user headers', async () => {
    requests.length = 0;
    const res = await run(
      { httpGet: { path: '/shutdown', port: 'admin', httpHeaders: [{ name: 'X-Reason', value: 'stop' }] } },
      ctx({ ports: [{ name: 'admin', containerPort: port }] }),
      1000,
    );
    assert.deepEqual(res, { ok: true, message: '' });
    assert.equal(requests.length, 1);
    assert.equal(requests[0].url, '/shutdown');
    assert.equal(requests[0].headers['user-agent'], 'kube-lifecycle/1.33');
    assert.equal(requests[0].headers['x-reason'], 'stop');
  });

  test('like the kubelet, an error status does not fail the hook', async () => {
    assert.deepEqual(await run({ httpGet: { path: '/broken', port } }, ctx(), 1000), { ok: true, message: '' });
  });

  test('an HTTPS hook answered in plain HTTP is retried over HTTP', async () => {
    requests.length = 0;
    const res = await run({ httpGet: { path: '/tls', port, scheme: 'HTTPS' } }, ctx(), 1000);
    assert.deepEqual(res, { ok: true, message: '' });
    assert.equal(requests.at(-1)?.url, '/tls');
  });

  test('a connection error fails with the kubelet message', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    assert.deepEqual(await run({ httpGet: { path: '/stop', port: freePort } }, ctx(), 1000), {
      ok: false,
      message: `HTTP lifecycle hook (/stop) for Container "web" in Pod "web-0_default(u1)" failed - error: Get "http://127.0.0.1:${freePort}/stop": dial tcp 127.0.0.1:${freePort}: connect: connection refused`,
    });
  });

  test('an unknown port name fails', async () => {
    const res = await run({ httpGet: { path: '/stop', port: 'nope' } }, ctx(), 1000);
    assert.equal(res.ok, false);
    assert.match(res.message, /failed - error: strconv\.Atoi: parsing "nope": invalid syntax$/);
  });
});

describe('sleep hooks and unsupported handlers', () => {
  const { runtime } = fakeExecRuntime(() => new Error('unused'));
  // One "second" lasts 5 ms here.
  const run = createHookRunner({ runtime, secondMs: 5 });

  test('sleep waits and succeeds within the time allowed', async () => {
    assert.deepEqual(await run({ sleep: { seconds: 2 } }, ctx(), 1000), { ok: true, message: '' });
    assert.deepEqual(await run({ sleep: { seconds: 0 } }, ctx(), 1000), { ok: true, message: '' });
  });

  test('sleep longer than the time allowed fails', async () => {
    assert.deepEqual(await run({ sleep: { seconds: 100 } }, ctx(), 20), {
      ok: false,
      message:
        'Sleep lifecycle hook (100) for Container "web" in Pod "web-0_default(u1)" failed - error: container terminated before sleep hook finished',
    });
  });

  test('tcpSocket (accepted by the API, never supported) cannot run', async () => {
    const res = await run({ tcpSocket: { port: 80 } }, ctx(), 1000);
    assert.equal(res.ok, false);
    assert.match(res.message, /^Cannot run handler: invalid handler: /);
  });
});
