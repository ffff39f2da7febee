import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allDefinitions, getDefinition, jsonFields } from '../schema/registry.ts';
import { checkFields } from '../schema/strict-decode.ts';
import type { Definition, Schema } from '../schema/types.ts';
import './meta-v1.ts';
import './core-v1-pod.ts';

const CORE = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** Names these two files reference but other modules define. */
const EXTERNAL = new Set([`${CORE}.PersistentVolumeClaimSpec`]);

const mine = (): [string, Definition][] =>
  Object.entries(allDefinitions()).filter(([name]) => name.startsWith(META) || name.startsWith(CORE));

function refsOf(schema: Schema): string[] {
  if ('ref' in schema) return [schema.ref];
  if (schema.type === 'array') return refsOf(schema.items);
  if (schema.type === 'map') return refsOf(schema.values);
  return [];
}

describe('meta/v1 and core/v1 pod definitions', () => {
  it('only reference registered definitions', () => {
    const known = allDefinitions();
    for (const [name, def] of mine()) {
      for (const [field, schema] of Object.entries(def.fields)) {
        for (const ref of refsOf(schema)) {
          assert.ok(ref in known || EXTERNAL.has(ref), `${name}.${field} refers to unknown ${ref}`);
        }
      }
      for (const embedded of def.inline ?? []) assert.ok(embedded.ref in known, `${name} inlines unknown ${embedded.ref}`);
    }
  });

  it('give every field a protobuf number, unique within its message', () => {
    for (const [name, def] of mine()) {
      const numbers = new Map<number, string>();
      for (const embedded of def.inline ?? []) numbers.set(embedded.proto, `inline ${embedded.ref}`);
      for (const [field, f] of Object.entries(def.fields)) {
        if (field === 'apiVersion' || field === 'kind') continue;
        assert.ok(typeof f.proto === 'number' && f.proto > 0, `${name}.${field} has no proto number`);
        assert.ok(!numbers.has(f.proto), `${name}.${field} reuses proto ${f.proto} of ${numbers.get(f.proto)}`);
        numbers.set(f.proto, field);
      }
    }
  });

  it('use the published field numbers', () => {
    const proto = (def: string, field: string) => getDefinition(def).fields[field]?.proto;
    assert.equal(proto(`${META}.ObjectMeta`, 'managedFields'), 17);
    assert.equal(proto(`${META}.OwnerReference`, 'apiVersion'), 5);
    assert.equal(proto(`${META}.ManagedFieldsEntry`, 'fieldsV1'), 7);
    assert.equal(proto(`${CORE}.Container`, 'envFrom'), 19);
    assert.equal(proto(`${CORE}.Container`, 'startupProbe'), 22);
    assert.equal(proto(`${CORE}.PodSpec`, 'ephemeralContainers'), 34);
    assert.equal(proto(`${CORE}.PodSpec`, 'initContainers'), 20);
    assert.equal(proto(`${CORE}.PodStatus`, 'nominatedNodeName'), 11);
    assert.equal(proto(`${CORE}.VolumeSource`, 'projected'), 26);
    assert.equal(proto(`${CORE}.VolumeSource`, 'image'), 30);
    assert.equal(proto(`${CORE}.ClusterTrustBundleProjection`, 'optional'), 5);
    assert.deepEqual(getDefinition(`${CORE}.Volume`).inline, [{ proto: 2, ref: `${CORE}.VolumeSource` }]);
    assert.deepEqual(getDefinition(`${CORE}.Probe`).inline, [{ proto: 1, ref: `${CORE}.ProbeHandler` }]);
  });

  it('flatten inlined structs into their JSON fields', () => {
    const volume = jsonFields(`${CORE}.Volume`);
    assert.ok(volume.name && volume.configMap && volume.emptyDir && volume.persistentVolumeClaim);
    const probe = jsonFields(`${CORE}.Probe`);
    assert.ok(probe.httpGet && probe.periodSeconds);
    assert.ok(jsonFields(`${CORE}.EphemeralContainer`).image);
    assert.ok(jsonFields(`${CORE}.ConfigMapKeySelector`).name, 'LocalObjectReference.name is inlined');
    assert.ok(jsonFields(`${CORE}.ConfigMapVolumeSource`).name);
  });

  it('declare the strategic merge keys kubectl apply relies on', () => {
    const spec = getDefinition(`${CORE}.PodSpec`).fields;
    assert.equal(spec.containers.patchMergeKey, 'name');
    assert.equal(spec.volumes.patchStrategy, 'merge,retainKeys');
    assert.equal(spec.tolerations.patchStrategy, undefined);
    const container = getDefinition(`${CORE}.Container`).fields;
    assert.equal(container.ports.patchMergeKey, 'containerPort');
    assert.deepEqual(container.ports.listMapKeys, ['containerPort', 'protocol']);
    assert.equal(container.volumeMounts.patchMergeKey, 'mountPath');
    assert.equal(getDefinition(`${CORE}.PodStatus`).fields.conditions.patchMergeKey, 'type');
    assert.equal(getDefinition(`${META}.ObjectMeta`).fields.ownerReferences.patchMergeKey, 'uid');
  });

  it('list the values of Kubernetes enums, which kubectl explain prints under ENUM', () => {
    const enumOf = (def: string, field: string) => (getDefinition(`${CORE}.${def}`).fields[field] as { enum?: string[] }).enum;
    assert.deepEqual(enumOf('PodSpec', 'restartPolicy'), ['Always', 'Never', 'OnFailure']);
    assert.deepEqual(enumOf('PodSpec', 'dnsPolicy'), ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']);
    assert.deepEqual(enumOf('Container', 'imagePullPolicy'), ['Always', 'IfNotPresent', 'Never']);
    assert.deepEqual(enumOf('PodStatus', 'phase'), ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown']);
    assert.deepEqual(enumOf('Toleration', 'operator'), ['Equal', 'Exists']);
  });

  it('mark top-level kinds and lists with their group/version/kind', () => {
    assert.deepEqual(getDefinition(`${CORE}.Pod`).gvk, [{ group: '', version: 'v1', kind: 'Pod' }]);
    assert.deepEqual(getDefinition(`${CORE}.PodList`).gvk, [{ group: '', version: 'v1', kind: 'PodList' }]);
    assert.deepEqual(getDefinition(`${CORE}.PodTemplateList`).gvk, [{ group: '', version: 'v1', kind: 'PodTemplateList' }]);
    assert.equal(getDefinition(`${CORE}.Pod`).fields.status.proto, 3);
  });

  it('accept a full pod as a real cluster returns it, and flag unknown fields', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-7d9c',
        namespace: 'default',
        uid: 'a1b2',
        resourceVersion: '42',
        generation: 1,
        creationTimestamp: '2025-01-01T00:00:00Z',
        labels: { app: 'web' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'r1', controller: true, blockOwnerDeletion: true },
        ],
        managedFields: [
          {
            manager: 'kube-controller-manager',
            operation: 'Update',
            apiVersion: 'v1',
            time: '2025-01-01T00:00:00Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': {} },
          },
        ],
      },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.25',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [{ name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
            envFrom: [{ configMapRef: { name: 'cfg', optional: true } }],
            resources: { limits: { cpu: '500m' }, requests: { cpu: '250m' } },
            readinessProbe: {
              httpGet: { path: '/', port: 'http', scheme: 'HTTP' },
              periodSeconds: 10,
              successThreshold: 1,
              failureThreshold: 3,
              timeoutSeconds: 1,
            },
            lifecycle: { preStop: { sleep: { seconds: 5 } } },
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            volumeMounts: [{ name: 'kube-api-access-x', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
          },
        ],
        dnsPolicy: 'ClusterFirst',
        enableServiceLinks: true,
        nodeName: 'node-1',
        preemptionPolicy: 'PreemptLowerPriority',
        priority: 0,
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        serviceAccount: 'default',
        serviceAccountName: 'default',
        terminationGracePeriodSeconds: 30,
        tolerations: [{ effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 }],
        volumes: [
          {
            name: 'kube-api-access-x',
            projected: {
              defaultMode: 420,
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
              ],
            },
          },
        ],
      },
      status: {
        phase: 'Running',
        qosClass: 'Burstable',
        conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:05Z' }],
        hostIP: '10.0.0.1',
        hostIPs: [{ ip: '10.0.0.1' }],
        podIP: '10.244.0.5',
        podIPs: [{ ip: '10.244.0.5' }],
        startTime: '2025-01-01T00:00:01Z',
        containerStatuses: [
          {
            name: 'web',
            ready: true,
            started: true,
            restartCount: 0,
            image: 'docker.io/library/nginx:1.25',
            imageID: 'docker.io/library/nginx@sha256:00',
            containerID: 'containerd://abc',
            state: { running: { startedAt: '2025-01-01T00:00:02Z' } },
            lastState: {},
            volumeMounts: [
              {
                name: 'kube-api-access-x',
                mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
                readOnly: true,
                recursiveReadOnly: 'Disabled',
              },
            ],
          },
        ],
      },
    };
    assert.deepEqual(checkFields(pod, `${CORE}.Pod`), { unknown: [], errors: [] });

    const typo = structuredClone(pod) as any;
    typo.spec.containers[0].imagee = 'x';
    typo.spec.volumes[0].projected.sources[1].configMap.itemz = [];
    assert.deepEqual(checkFields(typo, `${CORE}.Pod`).unknown, [
      'spec.containers[0].imagee',
      'spec.volumes[0].projected.sources[1].configMap.itemz',
    ]);
  });
});
