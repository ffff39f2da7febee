import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatus } from '../runtime/runtime.ts';
import { generatePodStatus, type PodStatusInputs, podPhase } from './pod-status.ts';

const running = { state: { running: { startedAt: 't' } } };
const exited = (exitCode: number) => ({ state: { terminated: { exitCode } } });
const crashLooping = (exitCode: number) => ({
  state: { waiting: { reason: 'CrashLoopBackOff' } },
  lastState: { terminated: { exitCode } },
});
const creating = { state: { waiting: { reason: 'ContainerCreating' } } };
const spec = (restartPolicy: string, extra: Record<string, unknown> = {}) => ({
  restartPolicy,
  containers: [{ name: 'a' }, { name: 'b' }],
  ...extra,
});
const named = (list: Record<string, any>[]) => list.map((s, i) => ({ name: ['a', 'b'][i], ...s }));

test('getPhase for app containers under each restart policy', () => {
  assert.equal(podPhase(spec('Always'), [], named([creating, running]), false), 'Pending');
  assert.equal(podPhase(spec('Always'), [], named([running, running]), false), 'Running');
  assert.equal(podPhase(spec('Always'), [], named([exited(0), crashLooping(1)]), false), 'Running');
  assert.equal(podPhase(spec('OnFailure'), [], named([exited(0), exited(0)]), false), 'Succeeded');
  assert.equal(podPhase(spec('OnFailure'), [], named([exited(0), crashLooping(1)]), false), 'Running');
  assert.equal(podPhase(spec('Never'), [], named([exited(0), exited(1)]), false), 'Failed');
  assert.equal(podPhase(spec('Never'), [], named([running, exited(1)]), false), 'Running');
  // A pod being deleted ends Succeeded only if every container succeeded.
  assert.equal(podPhase(spec('Always'), [], named([exited(0), exited(143)]), true), 'Failed');
  assert.equal(podPhase(spec('Always'), [], named([exited(0), exited(0)]), true), 'Succeeded');
});

test('getPhase with init containers', () => {
  const withInit = (restartPolicy: string) => spec(restartPolicy, { initContainers: [{ name: 'init' }] });
  assert.equal(podPhase(withInit('Always'), [{ name: 'init', ...running }], named([creating, creating]), false), 'Pending');
  assert.equal(podPhase(withInit('Never'), [{ name: 'init', ...exited(1) }], named([creating, creating]), false), 'Failed');
  assert.equal(podPhase(withInit('OnFailure'), [{ name: 'init', ...crashLooping(1) }], named([creating, creating]), false), 'Pending');
  // A sidecar only counts once started.
  const sidecar = spec('Always', { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] });
  assert.equal(podPhase(sidecar, [{ name: 'proxy', ...running, started: false }], named([creating, creating]), false), 'Pending');
  assert.equal(podPhase(sidecar, [{ name: 'proxy', ...running, started: true }], named([running, running]), false), 'Running');
});

function container(name: string, attempt: number, state: ContainerStatus['state'], exitCode?: number): ContainerStatus {
  return {
    id: `${name}-${attempt}`,
    sandboxId: 's',
    name,
    attempt,
    state,
    createdAt: new Date(Date.UTC(2026, 0, 1)),
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 1)),
    finishedAt: state === 'exited' ? new Date(Date.UTC(2026, 0, 1, 0, 0, 2)) : undefined,
    exitCode,
    reason: state === 'exited' ? (exitCode === 0 ? 'Completed' : 'Error') : undefined,
    image: 'img',
    imageRef: 'process:///bin/img',
    logPath: '',
    labels: {},
    annotations: {},
  };
}

function inputs(extra: Partial<PodStatusInputs>): PodStatusInputs {
  return {
    pod: {
      metadata: { name: 'p', namespace: 'd', uid: 'u' },
      spec: { containers: [{ name: 'web', image: 'img' }], readinessGates: [{ conditionType: 'example.com/lb' }] },
      status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'example.com/lb', status: 'False' }] },
    },
    sandbox: { id: 's', podUid: 'u', name: 'p', namespace: 'd', attempt: 0, state: 'ready', createdAt: new Date(), ip: '127.0.1.5' },
    hostIP: '10.0.0.1',
    containers: new Map(),
    messages: new Map(),
    waiting: new Map(),
    isReady: () => true,
    isStarted: () => true,
    runtimeName: 'process',
    podIsTerminal: false,
    startTime: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

test('a crash-looping container: waiting CrashLoopBackOff with lastState, restartCount and kept conditions', () => {
  const status = generatePodStatus(
    inputs({
      containers: new Map([['web', [container('web', 2, 'exited', 1), container('web', 1, 'exited', 1)]]]),
      waiting: new Map([['web', { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=web pod=p_d(u)' }]]),
      messages: new Map([['web-2', 'panic: no config']]),
    }),
  );
  const cs = status.containerStatuses[0];
  assert.deepEqual(cs.state, {
    waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=web pod=p_d(u)' },
  });
  assert.deepEqual(cs.lastState.terminated, {
    exitCode: 1,
    reason: 'Error',
    message: 'panic: no config',
    startedAt: '2026-01-01T00:00:01Z',
    finishedAt: '2026-01-01T00:00:02Z',
    containerID: 'process://web-2',
  });
  assert.equal(cs.restartCount, 2);
  assert.equal(cs.ready, false);
  assert.equal(cs.started, false);
  assert.equal(status.phase, 'Running');
  assert.equal(status.podIP, '127.0.1.5');
  assert.equal(status.hostIP, '10.0.0.1');
  assert.deepEqual(
    status.conditions.map((c: any) => `${c.type}=${c.status}`),
    [
      'example.com/lb=False',
      'PodReadyToStartContainers=True',
      'Initialized=True',
      'Ready=False',
      'ContainersReady=False',
      'PodScheduled=True',
    ],
  );
});

test('readiness gates hold Ready back when containers are ready', () => {
  const status = generatePodStatus(inputs({ containers: new Map([['web', [container('web', 0, 'running')]]]) }));
  const ready = status.conditions.find((c: any) => c.type === 'Ready');
  assert.deepEqual(ready, {
    type: 'Ready',
    status: 'False',
    reason: 'ReadinessGatesNotReady',
    message: 'the status of pod readiness gate "example.com/lb" is not "True", but False',
  });
  assert.equal(status.conditions.find((c: any) => c.type === 'ContainersReady').status, 'True');
  assert.deepEqual(status.containerStatuses[0].state, { running: { startedAt: '2026-01-01T00:00:01Z' } });
});

test('a terminal phase already reported is kept', () => {
  const base = inputs({ containers: new Map([['web', [container('web', 0, 'running')]]]) });
  base.pod.status.phase = 'Failed';
  assert.equal(generatePodStatus(base).phase, 'Failed');
});

test('an init container that exited 0 is ready, as the kubelet reports it; one that failed is not', () => {
  const base = inputs({
    containers: new Map([
      ['setup', [container('setup', 0, 'exited', 0)]],
      ['migrate', [container('migrate', 0, 'exited', 1)]],
      ['web', [container('web', 0, 'running')]],
    ]),
  });
  base.pod.spec.initContainers = [{ name: 'setup' }, { name: 'migrate' }];
  const [setup, migrate] = generatePodStatus(base).initContainerStatuses;
  assert.equal(setup.ready, true);
  assert.equal(setup.started, false);
  assert.equal(migrate.ready, false);
});
