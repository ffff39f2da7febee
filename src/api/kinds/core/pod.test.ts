import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import { hasDefinition } from '../../schema/registry.ts';
import { podQOSClass, podResource, podSelectableFields, preparePodForCreate, validatePod } from './pod.ts';

type Json = Record<string, any>;

const withResources = (...resources: (Json | undefined)[]): Json => ({
  spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: 'x', resources: r })) },
});

describe('podResource', () => {
  it('is served as pods / po in the all category with status and ephemeralcontainers subresources', () => {
    assert.equal(podResource.plural, 'pods');
    assert.equal(podResource.kind, 'Pod');
    assert.equal(podResource.group, '');
    assert.deepEqual(podResource.shortNames, ['po']);
    assert.deepEqual(podResource.categories, ['all']);
    assert.deepEqual(podResource.subresources, { status: true, ephemeralContainers: true });
    assert.ok(hasDefinition(podResource.schema));
  });

  it('defaults, then validates a minimal pod', () => {
    const pod: Json = { metadata: { name: 'p' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    podResource.defaults?.(pod);
    assert.equal(pod.spec.enableServiceLinks, true);
    assert.deepEqual(podResource.validate?.(pod), []);
  });
});

describe('podQOSClass', () => {
  it('is BestEffort without requests or limits', () => {
    assert.equal(podQOSClass(withResources(undefined, {})), 'BestEffort');
    assert.equal(podQOSClass(withResources({ requests: { 'example.com/gpu': '1' } })), 'BestEffort', 'only cpu and memory count');
  });

  it('is Guaranteed when every container has equal cpu and memory requests and limits', () => {
    const r = { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '0.5', memory: '1024Mi' } };
    assert.equal(podQOSClass(withResources(r, r)), 'Guaranteed');
  });

  it('is Burstable otherwise', () => {
    assert.equal(podQOSClass(withResources({ requests: { cpu: '100m' } })), 'Burstable');
    assert.equal(
      podQOSClass(withResources({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } })),
      'Burstable',
    );
    const full = { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } };
    assert.equal(podQOSClass(withResources(full, { limits: { cpu: '1' }, requests: { cpu: '1' } })), 'Burstable');
  });
});

describe('preparePodForCreate', () => {
  it('replaces any client status with Pending and the QoS class', () => {
    const pod: Json = { ...withResources({ requests: { memory: '64Mi' } }), status: { phase: 'Running', podIP: '1.2.3.4' } };
    preparePodForCreate(pod);
    assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'Burstable' });
  });

  it('adds the SchedulingGated condition for gated pods', () => {
    const pod: Json = { spec: { containers: [], schedulingGates: [{ name: 'example.com/quota' }] } };
    preparePodForCreate(pod);
    assert.deepEqual(pod.status.conditions, [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      },
    ]);
  });

  it('merges matchLabelKeys into pod affinity selectors using the pod labels', () => {
    const pod: Json = {
      metadata: { labels: { app: 'web', rev: 'abc' } },
      spec: {
        containers: [],
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                topologyKey: 'zone',
                labelSelector: { matchLabels: { app: 'web' } },
                matchLabelKeys: ['rev', 'absent'],
                mismatchLabelKeys: ['app'],
              },
            ],
          },
        },
      },
    };
    preparePodForCreate(pod);
    assert.deepEqual(pod.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions, [
      { key: 'rev', operator: 'In', values: ['abc'] },
      { key: 'app', operator: 'NotIn', values: ['web'] },
    ]);
  });
});

describe('validatePod', () => {
  const withEphemeral = (resourceVersion?: string): Json => {
    const pod: Json = {
      metadata: { name: 'p', resourceVersion },
      spec: { containers: [{ name: 'web', image: 'nginx' }], ephemeralContainers: [{ name: 'debug', image: 'busybox' }] },
    };
    podResource.defaults?.(pod);
    return pod;
  };

  it('rejects ephemeral containers on create but keeps them on stored pods', () => {
    assert.deepEqual(validatePod(withEphemeral()).map(formatFieldError), ['spec.ephemeralContainers: Forbidden: cannot be set on create']);
    assert.deepEqual(validatePod(withEphemeral('42')), []);
  });

  it('only lets the image change on update', () => {
    const old = withEphemeral('1');
    const next = structuredClone(old);
    next.spec.containers[0].image = 'nginx:2';
    assert.deepEqual(podResource.validateUpdate?.(next, old), []);
    next.spec.containers[0].command = ['sh'];
    assert.equal(podResource.validateUpdate?.(next, old).length, 1);
  });
});

describe('podSelectableFields', () => {
  it('exposes the fields kubectl --field-selector uses on pods', () => {
    const pod: Json = {
      spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
      status: { phase: 'Running', podIPs: [{ ip: '10.1.0.7' }] },
    };
    assert.deepEqual(podSelectableFields(pod), {
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'default',
      'spec.hostNetwork': 'false',
      'status.phase': 'Running',
      'status.podIP': '10.1.0.7',
      'status.nominatedNodeName': '',
    });
  });
});
