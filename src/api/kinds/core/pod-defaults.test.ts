import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultImagePullPolicy,
  defaultPod,
  defaultPodSpec,
  defaultPodTemplateSpec,
  fillPodConditionTimes,
  imageTag,
} from './pod-defaults.ts';

describe('imagePullPolicy defaulting', () => {
  it('reads the tag the way the docker reference parser does', () => {
    assert.equal(imageTag('nginx'), 'latest');
    assert.equal(imageTag('nginx:1.25'), '1.25');
    assert.equal(imageTag('localhost:5000/team/app'), 'latest', 'a registry port is not a tag');
    assert.equal(imageTag('localhost:5000/team/app:v2'), 'v2');
    assert.equal(imageTag('nginx@sha256:abc'), '', 'digest only: no tag');
    assert.equal(imageTag('nginx:1.25@sha256:abc'), '1.25');
  });

  it('is Always for latest or untagged images and IfNotPresent otherwise', () => {
    assert.equal(defaultImagePullPolicy('nginx'), 'Always');
    assert.equal(defaultImagePullPolicy('nginx:latest'), 'Always');
    assert.equal(defaultImagePullPolicy('nginx:1.25'), 'IfNotPresent');
    assert.equal(defaultImagePullPolicy('nginx@sha256:abc'), 'IfNotPresent');
    assert.equal(defaultImagePullPolicy(''), 'IfNotPresent');
  });
});

describe('defaultPodSpec', () => {
  it('fills the pod-level defaults', () => {
    const spec: Record<string, any> = { containers: [{ name: 'web', image: 'nginx' }] };
    defaultPodSpec(spec);
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, undefined, 'enableServiceLinks is a Pod-only default');
  });

  it('keeps explicit values, including a zero grace period', () => {
    const spec: Record<string, any> = { containers: [], restartPolicy: 'Never', terminationGracePeriodSeconds: 0, dnsPolicy: 'None' };
    defaultPodSpec(spec);
    assert.equal(spec.restartPolicy, 'Never');
    assert.equal(spec.terminationGracePeriodSeconds, 0);
    assert.equal(spec.dnsPolicy, 'None');
  });

  it('defaults containers, ports, env field refs, probes and lifecycle hooks', () => {
    const spec: Record<string, any> = {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.25',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
          env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
          startupProbe: { grpc: { port: 9000 } },
          lifecycle: { preStop: { httpGet: { port: 80 } } },
        },
      ],
      initContainers: [{ name: 'init', image: 'busybox' }],
    };
    defaultPodSpec(spec);
    const c = spec.containers[0];
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.deepEqual(
      c.ports.map((p: any) => p.protocol),
      ['TCP', 'UDP'],
    );
    assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
    assert.deepEqual(c.livenessProbe, {
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.equal(c.readinessProbe.periodSeconds, 5);
    assert.equal(c.startupProbe.grpc.service, '');
    assert.deepEqual(c.lifecycle.preStop.httpGet, { port: 80, path: '/', scheme: 'HTTP' });
    assert.equal(spec.initContainers[0].imagePullPolicy, 'Always');
  });

  it('defaults volumes, and turns a volume without a source into an emptyDir', () => {
    const spec: Record<string, any> = {
      containers: [],
      volumes: [
        { name: 'scratch' },
        { name: 'cfg', configMap: { name: 'app' } },
        { name: 'creds', secret: { secretName: 'app', defaultMode: 0o400 } },
        { name: 'host', hostPath: { path: '/var/log' } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'all', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
        { name: 'eph', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } } },
      ],
    };
    defaultPodSpec(spec);
    const [scratch, cfg, creds, host, info, all, eph] = spec.volumes;
    assert.deepEqual(scratch, { name: 'scratch', emptyDir: {} });
    assert.equal(cfg.configMap.defaultMode, 420);
    assert.equal(creds.secret.defaultMode, 0o400);
    assert.equal(host.hostPath.type, '');
    assert.equal(info.downwardAPI.defaultMode, 420);
    assert.equal(info.downwardAPI.items[0].fieldRef.apiVersion, 'v1');
    assert.equal(all.projected.defaultMode, 420);
    assert.equal(all.projected.sources[0].serviceAccountToken.expirationSeconds, 3600);
    assert.equal(eph.ephemeral.volumeClaimTemplate.spec.volumeMode, 'Filesystem');
  });

  it('mirrors serviceAccountName into the deprecated serviceAccount field', () => {
    const fromOld: Record<string, any> = { containers: [], serviceAccount: 'builder' };
    defaultPodSpec(fromOld);
    assert.equal(fromOld.serviceAccountName, 'builder');
    const fromNew: Record<string, any> = { containers: [], serviceAccountName: 'robot', serviceAccount: 'stale' };
    defaultPodSpec(fromNew);
    assert.equal(fromNew.serviceAccount, 'robot');
  });

  it('is idempotent', () => {
    const spec: Record<string, any> = { containers: [{ name: 'a', image: 'x', livenessProbe: { exec: { command: ['true'] } } }] };
    defaultPodSpec(spec);
    const once = structuredClone(spec);
    defaultPodSpec(spec);
    assert.deepEqual(spec, once);
  });
});

describe('defaultPodTemplateSpec', () => {
  it('defaults the template spec but not the Pod-only fields', () => {
    const template: Record<string, any> = {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx', resources: { limits: { cpu: '1' } } }] },
    };
    defaultPodTemplateSpec(template);
    assert.equal(template.spec.restartPolicy, 'Always');
    assert.equal(template.spec.containers[0].imagePullPolicy, 'Always');
    assert.equal(template.spec.enableServiceLinks, undefined);
    assert.equal(template.spec.containers[0].resources.requests, undefined, 'requests are only defaulted on Pods');
  });
});

describe('defaultPod', () => {
  it('adds the Pod-only defaults: service links, requests from limits, host ports', () => {
    const pod: Record<string, any> = {
      spec: {
        hostNetwork: true,
        containers: [
          {
            name: 'web',
            image: 'nginx',
            ports: [{ containerPort: 8080 }],
            resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
          },
        ],
      },
    };
    defaultPod(pod);
    assert.equal(pod.spec.enableServiceLinks, true);
    assert.deepEqual(pod.spec.containers[0].resources.requests, { cpu: '100m', memory: '128Mi' });
    assert.equal(pod.spec.containers[0].ports[0].hostPort, 8080);
    assert.equal(pod.spec.restartPolicy, 'Always');
  });

  it('keeps enableServiceLinks false and leaves host ports alone without host networking', () => {
    const pod: Record<string, any> = {
      spec: { enableServiceLinks: false, containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80 }] }] },
    };
    defaultPod(pod);
    assert.equal(pod.spec.enableServiceLinks, false);
    assert.equal(pod.spec.containers[0].ports[0].hostPort, undefined);
    assert.equal(pod.spec.containers[0].resources, undefined);
  });
});

describe('pod condition times', () => {
  it('fills an unset lastProbeTime or lastTransitionTime with null and keeps set ones', () => {
    const pod = {
      status: {
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable' },
          { type: 'Ready', status: 'True', lastProbeTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:01Z' },
        ],
      },
    };
    fillPodConditionTimes(pod);
    assert.deepEqual(pod.status.conditions, [
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastProbeTime: null, lastTransitionTime: null },
      { type: 'Ready', status: 'True', lastProbeTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:01Z' },
    ]);
    const bare = { spec: {} };
    fillPodConditionTimes(bare);
    assert.deepEqual(bare, { spec: {} });
  });
});
