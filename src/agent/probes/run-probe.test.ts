import assert from 'node:assert/strict';
import http from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ExecResult, Runtime } from '../runtime/runtime.ts';
import { type ProbeAttempt, runProbe } from './run-probe.ts';

/** A Runtime whose only working method is execSync, answering from a table. */
function fakeExecRuntime(
  answer: (argv: string[], timeoutMs: number) => ExecResult | Error,
): Runtime & { calls: { id: string; argv: string[]; timeoutMs: number }[] } {
  const calls: { id: string; argv: string[]; timeoutMs: number }[] = [];
  const runtime = {
    calls,
    async execSync(id: string, argv: string[], timeoutMs: number) {
      calls.push({ id, argv, timeoutMs });
      const res = answer(argv, timeoutMs);
      if (res instanceof Error) throw res;
      return res;
    },
  };
  return runtime as unknown as Runtime & { calls: typeof calls };
}

const pod = { metadata: { name: 'web-0', namespace: 'default', uid: 'u1' } };
let httpPort = 0;
const seenPaths: string[] = [];
const server = http.createServer((req, res) => {
  seenPaths.push(req.url ?? '');
  if (req.url === '/fail') {
    res.writeHead(500);
    res.end('secret details');
  } else if (req.url === '/elsewhere') {
    res.writeHead(302, { Location: 'http://other.example/' });
    res.end('go away');
  } else res.end('healthy');
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  httpPort = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const env = (runtime: Runtime = fakeExecRuntime(() => new Error('unused'))) => ({ runtime, userAgent: 'kube-probe/1.33' });
const attempt = (probe: Record<string, any>, container: Record<string, any> = { name: 'web' }): ProbeAttempt => ({
  probe,
  pod,
  container,
  containerId: 'c1',
  podIP: '127.0.0.1',
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('exec probes', () => {
  test('exit 0 is success, anything else a failure with the output', async () => {
    const runtime = fakeExecRuntime((argv) =>
      argv[0] === 'ok'
        ? { exitCode: 0, stdout: 'fine', stderr: '', timedOut: false }
        : { exitCode: 1, stdout: 'out ', stderr: 'err', timedOut: false },
    );
    assert.deepEqual(await runProbe(attempt({ exec: { command: ['ok'] } }), env(runtime), 1000), { result: 'success', output: 'fine' });
    assert.deepEqual(await runProbe(attempt({ exec: { command: ['bad', 'x'] } }), env(runtime), 1000), {
      result: 'failure',
      output: 'out err',
    });
    assert.deepEqual(runtime.calls[1], { id: 'c1', argv: ['bad', 'x'], timeoutMs: 1000 });
  });

  test('a timed-out command fails with the kubelet message', async () => {
    const runtime = fakeExecRuntime(() => ({ exitCode: 137, stdout: '', stderr: '', timedOut: true }));
    assert.deepEqual(await runProbe(attempt({ exec: { command: ['sh', '-c', 'sleep 5'] } }), env(runtime), 1000), {
      result: 'failure',
      output: 'command "sh -c sleep 5" timed out',
    });
  });

  test('a runtime error is an unknown result, not a failure', async () => {
    const runtime = fakeExecRuntime(() => new Error('container "c1" is not running'));
    assert.deepEqual(await runProbe(attempt({ exec: { command: ['true'] } }), env(runtime), 1000), {
      result: 'unknown',
      output: '',
      error: 'container "c1" is not running',
    });
  });
});

describe('httpGet probes', () => {
  test('2xx is success; a named port resolves through the container spec', async () => {
    const container = { name: 'web', ports: [{ name: 'http', containerPort: httpPort }] };
    assert.deepEqual(await runProbe(attempt({ httpGet: { path: '/healthz', port: 'http' } }, container), env(), 1000), {
      result: 'success',
      output: 'healthy',
    });
    assert.ok(seenPaths.includes('/healthz'));
  });

  test('an error status fails without echoing the body', async () => {
    assert.deepEqual(await runProbe(attempt({ httpGet: { path: '/fail', port: httpPort } }), env(), 1000), {
      result: 'failure',
      output: 'HTTP probe failed with statuscode: 500',
    });
  });

  test('a redirect to another host is a warning (still a success)', async () => {
    assert.deepEqual(await runProbe(attempt({ httpGet: { path: '/elsewhere', port: httpPort } }), env(), 1000), {
      result: 'warning',
      output: 'Probe terminated redirects, Response body: go away',
    });
  });

  test('a connection refused is a failure with Go’s text', async () => {
    const port = await freePort();
    const outcome = await runProbe(attempt({ httpGet: { path: '/healthz', port } }), env(), 1000);
    assert.deepEqual(outcome, {
      result: 'failure',
      output: `Get "http://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  test('a port name the container does not declare is an error', async () => {
    assert.deepEqual(await runProbe(attempt({ httpGet: { port: 'http' } }), env(), 1000), {
      result: 'unknown',
      output: '',
      error: 'strconv.Atoi: parsing "http": invalid syntax',
    });
  });
});

describe('tcpSocket probes', () => {
  test('an open port is success, a closed one a failure', async () => {
    assert.deepEqual(await runProbe(attempt({ tcpSocket: { port: httpPort } }), env(), 1000), { result: 'success', output: '' });
    const port = await freePort();
    assert.deepEqual(await runProbe(attempt({ tcpSocket: { port } }), env(), 1000), {
      result: 'failure',
      output: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });
});

test('a probe without a handler is an error naming the pod and container', async () => {
  assert.deepEqual(await runProbe(attempt({ periodSeconds: 1 }), env(), 1000), {
    result: 'unknown',
    output: '',
    error: 'missing probe handler for web-0_default(u1):web',
  });
});
