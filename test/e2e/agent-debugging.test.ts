// Debugging a pod end to end with the real kubectl 1.27 (SPDY) and 1.33 (WebSockets) against a
// real `hale server` running its embedded agent with the process runtime: logs (--tail,
// --timestamps, --previous after a restart), exec with exit codes and stdin, port-forward to
// the app, cp of a file out of the pod, debug (an ephemeral container), and top.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, type HaleServer, type KubectlVersion, kubectlPath, startHale, stopHaleWithPods } from './harness.ts';

const flakyServer = resolve(fileURLToPath(import.meta.url), '../../apps/flaky-server.js');
// A word on each app's command line so this file's processes can be found on the host.
const marker = `hale-debugging-e2e-${process.pid}`;

interface Pod {
  status: { podIP?: string; containerStatuses?: { restartCount: number; ready: boolean; containerID?: string }[] };
}

// Each start logs a fresh boot id first, so the previous run's log differs from the current one.
const podYaml = `apiVersion: v1
kind: Pod
metadata:
  name: debug-me
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: hale.local/flaky-server
    command: ["sh", "-c", "echo boot $(cat /proc/sys/kernel/random/uuid); exec ${process.execPath} ${flakyServer} ${marker}"]
    env: [{name: PORT, value: "8080"}]
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
`;

