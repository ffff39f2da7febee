// Probes and hooks against real containers of the process runtime: exec runs inside the
// container, httpGet reaches an app bound to the pod's own loopback address.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHookRunner } from '../lifecycle/hooks.ts';
import { ProcessRuntime } from '../runtime/process/process-runtime.ts';
import { ensureShimBuilt } from '../runtime/process/shim.ts';
import type { ContainerConfig } from '../runtime/runtime.ts';
import { ProbeManager } from './prober.ts';
import { runProbe } from './run-probe.ts';
import { tcpConnect } from './tcp-socket.ts';
import type { ProbeTransition } from './types.ts';

const root = mkdtempSync(join(tmpdir(), 'hale-probes-'));
const podCidr = `127.${201 + (process.pid % 50)}.0.0/16`;
let runtime: ProcessRuntime;
let sandboxId = '';
let podIP = '';
let sleeperId = '';
let webId = '';
const pod = { metadata: { name: 'web-0', namespace: 'default', uid: 'uid-probes' } };

function config(name: string, argv: string[], env: { name: string; value: string }[] = []): ContainerConfig {
  return {
    name,
    attempt: 0,
    image: 'node',
    argv,
    env,
    mounts: [],
    logPath: join(root, 'logs', `${name}.log`),
    tty: false,
    stdin: false,
    stdinOnce: false,
    resources: {},
    labels: {},
    annotations: {},
  };
}

before(async () => {
  runtime = new ProcessRuntime({ rootDir: join(root, 'state'), shimPath: ensureShimBuilt(), cgroups: false, podCidr, exitPollMs: 100 });
  sandboxId = await runtime.runPodSandbox({
    podUid: 'uid-probes',
    name: 'web-0',
    namespace: 'default',
    attempt: 0,
    hostname: 'web-0',
    logDirectory: join(root, 'logs'),
    labels: {},
    annotations: {},
  });
  podIP = (await runtime.podSandboxStatus(sandboxId))!.ip;
  sleeperId = await runtime.createContainer(sandboxId, config('sleeper', ['sleep', '60']));
  await runtime.startContainer(sleeperId);
  const server =
    "require('http').createServer((q, s) => { s.statusCode = q.url === '/healthz' ? 200 : 500; s.end(); }).listen(8080, process.env.POD_IP)";
  webId = await runtime.createContainer(sandboxId, config('web', [process.execPath, '-e', server], [{ name: 'POD_IP', value: podIP }]));
  await runtime.startContainer(webId);
  // The app must listen before the probes start, or liveness could see "connection refused".
  for (let i = 0; i < 500 && !(await tcpConnect(podIP, 8080, 1000)).ok; i++) await new Promise((r) => setTimeout(r, 20));
});

after(async () => {
  await runtime.removePodSandbox(sandboxId).catch(() => {});
  runtime.close();
  rmSync(root, { recursive: true, force: true });
});

describe('exec probes in a process container', () => {
  const attempt = (command: string[]) => ({
    probe: { exec: { command } },
    pod,
    container: { name: 'sleeper' },
    containerId: sleeperId,
    podIP,
  });

  test('exit codes and output', async () => {
    assert.equal((await runProbe(attempt(['true']), { runtime, userAgent: 'kube-probe/1.33' }, 5000)).result, 'success');
    assert.deepEqual(await runProbe(attempt(['sh', '-c', 'echo not yet; exit 1']), { runtime, userAgent: 'kube-probe/1.33' }, 5000), {
      result: 'failure',
      output: 'not yet\n',
    });
  });

  test('timeouts', async () => {
    assert.deepEqual(await runProbe(attempt(['sleep', '5']), { runtime, userAgent: 'kube-probe/1.33' }, 100), {
      result: 'failure',
      output: 'command "sleep 5" timed out',
    });
  });
});

describe('httpGet on the pod IP', () => {
  test('readiness and liveness of an app bound to its pod address', async () => {
    const prober = new ProbeManager({ runtime, secondMs: 20 });
    // The prober's timers do not keep a process alive (the agent's API connections do); here, this does.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      const transitions: ProbeTransition[] = [];
      const liveFailed = new Promise<void>((resolve) =>
        prober.onTransition((t) => {
          transitions.push(t);
          if (t.probe === 'liveness') resolve();
        }),
      );
      prober.addContainer({
        pod,
        container: {
          name: 'web',
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, timeoutSeconds: 50 },
          livenessProbe: { httpGet: { path: '/broken', port: 8080 }, periodSeconds: 1, timeoutSeconds: 50, failureThreshold: 2 },
        },
        containerId: webId,
        podIP,
        startedAt: new Date(),
      });
      await liveFailed;
      assert.equal(prober.isReady(webId), true);
      const readiness = transitions.find((t) => t.probe === 'readiness');
      assert.equal(readiness?.result, 'success');
      const liveness = transitions.find((t) => t.probe === 'liveness');
      assert.equal(liveness?.message, 'HTTP probe failed with statuscode: 500');
    } finally {
      clearInterval(keepAlive);
      prober.stop();
    }
  });
});

describe('hooks in a process container', () => {
  test('an exec hook runs inside the container', async () => {
    const hooks = createHookRunner({ runtime });
    const ctx = { pod, container: { name: 'sleeper' }, containerId: sleeperId, podIP };
    assert.deepEqual(await hooks({ exec: { command: ['sh', '-c', 'echo started > marker'] } }, ctx, 5000), { ok: true, message: '' });
    const check = await runtime.execSync(sleeperId, ['cat', 'marker'], 5000);
    assert.equal(check.stdout, 'started\n');
    const failed = await hooks({ exec: { command: ['sh', '-c', 'exit 2'] } }, ctx, 5000);
    assert.equal(failed.ok, false);
    assert.match(
      failed.message,
      /^Exec lifecycle hook \(\[sh -c exit 2\]\) for Container "sleeper" in Pod "web-0_default\(uid-probes\)" failed - error: command 'sh -c exit 2' exited with 2: /,
    );
  });
});
