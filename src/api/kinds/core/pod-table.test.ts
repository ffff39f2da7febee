import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podColumns, podRow, summarizePod } from './pod-table.ts';

const NOW = new Date('2025-01-01T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

type Json = Record<string, any>;

function pod(spec: Json, status: Json, metadata: Json = {}): Json {
  return { metadata: { name: 'web-1', creationTimestamp: ago(3600), ...metadata }, spec, status };
}

const running = (name: string, extra: Json = {}): Json => ({
  name,
  ready: true,
  restartCount: 0,
  state: { running: { startedAt: ago(60) } },
  ...extra,
});

const twoContainers = { containers: [{ name: 'a' }, { name: 'b' }] };

describe('pod table columns', () => {
  it('are the kube-apiserver pod columns, wide ones at priority 1', () => {
    assert.deepEqual(
      podColumns.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Ready', 0],
        ['Status', 0],
        ['Restarts', 0],
        ['Age', 0],
        ['IP', 1],
        ['Node', 1],
        ['Nominated Node', 1],
        ['Readiness Gates', 1],
      ],
    );
    assert.equal(podColumns[0].format, 'name');
  });
});

describe('pod table cells', () => {
  it('prints a fresh pending pod', () => {
    assert.deepEqual(podRow(pod({ containers: [{ name: 'a' }] }, { phase: 'Pending' }), NOW), [
      'web-1',
      '0/1',
      'Pending',
      '0',
      '60m',
      '<none>',
      '<none>',
      '<none>',
      '<none>',
    ]);
  });

  it('prints a running pod with its IP, node and readiness gates', () => {
    const p = pod(
      { ...twoContainers, nodeName: 'node-1', readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
      {
        phase: 'Running',
        podIP: '10.0.0.5',
        podIPs: [{ ip: '10.0.0.5' }],
        conditions: [{ type: 'example.com/lb', status: 'True' }],
        containerStatuses: [running('a'), running('b', { ready: false })],
      },
    );
    assert.deepEqual(podRow(p, NOW).slice(1), ['1/2', 'Running', '0', '60m', '10.0.0.5', 'node-1', '<none>', '1/2']);
  });

  it('shows restarts with the time since the last one', () => {
    const p = pod(twoContainers, {
      phase: 'Running',
      containerStatuses: [
        running('a', { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(600) } } }),
        running('b', { restartCount: 1, lastState: { terminated: { exitCode: 137, finishedAt: ago(300) } } }),
      ],
    });
    assert.equal(summarizePod(p, NOW).restarts, '3 (5m ago)');
  });

  it('shows a waiting reason such as CrashLoopBackOff', () => {
    const p = pod(twoContainers, {
      phase: 'Running',
      containerStatuses: [running('a'), { name: 'b', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
    });
    assert.deepEqual(summarizePod(p, NOW), { ready: '1/2', status: 'CrashLoopBackOff', restarts: '4' });
  });

  it('shows Completed, and exit codes or signals when a terminated container has no reason', () => {
    const done = pod(
      { containers: [{ name: 'a' }] },
      {
        phase: 'Succeeded',
        containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      },
    );
    assert.equal(summarizePod(done, NOW).status, 'Completed');
    const code = pod(
      { containers: [{ name: 'a' }] },
      { phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 2 } } }] },
    );
    assert.equal(summarizePod(code, NOW).status, 'ExitCode:2');
    const signal = pod(
      { containers: [{ name: 'a' }] },
      { phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 137, signal: 9 } } }] },
    );
    assert.equal(summarizePod(signal, NOW).status, 'Signal:9');
  });

  it('says Running or NotReady when one container completed and another still runs', () => {
    const status = (ready: string): Json => ({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready }],
      containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, running('b')],
    });
    assert.equal(summarizePod(pod(twoContainers, status('True')), NOW).status, 'Running');
    assert.equal(summarizePod(pod(twoContainers, status('False')), NOW).status, 'NotReady');
  });

  it('summarizes init containers: progress, failures and waiting reasons', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'a' }] };
    const progress = pod(spec, {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'i2', state: { running: {} } },
      ],
      containerStatuses: [{ name: 'a', state: { waiting: { reason: 'PodInitializing' } } }],
    });
    assert.deepEqual(summarizePod(progress, NOW), { ready: '0/1', status: 'Init:1/2', restarts: '0' });

    const crashing = pod(spec, {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'i1', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
    });
    assert.deepEqual(summarizePod(crashing, NOW), { ready: '0/1', status: 'Init:CrashLoopBackOff', restarts: '3' });

    const failed = pod(spec, { phase: 'Failed', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1 } } }] });
    assert.equal(summarizePod(failed, NOW).status, 'Init:ExitCode:1');
    const killed = pod(spec, {
      phase: 'Failed',
      initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1, signal: 15 } } }],
    });
    assert.equal(summarizePod(killed, NOW).status, 'Init:Signal:15');
    const errored = pod(spec, {
      phase: 'Failed',
      initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1, reason: 'Error' } } }],
    });
    assert.equal(summarizePod(errored, NOW).status, 'Init:Error');
  });

  it('counts started sidecars as ready containers', () => {
    const spec = { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'a' }] };
    const p = pod(spec, {
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }],
      initContainerStatuses: [{ name: 'proxy', started: true, ready: true, restartCount: 1, state: { running: {} } }],
      containerStatuses: [running('a')],
    });
    assert.deepEqual(summarizePod(p, NOW), { ready: '2/2', status: 'Running', restarts: '1' });
  });

  it('shows SchedulingGated, Terminating and Unknown', () => {
    const gated = pod(twoContainers, {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
    });
    assert.equal(summarizePod(gated, NOW).status, 'SchedulingGated');

    const deleting = pod(
      twoContainers,
      { phase: 'Running', containerStatuses: [running('a'), running('b')] },
      { deletionTimestamp: ago(1) },
    );
    assert.equal(summarizePod(deleting, NOW).status, 'Terminating');

    const finished = pod(twoContainers, { phase: 'Succeeded' }, { deletionTimestamp: ago(1) });
    assert.equal(summarizePod(finished, NOW).status, 'Succeeded', 'terminal pods are not Terminating');

    const lost = pod(twoContainers, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: ago(1) });
    assert.equal(summarizePod(lost, NOW).status, 'Unknown');
  });

  it('prefers status.reason over the phase', () => {
    const evicted = pod(twoContainers, { phase: 'Failed', reason: 'Evicted' });
    assert.equal(summarizePod(evicted, NOW).status, 'Evicted');
  });
});