/** Starts `kubectl port-forward` and resolves with the local port once it forwards, plus a stop. */
async function portForward(hale: HaleServer, version: KubectlVersion, target: string, remotePort: number) {
  const child = spawn(
    kubectlPath(version),
    ['--kubeconfig', hale.kubeconfig, '--cache-dir', join(hale.dataDir, 'kube-cache'), 'port-forward', target, `:${remotePort}`],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: hale.dataDir, KUBECONFIG: '' } },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let output = '';
  const localPort = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`port-forward did not start:\n${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d;
      const m = /Forwarding from 127\.0\.0\.1:(\d+) -> \d+/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`port-forward exited with ${code}:\n${output}`));
    });
  });
  return {
    localPort,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('debugging pods with kubectl and the process runtime', () => {
  let hale: HaleServer;

  const k = async (version: KubectlVersion, args: string[], opts: { stdin?: string; expectFail?: boolean } = {}) => {
    const r = await hale.kubectl(version, args, opts);
    if (!opts.expectFail && r.code !== 0) assert.fail(`kubectl.${version} ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    if (opts.expectFail && r.code === 0) assert.fail(`kubectl.${version} ${args.join(' ')} should have failed:\n${r.stdout}`);
    return r;
  };
  const getPod = async (): Promise<Pod> => JSON.parse((await k('1.33', ['get', 'pod', 'debug-me', '-o', 'json'])).stdout) as Pod;
  const waitPod = (check: (pod: Pod) => boolean) =>
    eventually(
      async () => {
        const pod = await getPod();
        return check(pod) && pod;
      },
      30_000,
      200,
    );
  const ready = (p: Pod) => p.status.containerStatuses?.[0]?.ready === true;

  before(async () => {
    // Pod IPs from a loopback range of their own, away from other Hale instances on this host.
    process.env.HALE_POD_CIDR = `127.${randomInt(101, 251)}.${randomInt(0, 256)}.0/24`;
    hale = await startHale({ withAgent: true });
    await k('1.33', ['apply', '-f', '-'], { stdin: podYaml });
    await waitPod(ready);
  });

  after(() => stopHaleWithPods(hale, marker));

  for (const version of ['1.27', '1.33'] as const) {
    describe(`kubectl ${version}`, () => {
      test('logs with --tail and --timestamps', async () => {
        const all = await eventually(async () => {
          const out = (await k(version, ['logs', 'debug-me'])).stdout;
          return /listening on/.test(out) && out;
        });
        assert.match(all, /^boot [0-9a-f-]{36}\nlistening on 127\.\d+\.\d+\.\d+:8080\n$/);
        assert.match((await k(version, ['logs', 'debug-me', '--tail', '1'])).stdout, /^listening on [\d.]+:8080\n$/);
        const stamped = (await k(version, ['logs', 'debug-me', '-c', 'app', '--timestamps'])).stdout;
        assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z boot /m);
      });

      test('exec runs in the pod, passes stdin and returns the exit code', async () => {
        const fetched = await k(version, [
          'exec',
          'debug-me',
          '--',
          process.execPath,
          '-e',
          "fetch('http://'+process.env.POD_IP+':8080/').then(r=>r.text()).then(t=>process.stdout.write(t))",
        ]);
        assert.match(fetched.stdout, /^hello from \S+ v1\n$/);
        const echoed = await k(version, ['exec', '-i', 'debug-me', '--', 'cat'], { stdin: 'through stdin\n' });
        assert.equal(echoed.stdout, 'through stdin\n');
        const failed = await k(version, ['exec', 'debug-me', '--', 'sh', '-c', 'echo oops >&2; exit 7'], { expectFail: true });
        assert.equal(failed.code, 7);
        assert.match(failed.stderr, /^oops$/m);
        assert.match(failed.stderr, /command terminated with exit code 7/);
      });

      test('port-forward reaches the app through a local port', async () => {
        const forward = await portForward(hale, version, 'pod/debug-me', 8080);
        try {
          const body = await (await fetch(`http://127.0.0.1:${forward.localPort}/`)).text();
          assert.match(body, /^hello from \S+ v1\n$/);
          assert.equal(await (await fetch(`http://127.0.0.1:${forward.localPort}/healthz`)).text(), 'ok');
        } finally {
          await forward.stop();
        }
      });

      test('debug adds an ephemeral container that shares the pod network, attaches to it and never restarts', async () => {
        const name = `dbg-${version.replace('.', '-')}`;
        const script = `echo debugging $HOSTNAME; ${process.execPath} -e "fetch('http://'+process.env.POD_IP+':8080/healthz').then(r=>r.text()).then(t=>console.log('app says', t))"; exit 4\n`;
        const out = await k(version, ['debug', '-i', 'debug-me', '--image=busybox', '--target=app', '-c', name, '--', 'sh'], {
          stdin: script,
        });
        // kubectl prints its note on the target to stdout, before the session's output.
        assert.match(out.stdout, /^Targeting container "app"\. .*\ndebugging debug-me\napp says ok\n$/);
        const pod = JSON.parse((await k(version, ['get', 'pod', 'debug-me', '-o', 'json'])).stdout);
        const status = await eventually(async () => {
          const p = JSON.parse((await k(version, ['get', 'pod', 'debug-me', '-o', 'json'])).stdout);
          const s = p.status.ephemeralContainerStatuses?.find((c: { name: string }) => c.name === name);
          return s?.state?.terminated && s;
        });
        assert.equal(status.state.terminated.exitCode, 4);
        assert.equal(status.restartCount, 0);
        assert.equal(pod.spec.ephemeralContainers.find((c: { name: string }) => c.name === name).targetContainerName, 'app');
        assert.equal((await k(version, ['logs', 'debug-me', '-c', name])).stdout, 'debugging debug-me\napp says ok\n');
        const described = (await k(version, ['describe', 'pod', 'debug-me'])).stdout;
        assert.match(described, new RegExp(`Ephemeral Containers:\\n(.*\\n)*  ${name}:\\n(.*\\n)*?      Exit Code:    4`));
        // The Priority admission gives a pod without a class priority 0, which describe prints.
        assert.match(described, /^Priority:\s+0$/m);
        assert.ok(ready(await getPod()), 'the app container is untouched');
      });

      test('cp copies a file out of the pod', async () => {
        // The process runtime shares the host's file system outside volumes: use a private path.
        const inPod = join(hale.dataDir, `in-pod-${version}.txt`);
        const local = join(hale.dataDir, `copied-${version}.txt`);
        await k(version, ['exec', 'debug-me', '--', 'sh', '-c', `printf 'copied by %s\\n' ${version} > ${inPod}`]);
        await k(version, ['cp', `debug-me:${inPod}`, local]);
        assert.equal(readFileSync(local, 'utf8'), `copied by ${version}\n`);
      });
    });
  }

  test("the server's log lines are JSON objects that name their component once", () => {
    // The buffer keeps the tail of the log: its first line may be cut, and its last may be
    // still on its way.
    const lines = hale
      .stderr()
      .split('\n')
      .slice(1, -1)
      .filter((l) => l.startsWith('{'));
    assert.ok(lines.length > 5, `expected log lines, got:\n${hale.stderr()}`);
    for (const line of lines) {
      const keys = topLevelKeys(line);
      assert.equal(new Set(keys).size, keys.length, `a key repeated in: ${line}`);
      assert.ok(keys.includes('component'), `no component in: ${line}`);
    }
    const components = new Set(lines.map((l) => JSON.parse(l).component));
    for (const c of ['controller-manager', 'agent']) assert.ok(components.has(c), `no ${c} line`);
  });

  test('top shows the CPU and memory of the node and of a busy pod (metrics.k8s.io)', async () => {
    await k('1.33', ['apply', '-f', '-'], {
      stdin: `apiVersion: v1
kind: Pod
metadata: {name: busy}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: spin
    image: busybox
    command: [sh, -c, 'while true; do :; done # ${marker}']
    resources: {limits: {cpu: 200m, memory: 64Mi}}
`,
    });
    // A container shows up once the agent has read it twice (10 s apart).
    for (const version of ['1.27', '1.33'] as const) {
      const pods = await eventually(
        async () => {
          const r = await hale.kubectl(version, ['top', 'pod', 'busy', '--containers']);
          return r.code === 0 && r.stdout;
        },
        60_000,
        1000,
      );
      const [, cpu] = /^busy\s+spin\s+(\d+)m\s+\d+Mi\s*$/m.exec(pods) ?? [];
      assert.ok(cpu, pods);
      // Its CFS quota caps it at 200m; a spinning shell uses most of that.
      assert.ok(Number(cpu) > 50 && Number(cpu) <= 260, pods);
      const node = (await k(version, ['top', 'node'])).stdout;
      // kubectl 1.27 heads the percentages CPU% and MEMORY%, 1.33 CPU(%) and MEMORY(%).
      assert.match(node, /^NAME\s+CPU\(cores\)\s+CPU\(?%\)?\s+MEMORY\(bytes\)\s+MEMORY\(?%\)?/);
      assert.match(node, /^\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*$/m);
    }
    const missing = await k('1.33', ['top', 'pod', 'no-such-pod'], { expectFail: true });
    assert.match(missing.stderr, /podmetrics.metrics.k8s.io "default\/no-such-pod" not found/);
    await k('1.33', ['delete', 'pod', 'busy', '--grace-period=1']);
  });

  test('logs --previous shows the run before a crash', async () => {
    const before = await waitPod(ready);
    const firstBoot = /^boot (\S+)$/m.exec((await k('1.33', ['logs', 'debug-me'])).stdout)?.[1];
    assert.ok(firstBoot, 'the first run logged its boot id');
    // The app's /crash switch exits with code 3.
    await fetch(`http://${before.status.podIP}:8080/crash`).catch(() => undefined);
    await waitPod((p) => (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && ready(p));

    for (const version of ['1.27', '1.33'] as const) {
      const previous = (await k(version, ['logs', 'debug-me', '--previous'])).stdout;
      assert.match(previous, new RegExp(`^boot ${firstBoot}$`, 'm'));
      const current = await eventually(async () => {
        const out = (await k(version, ['logs', 'debug-me'])).stdout;
        return /^boot /m.test(out) && out;
      });
      assert.doesNotMatch(current, new RegExp(firstBoot));
    }
  });
});

/** The keys of a JSON object's first level, repeats included (JSON.parse keeps only the last). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i];
    if (ch === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (depth === 1 && json[end + 1] === ':') keys.push(JSON.parse(json.slice(i, end + 1)));
      i = end;
    } else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
  }
  return keys;
}
