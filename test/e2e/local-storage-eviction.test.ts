// Local-storage limits end to end: the real kubectl 1.33 against a real `hale server` with its
// embedded agent (process runtime). A pod that writes past its emptyDir's sizeLimit, or logs
// past its container's ephemeral-storage limit, is evicted as the kubelet evicts it: phase
// Failed, reason Evicted, the kubelet's message and a Warning Evicted event; a bare pod stays
// Failed, a Deployment's pod is replaced.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, expectKubectl, type HaleServer, startHale, stopHaleWithPods } from './harness.ts';

const marker = `hale-eviction-e2e-${process.pid}`;

interface Pod {
  metadata: { name: string; uid: string };
  status: { phase?: string; reason?: string; message?: string; conditions?: { type: string; status: string }[] };
}

describe('local storage eviction', () => {
  let server: HaleServer;
  before(async () => {
    server = await startHale({ withAgent: true });
  });
  after(async () => {
    await stopHaleWithPods(server, marker);
  });

  const apply = (yaml: string) => expectKubectl(server, '1.33', ['apply', '-f', '-'], { stdin: yaml });
  const getPod = async (name: string): Promise<Pod> =>
    JSON.parse((await expectKubectl(server, '1.33', ['get', 'pod', name, '-o', 'json'])).stdout);
  const evictedEvent = async (name: string) => {
    const out = await expectKubectl(server, '1.33', [
      'get',
      'events',
      '--field-selector',
      `involvedObject.name=${name},reason=Evicted`,
      '-o',
      'json',
    ]);
    return (JSON.parse(out.stdout).items as { type: string; message: string }[])[0];
  };

  test('a pod writing 8 MiB into an emptyDir with sizeLimit 5Mi is evicted and stays Failed', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: filler
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "head -c 8388608 /dev/urandom > /cache/fill && exec sleep 3600", "${marker}"]
    volumeMounts:
    - {name: cache, mountPath: /cache}
  volumes:
  - name: cache
    emptyDir: {sizeLimit: 5Mi}
`);
    const message = 'Usage of EmptyDir volume "cache" exceeds the limit "5Mi". ';
    const pod = await eventually(async () => {
      const p = await getPod('filler');
      return p.status.phase === 'Failed' ? p : undefined;
    }, 60_000);
    assert.equal(pod.status.reason, 'Evicted');
    assert.equal(pod.status.message, message);
    assert.equal(
      pod.status.conditions?.find((c) => c.type === 'DisruptionTarget'),
      undefined,
    );
    const event = await eventually(() => evictedEvent('filler'), 20_000);
    assert.equal(event.type, 'Warning');
    assert.equal(event.message, message);
    // kubectl describe shows the status reason and message.
    const described = await expectKubectl(server, '1.33', ['describe', 'pod', 'filler']);
    assert.match(described.stdout, /^Reason:\s+Evicted$/m);
    assert.match(described.stdout, /^Message:\s+Usage of EmptyDir volume "cache" exceeds the limit "5Mi"\./m);
    // A bare pod is not restarted.
    const later = await getPod('filler');
    assert.equal(later.status.phase, 'Failed');
    assert.equal(later.metadata.uid, pod.metadata.uid);
  });

  test("a Deployment's container logging past its ephemeral-storage limit is evicted and replaced", async () => {
    await apply(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: chatty
spec:
  replicas: 1
  selector: {matchLabels: {app: chatty}}
  template:
    metadata: {labels: {app: chatty}}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
      - name: app
        image: busybox
        command: ["sh", "-c", "head -c 2097152 /dev/zero | od -v | head -c 2097152 && exec sleep 3600", "${marker}"]
        resources:
          limits: {ephemeral-storage: 1Mi}
`);
    const listPods = async (): Promise<Pod[]> =>
      JSON.parse((await expectKubectl(server, '1.33', ['get', 'pods', '-l', 'app=chatty', '-o', 'json'])).stdout).items;
    const evicted = await eventually(async () => (await listPods()).find((p) => p.status.reason === 'Evicted'), 60_000);
    assert.equal(evicted.status.phase, 'Failed');
    assert.equal(evicted.status.message, 'Pod ephemeral local storage usage exceeds the total limit of containers 1Mi. ');
    // The ReplicaSet counts the Failed pod out and makes another.
    await eventually(async () => (await listPods()).some((p) => p.metadata.uid !== evicted.metadata.uid), 30_000);
    await expectKubectl(server, '1.33', ['delete', 'deployment', 'chatty', '--wait=false']);
  });
});
