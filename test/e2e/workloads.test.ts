// Workload controllers end to end: the real kubectl 1.33 against a real `hale server` running
// its embedded agent with the process runtime. Deployments heal and roll forward and back,
// a broken rollout hits its progress deadline, StatefulSets scale in order and keep their
// volumes (local-path claims from volumeClaimTemplates), Jobs retry and
// give up, and deleting a Deployment removes what it owns.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, type HaleServer, startHale, stopHale } from './harness.ts';

const flakyServer = resolve(fileURLToPath(import.meta.url), '../../apps/flaky-server.js');
// A word on each app's command line so this file's pods can be found (and killed) on the host.
const marker = `hale-workloads-e2e-${process.pid}`;

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { restartCount: number; ready: boolean }[];
  };
}

function isReady(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function deploymentYaml(name: string, env: Record<string, string> = {}): string {
  const envYaml = Object.entries({ VERSION: '1', PORT: '8080', ...env })
    .map(([k, v]) => `        - {name: ${k}, value: "${v}"}`)
    .join('\n');
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 3
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: app
        image: hale.local/flaky-server
        command: ["${process.execPath}", "${flakyServer}", "${marker}"]
        env:
${envYaml}
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 1
        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 1
          failureThreshold: 3
`;
}

describe('workload controllers with kubectl 1.33 and the process runtime', () => {
  let hale: HaleServer;
  let hostDir: string;

  const k = async (args: string[], opts: { stdin?: string; expectFail?: boolean; timeoutMs?: number } = {}) => {
    const r = await hale.kubectl('1.33', args, opts);
    if (!opts.expectFail && r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    if (opts.expectFail && r.code === 0) assert.fail(`kubectl ${args.join(' ')} should have failed:\n${r.stdout}`);
    return r;
  };
  const apply = (yaml: string) => k(['apply', '-f', '-'], { stdin: yaml });
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse((await k(['get', ...args, '-o', 'json'])).stdout) as T;
  const pods = async (selector: string): Promise<Pod[]> => (await getJson<{ items: Pod[] }>(['pods', '-l', selector])).items;
  const readyPods = async (selector: string) => (await pods(selector)).filter(isReady);
  /** Waits until exactly `n` pods match, all of them ready and none terminating. */
  const waitReady = (selector: string, n: number, timeoutMs = 45_000) =>
    eventually(
      async () => {
        const all = await pods(selector);
        return all.length === n && all.every(isReady) && all;
      },
      timeoutMs,
      250,
    );
  const waitGone = (selector: string, timeoutMs = 30_000) => eventually(async () => (await pods(selector)).length === 0, timeoutMs, 250);

  before(async () => {
    // Pod IPs are host loopback addresses: keep clear of other Hale instances on this host.
    process.env.HALE_POD_CIDR = `127.${101 + (process.pid % 150)}.0.0/16`;
    hale = await startHale({ withAgent: true });
    hostDir = join(hale.dataDir, 'host-shared');
    mkdirSync(hostDir, { recursive: true });
  });

  after(async () => {
    if (!hale) return;
    // Stopping the server does not stop pods: delete the workloads and wait for their pods.
    await hale.kubectl('1.33', ['delete', 'deploy,sts,job,pod', '--all', '--wait=false']).catch(() => undefined);
    await eventually(async () => (await hale.kubectl('1.33', ['get', 'pods', '-o', 'name'])).stdout.trim() === '', 30_000, 250).catch(
      () => undefined,
    );
    await hale.stop();
    // Last resort for anything left behind (shims carry the data dir on their command line).
    for (const pattern of [hale.dataDir, marker]) {
      try {
        execFileSync('pkill', ['-9', '-f', pattern]);
      } catch {
        // pkill exits 1 when nothing matched.
      }
    }
    await stopHale(hale);
  });

  test('a 3-replica Deployment with HTTP probes comes up 3/3 and heals after delete pod and kill -9', async () => {
    await apply(deploymentYaml('web'));
    const status = await k(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.match(status.stdout, /successfully rolled out/);
    const first = await waitReady('app=web', 3);
    const table = await k(['get', 'deploy', 'web']);
    assert.match(table.stdout, /^web\s+3\/3\s+3\s+3\s+/m);

    // The app answers on its pod IP.
    const body = await (await fetch(`http://${first[0].status.podIP}:8080/`)).text();
    assert.match(body, /hello from .* v1/);

    // kubectl delete pod: the ReplicaSet replaces it with a new pod.
    const victim = first[0].metadata.name;
    await k(['delete', 'pod', victim, '--wait=false']);
    const healed = await eventually(
      async () => {
        const now = await pods('app=web');
        return !now.some((p) => p.metadata.name === victim) && now.length === 3 && now.every(isReady) && now;
      },
      45_000,
      250,
    );
    assert.equal(healed.filter((p) => first.some((f) => f.metadata.uid === p.metadata.uid)).length, 2);

    // kill -9 of one pod's app process: the agent restarts the container in place.
    const target = healed[0];
    const pid = appPidForPodIp(target.status.podIP!);
    process.kill(pid, 'SIGKILL');
    await eventually(
      async () => {
        const now = await pods('app=web');
        const same = now.find((p) => p.metadata.uid === target.metadata.uid);
        return now.length === 3 && now.every(isReady) && (same?.status.containerStatuses?.[0]?.restartCount ?? 0) >= 1;
      },
      45_000,
      250,
    );
    assert.equal((await readyPods('app=web')).length, 3);
  });

  test('a template change rolls out; history shows 1 and 2; undo brings back the old template as revision 3', async () => {
    const before = await getJson<{ metadata: { annotations: Record<string, string> } }>(['deploy', 'web']);
    assert.equal(before.metadata.annotations['deployment.kubernetes.io/revision'], '1');

    await k(['set', 'env', 'deployment/web', 'VERSION=2']);
    const status = await k(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.match(status.stdout, /successfully rolled out/);
    const v2 = await waitReady('app=web', 3);
    assert.match(await (await fetch(`http://${v2[0].status.podIP}:8080/`)).text(), /v2/);

    const history = await k(['rollout', 'history', 'deployment/web']);
    assert.match(history.stdout, /^REVISION\s+CHANGE-CAUSE$/m);
    assert.match(history.stdout, /^1\s+/m);
    assert.match(history.stdout, /^2\s+/m);
    const rev1 = await k(['rollout', 'history', 'deployment/web', '--revision=1']);
    assert.match(rev1.stdout, /VERSION:\s+1/);

    const undo = await k(['rollout', 'undo', 'deployment/web']);
    assert.match(undo.stdout, /deployment.apps\/web rolled back/);
    await k(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
    const v1 = await waitReady('app=web', 3);
    assert.match(await (await fetch(`http://${v1[0].status.podIP}:8080/`)).text(), /v1/);

    // As on Kubernetes, the ReplicaSet brought back takes the next revision number (3) and
    // revision 1 disappears from the history.
    const after = await getJson<{ metadata: { annotations: Record<string, string> } }>(['deploy', 'web']);
    assert.equal(after.metadata.annotations['deployment.kubernetes.io/revision'], '3');
    const history2 = await k(['rollout', 'history', 'deployment/web']);
    assert.doesNotMatch(history2.stdout, /^1\s+/m);
    assert.match(history2.stdout, /^2\s+/m);
    assert.match(history2.stdout, /^3\s+/m);
    const env = await k(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="VERSION")].value}']);
    assert.equal(env.stdout, '1');
  });

  test('a version that never gets ready stalls with the old pods serving and exceeds its progress deadline', async () => {
    const oldPods = await waitReady('app=web', 3);
    await k(['patch', 'deployment/web', '-p', '{"spec":{"progressDeadlineSeconds":10}}']);
    await k(['set', 'env', 'deployment/web', 'READY_DELAY_MS=999999999']);
    const status = await k(['rollout', 'status', 'deployment/web', '--timeout=60s'], { expectFail: true, timeoutMs: 70_000 });
    assert.match(status.stderr, /exceeded its progress deadline/);

    const deploy = await getJson<{ status: { conditions: { type: string; status: string; reason: string }[] } }>(['deploy', 'web']);
    const progressing = deploy.status.conditions.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.status, 'False');
    assert.equal(progressing?.reason, 'ProgressDeadlineExceeded');
    // maxUnavailable 25% of 3 rounds down to 0: every old pod is still ready and serving.
    const ready = await readyPods('app=web');
    const oldUids = new Set(oldPods.map((p) => p.metadata.uid));
    assert.equal(ready.filter((p) => oldUids.has(p.metadata.uid)).length, 3);
    assert.match(await (await fetch(`http://${ready[0].status.podIP}:8080/`)).text(), /v1/);

    // Roll back so the next test starts from a healthy Deployment.
    await k(['rollout', 'undo', 'deployment/web']);
    await k(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
  });

  test('kubectl delete deployment removes its ReplicaSets and pods', async () => {
    const rsBefore = await k(['get', 'rs', '-l', 'app=web', '-o', 'name']);
    assert.ok(rsBefore.stdout.trim().split('\n').length >= 2, rsBefore.stdout);
    await k(['delete', 'deployment', 'web']);
    await eventually(async () => (await k(['get', 'rs', '-l', 'app=web', '-o', 'name'])).stdout.trim() === '', 30_000, 250);
    await waitGone('app=web');
    // The app processes are gone from the host too.
    await eventually(async () => pgrep(marker).length === 0, 15_000, 250);
  });

  test('a StatefulSet scales up in order and down from the highest ordinal', async () => {
    await apply(`apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 1
  selector:
    matchLabels: {app: sts}
  template:
    metadata:
      labels: {app: sts}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: app
        image: hale.local/flaky-server
        command: ["${process.execPath}", "${flakyServer}", "${marker}"]
        env: [{name: PORT, value: "8080"}]
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 1
`);
    await waitReady('app=sts', 1);

    // Scale up: each pod appears only once every lower ordinal is ready.
    await k(['scale', 'statefulset/web', '--replicas=3']);
    const seen: string[] = ['web-0'];
    await eventually(
      async () => {
        const now = await pods('app=sts');
        for (const p of now) {
          if (seen.includes(p.metadata.name)) continue;
          const ordinal = Number(p.metadata.name.split('-')[1]);
          for (let lower = 0; lower < ordinal; lower++) {
            const prev = now.find((q) => q.metadata.name === `web-${lower}`);
            assert.ok(prev && isReady(prev), `${p.metadata.name} exists before web-${lower} is ready`);
          }
          seen.push(p.metadata.name);
        }
        return now.length === 3 && now.every(isReady);
      },
      45_000,
      100,
    );
    assert.deepEqual(seen, ['web-0', 'web-1', 'web-2']);

    // Scale down: web-2 goes first, and web-1 only after web-2 is gone.
    await k(['scale', 'statefulset/web', '--replicas=1']);
    await eventually(
      async () => {
        const names = (await pods('app=sts')).map((p) => p.metadata.name);
        if (!names.includes('web-1')) assert.ok(!names.includes('web-2'), `web-1 went before web-2: ${names.join(',')}`);
        return names.length === 1 && names[0] === 'web-0';
      },
      45_000,
      100,
    );
    await k(['delete', 'statefulset', 'web']);
    await waitGone('app=sts');
  });

  test('a StatefulSet with volumeClaimTemplates gets a local-path volume per pod that outlives its pods', async () => {
    await apply(`apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 2
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: db
        image: busybox
        command: ["sh", "-c", "echo $HOSTNAME >> /data/boots; exec sleep 3600", "${marker}"]
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`);
    await waitReady('app=db', 2);
    const claims = await getJson<{ items: { metadata: { name: string }; spec: Record<string, string>; status: { phase: string } }[] }>([
      'pvc',
    ]);
    const dbClaims = claims.items.filter((c) => c.metadata.name.startsWith('data-db-'));
    assert.deepEqual(
      dbClaims.map((c) => `${c.metadata.name} ${c.status.phase} ${c.spec.storageClassName}`),
      ['data-db-0 Bound local-path', 'data-db-1 Bound local-path'],
    );
    assert.equal((await k(['exec', 'db-0', '--', 'cat', '/data/boots'])).stdout, 'db-0\n');

    // A replaced pod finds the data of the one before it.
    const before = (await pods('app=db')).find((p) => p.metadata.name === 'db-0')!;
    await k(['delete', 'pod', 'db-0']);
    await eventually(
      async () => {
        const p = (await pods('app=db')).find((x) => x.metadata.name === 'db-0');
        return p && p.metadata.uid !== before.metadata.uid && isReady(p);
      },
      45_000,
      250,
    );
    assert.equal((await k(['exec', 'db-0', '--', 'cat', '/data/boots'])).stdout, 'db-0\ndb-0\n');

    // A claim in use is kept until its pod is gone; then its volume and directory go too.
    await k(['delete', 'pvc', 'data-db-1', '--wait=false']);
    const terminating = (await k(['get', 'pvc', 'data-db-1'])).stdout;
    assert.match(terminating, /data-db-1\s+Terminating/);
    await k(['delete', 'statefulset', 'db']);
    await waitGone('app=db');
    await k(['delete', 'pvc', 'data-db-0']);
    const [node] = (await getJson<{ items: { metadata: { annotations: Record<string, string> } }[] }>(['nodes'])).items;
    const volumeDir = node.metadata.annotations['hale.dev/local-volume-dir'];
    assert.ok(volumeDir.startsWith(hale.dataDir), volumeDir);
    await eventually(
      async () => (await k(['get', 'pv', '-o', 'name'])).stdout.trim() === '' && readdirSync(volumeDir).length === 0,
      30_000,
      250,
    );
  });

  test('a Job with a flaky command succeeds after a retry; one that always fails stops at backoffLimit, also with OnFailure', async () => {
    const markerFile = join(hostDir, 'attempted');
    const job = (name: string, script: string, backoffLimit: number, restartPolicy = 'Never') => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  backoffLimit: ${backoffLimit}
  template:
    spec:
      restartPolicy: ${restartPolicy}
      terminationGracePeriodSeconds: 1
      containers:
      - name: work
        image: hale.local/sh
        command: ["sh", "-c", ${JSON.stringify(script)}]
        volumeMounts: [{name: shared, mountPath: ${JSON.stringify(hostDir)}}]
      volumes:
      - name: shared
        hostPath: {path: ${JSON.stringify(hostDir)}, type: Directory}
`;
    // First attempt leaves a marker and fails; the retry finds it and succeeds.
    await apply(job('flaky', `if [ -f ${markerFile} ]; then echo second try; exit 0; fi; touch ${markerFile}; exit 1`, 4));
    await apply(job('doomed', 'echo failing; exit 2', 1));
    // OnFailure: the container restarts in its pod, which never fails; its restarts count.
    await apply(job('crashloop', 'echo failing; exit 3', 1, 'OnFailure'));

    const jobStatus = (name: string) =>
      getJson<{ status: { succeeded?: number; failed?: number; conditions?: { type: string; status: string; reason?: string }[] } }>([
        'job',
        name,
      ]);
    /** The Job's status once its condition `type` is True. */
    const finished = (name: string, type: 'Complete' | 'Failed') =>
      eventually(
        async () => {
          const s = (await jobStatus(name)).status;
          return s.conditions?.some((c) => c.type === type && c.status === 'True') && s;
        },
        60_000,
        250,
      );
    const flaky = await finished('flaky', 'Complete');
    assert.equal(flaky.succeeded, 1);
    assert.equal(flaky.failed, 1);
    assert.ok(readdirSync(hostDir).includes('attempted'));

    const doomed = await finished('doomed', 'Failed');
    const failedCondition = doomed.conditions!.find((c) => c.type === 'Failed')!;
    assert.equal(failedCondition.reason, 'BackoffLimitExceeded');
    assert.equal(doomed.failed, 2);
    assert.equal(doomed.succeeded ?? 0, 0);
    // No further attempts once failed.
    const attempts = (await pods('job-name=doomed')).length;
    assert.ok(attempts <= 2, `doomed job ran ${attempts} pods`);

    const crashloop = await finished('crashloop', 'Failed');
    assert.equal(crashloop.conditions!.find((c) => c.type === 'Failed')!.reason, 'BackoffLimitExceeded');

    // What Hale's job controller does not do is said when the Job is written.
    const perIndex = `apiVersion: batch/v1
kind: Job
metadata: {name: per-index}
spec:
  completionMode: Indexed
  completions: 2
  backoffLimitPerIndex: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: work, image: hale.local/sh, command: [sh, -c, 'exit 0']}]
`;
    const dryRun = await k(['apply', '--dry-run=server', '-f', '-'], { stdin: perIndex });
    assert.match(dryRun.stderr, /^Warning: spec\.backoffLimitPerIndex is not supported by this cluster: /m);

    await k(['delete', 'job', 'flaky', 'doomed', 'crashloop']);
    await eventually(async () => (await pods('job-name in (flaky,doomed,crashloop)')).length === 0, 30_000, 250);
  });
});

/** Pids of host processes whose command line contains `pattern`. */
function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The flaky-server process of the pod with this IP (its environment carries POD_IP). */
function appPidForPodIp(podIp: string): number {
  for (const pid of pgrep(marker)) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      // The shim's command line carries the app's too: match the app itself (argv[1]).
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[1] === flakyServer && env.includes(`POD_IP=${podIp}`)) return pid;
    } catch {
      // The process ended between listing and reading.
    }
  }
  throw new Error(`no flaky-server process with POD_IP=${podIp}`);
}
