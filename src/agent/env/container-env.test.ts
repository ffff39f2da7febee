import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { containerEnvResolver, resolveContainerEnv } from './container-env.ts';
import { expandArgs } from './expansion.ts';

let cluster: InProcessCluster;
const ns = 'envtest';
const b64 = (s: string) => Buffer.from(s).toString('base64');

before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace(ns);
  await cluster.createNamespace('quiet');
  const { client } = cluster;
  await client.create(resources.configMaps, ns, {
    metadata: { name: 'app-config' },
    data: { MODE: 'prod', PORT: '8080', 'log.level': 'debug' },
  });
  await client.create(resources.configMaps, ns, { metadata: { name: 'extra' }, data: { MODE: 'override' } });
  await client.create(resources.secrets, ns, { metadata: { name: 'creds' }, data: { USER: b64('admin'), PASSWORD: b64('s3cret') } });
  await client.create(resources.services, ns, {
    metadata: { name: 'my-db' },
    spec: {
      clusterIP: '10.96.0.20',
      ports: [
        { name: 'sql', port: 5432, protocol: 'TCP' },
        { name: 'metrics', port: 9187 },
      ],
    },
  });
});

after(async () => {
  await cluster?.stop();
});

function podWith(container: KubeObject, spec: KubeObject = {}): KubeObject {
  return {
    metadata: { name: 'web-0', namespace: ns, uid: 'uid-1', labels: { app: 'web' } },
    spec: { nodeName: 'node-a', serviceAccountName: 'default', enableServiceLinks: true, containers: [container], ...spec },
    status: { podIP: '127.1.2.3', podIPs: [{ ip: '127.1.2.3' }], hostIP: '10.0.0.7', hostIPs: [{ ip: '10.0.0.7' }] },
  };
}

async function envOf(container: KubeObject, spec?: KubeObject, node?: KubeObject) {
  const pod = podWith({ name: 'app', ...container }, spec);
  return resolveContainerEnv(cluster.client, pod, pod.spec.containers[0], node);
}

const asMap = (env: { name: string; value: string }[]) => new Map(env.map((e) => [e.name, e.value]));
const noLinks = { enableServiceLinks: false };

test('envFrom imports ConfigMap and Secret data with prefixes; env overrides and keeps order', async () => {
  const { env } = await envOf(
    {
      envFrom: [
        { configMapRef: { name: 'app-config' } },
        { prefix: 'DB_', secretRef: { name: 'creds' } },
        { configMapRef: { name: 'extra' } },
      ],
      env: [
        { name: 'GREETING', value: 'hello' },
        { name: 'PORT', value: '9090' },
      ],
    },
    noLinks,
  );
  assert.deepEqual(env, [
    { name: 'MODE', value: 'override' }, // the later envFrom wins, the first position stays
    { name: 'PORT', value: '9090' },
    { name: 'log.level', value: 'debug' },
    { name: 'DB_PASSWORD', value: 's3cret' },
    { name: 'DB_USER', value: 'admin' },
    { name: 'GREETING', value: 'hello' },
  ]);
});

test('$(VAR) in values expands against earlier variables only; $$ escapes', async () => {
  const { env } = await envOf(
    {
      envFrom: [{ configMapRef: { name: 'app-config' } }],
      env: [
        { name: 'URL', value: 'http://$(HOST):$(PORT)/' },
        { name: 'HOST', value: 'localhost' },
        { name: 'URL2', value: 'http://$(HOST):$(PORT)/' },
        { name: 'LITERAL', value: '$$(HOST) and $$$(HOST)' },
        { name: 'FROM_FIELD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'USES_FIELD', value: '$(FROM_FIELD).$(UNDEFINED)' },
      ],
    },
    noLinks,
  );
  const m = asMap(env);
  assert.equal(m.get('URL'), 'http://$(HOST):8080/');
  assert.equal(m.get('URL2'), 'http://localhost:8080/');
  assert.equal(m.get('LITERAL'), '$(HOST) and $localhost');
  assert.equal(m.get('USES_FIELD'), 'web-0.$(UNDEFINED)');
});

test('valueFrom: configMapKeyRef, secretKeyRef, fieldRef and resourceFieldRef', async () => {
  const node = { metadata: { name: 'node-a' }, status: { allocatable: { cpu: '8', memory: '16Gi' } } };
  const { env } = await envOf(
    {
      resources: { limits: { memory: '128Mi' }, requests: { cpu: '500m', memory: '64Mi' } },
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'MODE' } } },
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'POD_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
        { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'MEM_LIMIT_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_REQUEST_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      ],
    },
    noLinks,
    node,
  );
  assert.deepEqual(Object.fromEntries(asMap(env)), {
    MODE: 'prod',
    PASS: 's3cret',
    NS: ns,
    UID: 'uid-1',
    APP: 'web',
    NODE: 'node-a',
    SA: 'default',
    POD_IP: '127.1.2.3',
    POD_IPS: '127.1.2.3',
    HOST_IP: '10.0.0.7',
    MEM_LIMIT_MI: '128',
    CPU_LIMIT: '8', // no cpu limit: the node's allocatable
    CPU_REQUEST_M: '500',
  });
});

