// Self-healing by the node agent end to end: the real kubectl 1.33 against a real `hale server`
// running its embedded agent with the process runtime. Crashing containers show each crash
// (Error) and back off into CrashLoopBackOff, liveness probes restart a failing app, readiness
// only gates Ready, a `kill -9` of the app and an OOM kill are noticed, pods with bad specs say
// why and never stop the agent, and a `kill -9` of the server leaves running pods alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isLiveProcess } from '../../src/agent/runtime/process/proc.ts';
import { eventually, type HaleServer, kubectlPath, startHale, stopHaleWithPods } from './harness.ts';

const flakyServer = resolve(fileURLToPath(import.meta.url), '../../apps/flaky-server.js');
// A word on each app's command line so this file's processes can be found on the host.
const marker = `hale-self-healing-e2e-${process.pid}`;
const POD_MAX_PIDS = 200;

interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; containerID?: string };
}

interface ContainerStatus {
  name: string;
  containerID?: string;
  ready: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
}

interface Pod {
  metadata: { name: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatus[];
  };
}

interface KubeEvent {
  reason: string;
  message: string;
  type: string;
  involvedObject: { name: string; fieldPath?: string };
}

function condition(pod: Pod, type: string): string | undefined {
  return pod.status.conditions?.find((c) => c.type === type)?.status;
}

function container(pod: Pod): ContainerStatus | undefined {
  return pod.status.containerStatuses?.[0];
}

