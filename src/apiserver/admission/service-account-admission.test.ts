import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { podResource } from '../../api/kinds/core/pod.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { resources } from '../../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { SERVICE_ACCOUNT_MOUNT_PATH, serviceAccountAdmission } from './service-account-admission.ts';

let cluster: InProcessCluster;
let admit: ReturnType<typeof serviceAccountAdmission>;

before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace('sa');
  await cluster.client.create(resources.serviceAccounts, 'sa', { metadata: { name: 'default' } });
  await cluster.client.create(resources.serviceAccounts, 'sa', {
    metadata: { name: 'quiet' },
    automountServiceAccountToken: false,
    imagePullSecrets: [{ name: 'registry' }],
  });
  admit = serviceAccountAdmission(cluster.api.registry);
});
after(async () => {
  await cluster?.stop();
});

const pod = (spec: KubeObject): KubeObject => ({
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'app', image: 'app' }], initContainers: [{ name: 'init', image: 'init' }], ...spec },
});

test('a pod runs as default and gets the kube-api-access volume in every container', async () => {
  const p = pod({});
  await admit(podResource, p, 'sa');
  assert.equal(p.spec.serviceAccountName, 'default');
  assert.equal(p.spec.serviceAccount, 'default');
  assert.equal(p.spec.volumes.length, 1);
  const [volume] = p.spec.volumes;
  assert.match(volume.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(
    volume.projected.sources.map((s: KubeObject) => Object.keys(s)[0]),
    ['serviceAccountToken', 'configMap', 'downwardAPI'],
  );
  for (const c of [...p.spec.initContainers, ...p.spec.containers]) {
    assert.deepEqual(c.volumeMounts, [{ name: volume.name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }]);
  }
});

test('an existing kube-api-access volume is reused, and a mount a container has there is kept', async () => {
  const own = { name: 'mine', mountPath: SERVICE_ACCOUNT_MOUNT_PATH };
  const p = pod({
    volumes: [
      { name: 'kube-api-access-abcde', projected: { sources: [] } },
      { name: 'mine', emptyDir: {} },
    ],
    containers: [{ name: 'app', image: 'app', volumeMounts: [own] }],
  });
  await admit(podResource, p, 'sa');
  assert.deepEqual(
    p.spec.volumes.map((v: KubeObject) => v.name),
    ['kube-api-access-abcde', 'mine'],
  );
  assert.deepEqual(p.spec.containers[0].volumeMounts, [own]);
  assert.equal(p.spec.initContainers[0].volumeMounts[0].name, 'kube-api-access-abcde');
});

test('the pod or its service account can turn the token off', async () => {
  const byPod = pod({ automountServiceAccountToken: false });
  await admit(podResource, byPod, 'sa');
  assert.equal(byPod.spec.volumes, undefined);
  const byAccount = pod({ serviceAccountName: 'quiet' });
  await admit(podResource, byAccount, 'sa');
  assert.equal(byAccount.spec.volumes, undefined);
  const podWins = pod({ serviceAccountName: 'quiet', automountServiceAccountToken: true });
  await admit(podResource, podWins, 'sa');
  assert.equal(podWins.spec.volumes.length, 1);
});

test('a missing service account is refused as kube-apiserver does', async () => {
  await assert.rejects(admit(podResource, pod({ serviceAccountName: 'ghost' }), 'sa'), {
    message: 'pods "p" is forbidden: error looking up service account sa/ghost: serviceaccount "ghost" not found',
  });
  // A pod named by generateName (a ReplicaSet's) has no name yet: the prefix is named.
  const generated = pod({ serviceAccountName: 'ghost' });
  generated.metadata = { generateName: 'web-7d9f8c-' };
  await assert.rejects(admit(podResource, generated, 'sa'), { message: /^pods "web-7d9f8c-" is forbidden: / });
});

test("a pod without pull secrets gets its account's; its own are kept", async () => {
  const inherits = pod({ serviceAccountName: 'quiet' });
  await admit(podResource, inherits, 'sa');
  assert.deepEqual(inherits.spec.imagePullSecrets, [{ name: 'registry' }]);
  const own = pod({ serviceAccountName: 'quiet', imagePullSecrets: [{ name: 'mine' }] });
  await admit(podResource, own, 'sa');
  assert.deepEqual(own.spec.imagePullSecrets, [{ name: 'mine' }]);
  const none = pod({});
  await admit(podResource, none, 'sa');
  assert.equal(none.spec.imagePullSecrets, undefined);
});