test('optional sources that are missing leave the variable out', async () => {
  const { env } = await envOf(
    {
      envFrom: [{ configMapRef: { name: 'nope', optional: true } }, { secretRef: { name: 'nope', optional: true } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'missing', optional: true } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'creds', key: 'missing', optional: true } } },
        { name: 'D', value: 'kept' },
      ],
    },
    noLinks,
  );
  assert.deepEqual(env, [{ name: 'D', value: 'kept' }]);
});

test('missing required objects and keys fail with the kubelet messages', async () => {
  const fails = (container: KubeObject, message: string) => assert.rejects(envOf(container, noLinks), { message });
  await fails({ envFrom: [{ configMapRef: { name: 'absent' } }] }, 'configmap "absent" not found');
  await fails({ envFrom: [{ secretRef: { name: 'absent' } }] }, 'secret "absent" not found');
  await fails({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k' } } }] }, 'configmap "absent" not found');
  await fails({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }] }, 'secret "absent" not found');
  await fails(
    { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'k' } } }] },
    `couldn't find key k in ConfigMap ${ns}/app-config`,
  );
  await fails(
    { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] },
    `couldn't find key k in Secret ${ns}/creds`,
  );
});

test('service link variables for the namespace, after the container variables', async () => {
  const { env } = await envOf({ env: [{ name: 'MY_DB_SERVICE_PORT', value: 'mine' }] });
  const m = asMap(env);
  assert.equal(env[0].name, 'MY_DB_SERVICE_PORT');
  assert.equal(m.get('MY_DB_SERVICE_PORT'), 'mine'); // a container's own definition wins
  assert.equal(m.get('MY_DB_SERVICE_HOST'), '10.96.0.20');
  assert.equal(m.get('MY_DB_SERVICE_PORT_SQL'), '5432');
  assert.equal(m.get('MY_DB_SERVICE_PORT_METRICS'), '9187');
  assert.equal(m.get('MY_DB_PORT'), 'tcp://10.96.0.20:5432');
  assert.equal(m.get('MY_DB_PORT_5432_TCP'), 'tcp://10.96.0.20:5432');
  assert.equal(m.get('MY_DB_PORT_5432_TCP_PROTO'), 'tcp');
  assert.equal(m.get('MY_DB_PORT_5432_TCP_PORT'), '5432');
  assert.equal(m.get('MY_DB_PORT_5432_TCP_ADDR'), '10.96.0.20');
  assert.equal(m.get('MY_DB_PORT_9187_TCP_PORT'), '9187');
  // Service variables take part in $(VAR) expansion.
  const { env: env2 } = await envOf({ env: [{ name: 'DSN', value: 'pg://$(MY_DB_SERVICE_HOST):$(MY_DB_SERVICE_PORT)' }] });
  assert.equal(asMap(env2).get('DSN'), 'pg://10.96.0.20:5432');
});

test('enableServiceLinks: false leaves out the namespace Services', async () => {
  const { env } = await envOf({}, noLinks);
  assert.ok(!env.some((e) => e.name.startsWith('MY_DB_')));
});

test('the agent resolver returns the list and command/args expand against it', async () => {
  const resolve = containerEnvResolver(cluster.client);
  const pod = podWith(
    { name: 'app', env: [{ name: 'PORT', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'PORT' } } }] },
    noLinks,
  );
  const env = await resolve(pod, pod.spec.containers[0], undefined);
  assert.deepEqual(expandArgs(['serve', '--port=$(PORT)', '$$(PORT)'], env), ['serve', '--port=8080', '$(PORT)']);
});

test('envFrom names a process cannot carry are skipped with an InvalidEnvironmentVariableNames event', async () => {
  const { EventRecorder } = await import('../../controllers/framework/event-recorder.ts');
  const recorder = new EventRecorder(cluster.client, 'kubelet');
  const resolve = containerEnvResolver(cluster.client, { recorder });
  // The pod here is not stored, so its (invalid) prefix never met API validation.
  const pod = podWith(
    { name: 'app', envFrom: [{ prefix: 'BAD=', configMapRef: { name: 'extra' } }, { secretRef: { name: 'creds' } }] },
    noLinks,
  );
  const env = await resolve(pod, pod.spec.containers[0], undefined);
  assert.deepEqual(
    env.map((e) => e.name),
    ['PASSWORD', 'USER'],
  );
  const message = `Keys [BAD=MODE] from the EnvFrom configMap ${ns}/extra were skipped since they are considered invalid environment variable names.`;
  const { direct } = await resolveContainerEnv(cluster.client, pod, pod.spec.containers[0], undefined).then((r) => ({
    direct: r.warnings,
  }));
  assert.deepEqual(direct, [message]);
  // The recorder writes in the background.
  await eventually('the InvalidEnvironmentVariableNames event', async () => {
    const events = await cluster.client.list(resources.events, ns);
    return events.items.some((e) => e.reason === 'InvalidEnvironmentVariableNames' && e.message === message && e.type === 'Warning');
  });
});