/** A bare pod running the flaky test app, with the probes and extras given. */
function appPod(name: string, extra: { env?: Record<string, string>; containerYaml?: string; podYaml?: string } = {}): string {
  const env = Object.entries({ PORT: '8080', ...extra.env })
    .map(([k, v]) => `      - {name: ${k}, value: "${v}"}`)
    .join('\n');
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 1
${extra.podYaml ?? ''}  containers:
  - name: app
    image: hale.local/flaky-server
    command: ["${process.execPath}", "${flakyServer}", "${marker}"]
    env:
${env}
${extra.containerYaml ?? ''}`;
}

const httpProbe = (kind: string, failureThreshold = 1) => `    ${kind}:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
      failureThreshold: ${failureThreshold}
`;

/** The host pid of a running container, from the process runtime's record of it. */
function containerPid(dataDir: string, containerID: string): number {
  const id = containerID.replace(/^process:\/\//, '');
  const file = join(dataDir, 'agent/runtime/process/containers', id, 'container.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
}

async function httpGet(url: string): Promise<string> {
  return (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
}

describe('node agent self-healing with kubectl 1.33 and the process runtime', () => {
  let hale: HaleServer;

  const k = async (args: string[], opts: { stdin?: string; expectFail?: boolean } = {}) => {
    const r = await hale.kubectl('1.33', args, opts);
    if (!opts.expectFail && r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    if (opts.expectFail && r.code === 0) assert.fail(`kubectl ${args.join(' ')} should have failed:\n${r.stdout}`);
    return r;
  };
  const apply = (yaml: string) => k(['apply', '-f', '-'], { stdin: yaml });
  const getPod = async (name: string): Promise<Pod> => JSON.parse((await k(['get', 'pod', name, '-o', 'json'])).stdout) as Pod;
  const events = async (name: string): Promise<KubeEvent[]> =>
    (
      JSON.parse((await k(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])).stdout) as {
        items: KubeEvent[];
      }
    ).items;
  /** Polls the pod until `check` accepts it; on timeout the error shows the last status seen. */
  const waitPod = async (name: string, check: (pod: Pod) => boolean, timeoutMs = 30_000) => {
    let last: Pod | undefined;
    try {
      return await eventually(
        async () => {
          last = await getPod(name);
          return check(last) && last;
        },
        timeoutMs,
        200,
      );
    } catch (err) {
      throw new Error(`pod ${name}: ${String(err)}; last status: ${JSON.stringify(last?.status)}`);
    }
  };
  const waitReady = (name: string) => waitPod(name, (p) => condition(p, 'Ready') === 'True');
  const waitEvent = (name: string, match: (e: KubeEvent) => boolean, timeoutMs = 30_000) =>
    eventually(async () => (await events(name)).find(match), timeoutMs, 250);

  before(async () => {
    // Pod IPs come from a loopback range of their own, so pods of other Hale instances on this
    // host (other test files, benchmarks) cannot hold the same address and port.
    process.env.HALE_POD_CIDR = `127.${randomInt(101, 251)}.${randomInt(0, 256)}.0/24`;
    // --pod-max-pids: room for every test pod here (the Node.js app has ~12 threads), not for a fork bomb.
    hale = await startHale({ withAgent: true, extraArgs: ['--pod-max-pids', String(POD_MAX_PIDS)] });
  });

  after(() => stopHaleWithPods(hale, marker));

  describe('failures of running pods', { concurrency: true }, () => {
    test('a crashing container restarts with growing back-off and shows CrashLoopBackOff', async () => {
      await apply(`apiVersion: v1
kind: Pod
metadata:
  name: crasher
  annotations: {hale.dev/restart-backoff: "initial=1s,max=4s"}
spec:
  containers:
  - name: app
    image: hale.local/busybox
    command: ["sh", "-c", "echo crashing; exit 1"]
`);
      // Each back-off step shows up in the waiting message; record them in the order seen.
      const delays: string[] = [];
      const crashing = await waitPod(
        'crasher',
        (pod) => {
          const waiting = container(pod)?.state.waiting;
          const delay = waiting?.reason === 'CrashLoopBackOff' ? /back-off (\S+) restarting/.exec(waiting.message ?? '')?.[1] : undefined;
          if (delay && delays.at(-1) !== delay) delays.push(delay);
          return delays.includes('4s') && (container(pod)?.restartCount ?? 0) >= 3;
        },
        45_000,
      );
      // Distinct delays in the order seen: strictly growing up to the 4s maximum.
      const seconds = delays.map((d) => Number(d.replace(/s$/, '')));
      assert.ok(seconds.length >= 2, `more than one back-off step seen: ${delays.join(', ')}`);
      assert.deepEqual(
        seconds,
        [...seconds].sort((a, b) => a - b),
        `delays grow: ${delays.join(', ')}`,
      );
      assert.equal(seconds.at(-1), 4);
      const status = container(crashing)!;
      assert.equal(status.lastState.terminated?.exitCode, 1);
      assert.equal(status.lastState.terminated?.reason, 'Error');
      assert.equal(crashing.status.phase, 'Running');

      const table = await eventually(async () => {
        const out = (await k(['get', 'pod', 'crasher'])).stdout;
        return /^crasher\s+0\/1\s+CrashLoopBackOff\s+\d+ \(\d+s ago\)\s+\d+s$/m.test(out) && out;
      });
      assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      const backOff = await waitEvent('crasher', (e) => e.reason === 'BackOff');
      assert.equal(backOff.type, 'Warning');
      assert.match(backOff.message, /^Back-off restarting failed container app in pod crasher_default\(/);
    });

    test('kubectl get pod -w shows each crash as Error, before the restart and before CrashLoopBackOff', async () => {
      // The container crashes once a file exists, so the watch is running before the first crash.
      const crashNow = join(hale.dataDir, 'crash-watch-now');
      await apply(`apiVersion: v1
kind: Pod
metadata:
  name: crash-watch
  annotations: {hale.dev/restart-backoff: "initial=5m,max=5m"}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: hale.local/busybox
    command: ["sh", "-c", "while [ ! -e ${crashNow} ]; do sleep 0.1; done; exit 1 # ${marker}"]
`);
      const watch = spawn(
        kubectlPath('1.33'),
        [
          '--kubeconfig',
          hale.kubeconfig,
          '--cache-dir',
          join(hale.dataDir, 'watch-cache'),
          'get',
          'pod',
          'crash-watch',
          '-w',
          '--no-headers',
        ],
        { env: { ...process.env, HOME: hale.dataDir } },
      );
      let out = '';
      let err = '';
      watch.stdout.on('data', (d) => (out += d));
      watch.stderr.on('data', (d) => (err += d));
      /** What the watch and the API showed, for a failure's message (a CI run once saw no Running row in 30 s). */
      const seenSoFar = async () =>
        `watch stdout: ${JSON.stringify(out)}; stderr: ${JSON.stringify(err)}; pod status: ${JSON.stringify((await getPod('crash-watch').catch(() => undefined))?.status)}`;
      /** READY, STATUS and RESTARTS of each row the watch printed, e.g. "0/1 Error 0". */
      const rows = () =>
        out
          .split('\n')
          .map((line) => /^crash-watch\s+(\S+)\s+(\S+)\s+(\d+)/.exec(line))
          .filter((m) => m !== null)
          .map((m) => `${m[1]} ${m[2]} ${m[3]}`);
      try {
        await eventually(async () => rows().includes('1/1 Running 0'), 30_000).catch(async (e: Error) => {
          throw new Error(`${e.message}: ${await seenSoFar()}`);
        });
        writeFileSync(crashNow, '');
        await eventually(async () => rows().some((r) => r.includes('CrashLoopBackOff')), 30_000);
        const seen = rows();
        const firstCrash = seen.indexOf('0/1 Error 0');
        assert.ok(firstCrash > seen.indexOf('1/1 Running 0'), `the first crash shows as Error, restartCount 0: ${seen.join(' | ')}`);
        // The second crash too, right before the back-off.
        const backOff = seen.findIndex((r) => r.includes('CrashLoopBackOff'));
        assert.equal(seen[backOff - 1], '0/1 Error 1', `the row before CrashLoopBackOff: ${seen.join(' | ')}`);
        assert.equal(seen[backOff], '0/1 CrashLoopBackOff 1');
      } finally {
        watch.kill();
      }
      const pod = await getPod('crash-watch');
      assert.equal(container(pod)?.lastState.terminated?.reason, 'Error');
      assert.equal(container(pod)?.lastState.terminated?.exitCode, 1);
      await k(['delete', 'pod', 'crash-watch', '--grace-period=1']);
    });

    test('a container whose /healthz starts failing is restarted by its liveness probe', async () => {
      await apply(appPod('liveness', { containerYaml: httpProbe('livenessProbe', 2) }));
      const before = container(await waitPod('liveness', (p) => container(p)?.state.running !== undefined))!;
      const pod = await getPod('liveness');
      // Wait for the app to listen before flipping its health switch.
      await eventually(() => httpGet(`http://${pod.status.podIP}:8080/`));
      assert.equal(await httpGet(`http://${pod.status.podIP}:8080/fail`), 'failing');

      const restarted = container(
        await waitPod('liveness', (p) => (container(p)?.restartCount ?? 0) >= 1 && container(p)?.state.running !== undefined),
      )!;
      assert.notEqual(restarted.containerID, before.containerID);
      assert.equal(restarted.lastState.terminated?.containerID, before.containerID);
      // On a loaded machine an earlier probe may have found the app not listening yet (connection refused).
      const unhealthy = await waitEvent('liveness', (e) => e.reason === 'Unhealthy' && e.message.includes('statuscode'));
      assert.equal(unhealthy.type, 'Warning');
      assert.match(unhealthy.message, /^Liveness probe failed: HTTP probe failed with statuscode: 500$/);
      const killing = await waitEvent('liveness', (e) => e.reason === 'Killing');
      assert.match(killing.message, /^Container app failed liveness probe, will be restarted$/);
      // The kubelet names the container (kubectl get events -o wide: SUBOBJECT).
      assert.equal(unhealthy.involvedObject.fieldPath, 'spec.containers{app}');
      assert.equal(killing.involvedObject.fieldPath, 'spec.containers{app}');
      // The new process is healthy again.
      assert.equal(await eventually(() => httpGet(`http://${pod.status.podIP}:8080/healthz`)), 'ok');
    });

    test('a container failing its readiness probe leaves Ready false while the pod keeps running', async () => {
      await apply(appPod('not-ready', { env: { READY_DELAY_MS: '600000' }, containerYaml: httpProbe('readinessProbe', 1) }));
      // A failed readiness probe has been seen, so readiness was judged, not just pending.
      // (Not one from before the app listened, which says connection refused.)
      const failed = await waitEvent('not-ready', (e) => e.reason === 'Unhealthy' && e.message.includes('statuscode'));
      assert.match(failed.message, /^Readiness probe failed: HTTP probe failed with statuscode: 500$/);
      const pod = await waitPod('not-ready', (p) => container(p)?.state.running !== undefined);
      assert.equal(pod.status.phase, 'Running');
      assert.equal(condition(pod, 'Ready'), 'False');
      assert.equal(condition(pod, 'ContainersReady'), 'False');
      assert.equal(container(pod)?.ready, false);
      assert.equal(container(pod)?.restartCount, 0);
      assert.match((await k(['get', 'pod', 'not-ready'])).stdout, /^not-ready\s+0\/1\s+Running\s+0\s+\d+s$/m);
    });

    test('kill -9 of a container process is noticed and the container restarted', async () => {
      await apply(appPod('killed', { containerYaml: httpProbe('readinessProbe') }));
      const first = container(await waitReady('killed'))!;
      const pid = containerPid(hale.dataDir, first.containerID!);
      assert.ok(isLiveProcess(pid), `pid ${pid} from the runtime state runs`);
      process.kill(pid, 'SIGKILL');

      const after = await waitPod('killed', (p) => (container(p)?.restartCount ?? 0) >= 1 && condition(p, 'Ready') === 'True');
      const status = container(after)!;
      assert.equal(status.restartCount, 1);
      assert.equal(status.lastState.terminated?.exitCode, 137);
      assert.equal(status.lastState.terminated?.reason, 'Error');
      assert.notEqual(status.containerID, first.containerID);
      const newPid = containerPid(hale.dataDir, status.containerID!);
      assert.notEqual(newPid, pid);
      assert.match(await httpGet(`http://${after.status.podIP}:8080/`), /^hello from /);
    });

    test('--pod-max-pids caps the processes of a pod: a fork bomb gets no more', async () => {
      // Forks until refused (a shell would exit at its first refused fork), then reports.
      const forker = [
        'import os, time',
        'n = 0',
        `for i in range(${POD_MAX_PIDS + 50}):`,
        '    try:',
        '        if os.fork() == 0:',
        '            time.sleep(600)',
        '            os._exit(0)',
        '        n += 1',
        '    except OSError as e:',
        "        print('fork refused:', e, flush=True)",
        '        break',
        "print('children', n, flush=True)",
        'time.sleep(600)',
      ].join('\n');
      await apply(`apiVersion: v1
kind: Pod
metadata: {name: fork-bomb}
spec:
  containers:
  - name: app
    image: python
    command: [python3, -c, ${JSON.stringify(forker)}]
`);
      const logs = await eventually(async () => {
        // Fails until the container has started.
        const out = (await hale.kubectl('1.33', ['logs', 'fork-bomb'])).stdout;
        return out.includes('children') ? out : undefined;
      });
      assert.match(logs, /^fork refused: \[Errno 11\] Resource temporarily unavailable$/m);
      const children = Number(/^children (\d+)$/m.exec(logs)?.[1]);
      assert.ok(children > 0 && children < POD_MAX_PIDS, logs);
      // The pod's cgroup (the parent of the container's) carries the limit.
      const cgroups = (await k(['exec', 'fork-bomb', '--', 'cat', '/proc/self/cgroup'])).stdout;
      const pidsPath = /^\d+:pids:(\S+)$/m.exec(cgroups)?.[1];
      assert.ok(pidsPath, cgroups);
      assert.equal(readFileSync(join('/sys/fs/cgroup/pids', dirname(pidsPath), 'pids.max'), 'utf8').trim(), String(POD_MAX_PIDS));
      await k(['delete', 'pod', 'fork-bomb', '--grace-period=0', '--wait=false']);
    });

    test('an allocation over the memory limit is OOMKilled and shows in lastState', async () => {
      await apply(
        appPod('oom', {
          containerYaml: `${httpProbe('readinessProbe')}    resources:
      limits: {memory: 64Mi}
`,
        }),
      );
      const ready = await waitReady('oom');
      // The app dies while answering, so the request itself fails.
      await httpGet(`http://${ready.status.podIP}:8080/alloc?mb=200`).catch(() => undefined);
      const after = await waitPod('oom', (p) => (container(p)?.restartCount ?? 0) >= 1);
      const last = container(after)!.lastState.terminated;
      assert.equal(last?.reason, 'OOMKilled', JSON.stringify(container(after)));
      assert.equal(last?.exitCode, 137);
      // As node-problem-detector reports it: a Warning on the Node.
      const oomEvent = await eventually(async () => {
        const r = await k(['get', 'events', '--field-selector', 'reason=OOMKilling', '-o', 'json']);
        const items = (JSON.parse(r.stdout) as { items: (KubeEvent & { involvedObject: { kind: string } })[] }).items;
        return items.find((e) => e.message.includes(`container app of pod default/oom`));
      });
      assert.equal(oomEvent.type, 'Warning');
      assert.equal(oomEvent.involvedObject.kind, 'Node');
      assert.match(oomEvent.message, /^Memory cgroup out of memory: killed container app of pod default\/oom \(memory limit 64Mi\)$/);
    });
  });

  describe('pods with bad specs', { concurrency: true }, () => {
    const configDir = () => join(hale.dataDir, 'mounts/config');
    test('a container without a command reports CreateContainerConfigError and a Failed event', async () => {
      await apply(`apiVersion: v1
kind: Pod
metadata: {name: no-command}
spec:
  containers: [{name: app, image: nginx}]
`);
      const pod = await waitPod('no-command', (p) => container(p)?.state.waiting?.reason === 'CreateContainerConfigError');
      assert.match(container(pod)!.state.waiting!.message!, /has no command/);
      const failed = await waitEvent('no-command', (e) => e.reason === 'Failed');
      assert.equal(failed.type, 'Warning');
      assert.match(failed.message, /^Error: container "app" has no command/);
      assert.match((await k(['get', 'pod', 'no-command'])).stdout, /^no-command\s+0\/1\s+CreateContainerConfigError\s+0\s+\d+s$/m);
    });

    test('kubectl run with args and no command runs the args, as with an image without ENTRYPOINT', async () => {
      await k(['run', 'args-only', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo from-args']);
      const pod = await waitPod('args-only', (p) => container(p)?.state.terminated?.reason === 'Completed');
      assert.equal(container(pod)!.state.terminated!.exitCode, 0);
      assert.equal((await k(['logs', 'args-only'])).stdout, 'from-args\n');
    });

    test('a missing configMap volume reports FailedMount, and the pod starts once the ConfigMap exists', async () => {
      await apply(`apiVersion: v1
kind: Pod
metadata: {name: missing-config}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: hale.local/busybox
    command: ["sh", "-c", "echo mode=$(cat ${configDir()}/mode); exec sleep 600 # ${marker}"]
    volumeMounts: [{name: cfg, mountPath: ${configDir()}}]
  volumes: [{name: cfg, configMap: {name: late-config}}]
`);
      const failedMount = await waitEvent('missing-config', (e) => e.reason === 'FailedMount');
      assert.equal(failedMount.type, 'Warning');
      assert.match(failedMount.message, /^MountVolume.SetUp failed for volume "cfg" : configmap "late-config" not found$/);
      const waiting = await getPod('missing-config');
      assert.equal(waiting.status.phase, 'Pending');
      assert.equal(container(waiting)?.state.waiting?.reason, 'ContainerCreating');

      await k(['create', 'configmap', 'late-config', '--from-literal=mode=blue']);
      await waitPod('missing-config', (p) => container(p)?.state.running !== undefined);
      assert.equal(await eventually(async () => (await k(['logs', 'missing-config'])).stdout.trim()), 'mode=blue');
    });

    test('runAsNonRoot without runAsUser is refused, as the image (here: the agent) runs as root', async () => {
      await apply(`apiVersion: v1
kind: Pod
metadata: {name: non-root}
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: app, image: busybox, command: [sleep, '3600']}]
`);
      const pod = await waitPod('non-root', (p) => container(p)?.state.waiting?.reason === 'CreateContainerConfigError');
      assert.match(
        container(pod)!.state.waiting!.message!,
        /^container has runAsNonRoot and image will run as root \(pod: "non-root_default\(/,
      );
    });

    test('the agent keeps serving other pods next to the broken ones', async () => {
      await waitEvent('no-command', (e) => e.reason === 'Failed');
      await apply(appPod('healthy-neighbour', { containerYaml: httpProbe('readinessProbe') }));
      const pod = await waitReady('healthy-neighbour');
      assert.match(await httpGet(`http://${pod.status.podIP}:8080/`), /^hello from /);
    });
  });

  test('securityContext: the app, and kubectl exec, run as runAsUser/runAsGroup; fsGroup owns the volumes', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: unprivileged}
spec:
  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, runAsNonRoot: true}
  containers:
  - name: app
    image: busybox
    command: [sh, -c, 'id -u; id -g; id -G; echo hi > /data/made-by-app; exec sleep 3600 # ${marker}']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
`);
    await waitPod('unprivileged', (p) => p.status.phase === 'Running');
    const log = await eventually(async () => {
      const out = (await k(['logs', 'unprivileged'])).stdout;
      return out.split('\n').length > 3 && out;
    });
    assert.equal(log, '1000\n3000\n3000 2000\n');
    const exec = (await k(['exec', 'unprivileged', '--', 'sh', '-c', 'id -u; stat -c "%u %g %a" /data /data/made-by-app'])).stdout;
    // The emptyDir is the fsGroup's, setgid: the app's file took the group.
    assert.equal(exec, '1000\n0 2000 2777\n1000 2000 644\n');
  });

  test('a second delete with a shorter grace period ends a termination that would take minutes', async () => {
    // The shell ignores SIGTERM: only SIGKILL at the end of the grace period stops it.
    await k([
      'run',
      'stubborn',
      '--image=busybox',
      '--restart=Never',
      '--overrides',
      '{"spec":{"terminationGracePeriodSeconds":300}}',
      '--',
      'sh',
      '-c',
      `trap "" TERM; while true; do sleep 1; done # ${marker}`,
    ]);
    await waitPod('stubborn', (p) => p.status.phase === 'Running');
    await k(['delete', 'pod', 'stubborn', '--wait=false']);
    assert.match((await k(['get', 'pod', 'stubborn'])).stdout, /^stubborn\s+1\/1\s+Terminating\s/m);
    // kubectl waits for the pod to be gone; with the first grace period it would give up.
    await k(['delete', 'pod', 'stubborn', '--grace-period=1', '--timeout=60s']);
    await k(['get', 'pod', 'stubborn'], { expectFail: true });
  });

  test('kill -9 of the server leaves running pods running: same pid, restartCount unchanged', async () => {
    await apply(appPod('survivor', { containerYaml: httpProbe('readinessProbe') }));
    const before = container(await waitReady('survivor'))!;
    const pid = containerPid(hale.dataDir, before.containerID!);

    await hale.kill9();
    assert.ok(isLiveProcess(pid), 'the container outlives the server');
    await hale.restart();

    // A pod created after the restart runs, so the new agent's pod workers are at work.
    await apply(appPod('after-restart', { containerYaml: httpProbe('readinessProbe') }));
    await waitReady('after-restart');
    const now = container(await waitReady('survivor'))!;
    assert.equal(now.containerID, before.containerID);
    assert.equal(now.restartCount, before.restartCount);
    assert.equal(containerPid(hale.dataDir, now.containerID!), pid);
    assert.ok(isLiveProcess(pid), 'the same process still runs');
    const pod = await getPod('survivor');
    assert.match(await httpGet(`http://${pod.status.podIP}:8080/`), /^hello from /);
  });
});
