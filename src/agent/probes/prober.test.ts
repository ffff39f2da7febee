import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import type { Clock } from './clock.ts';
import { type ProbeCheck, ProbeManager, type ProberOptions } from './prober.ts';
import type { ProbeOutcome } from './run-probe.ts';
import type { ProbeKind, ProbeTransition } from './types.ts';

/** Timers that fire only when the test advances time; probe promises settle in between. */
class ManualClock implements Clock {
  t = 1_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): number {
    this.timers.set(++this.seq, { at: this.t + Math.max(0, ms), fn });
    return this.seq;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = target;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

const OK: ProbeOutcome = { result: 'success', output: '' };
const fail = (output: string): ProbeOutcome => ({ result: 'failure', output });

/** A scripted check: each kind answers from its queue (the last answer repeats); every call is logged. */
function scripted(clock: ManualClock, answers: Partial<Record<ProbeKind, ProbeOutcome[]>>) {
  const calls: { kind: ProbeKind; at: number; timeoutMs: number; containerId: string }[] = [];
  const check: ProbeCheck = async (attempt, timeoutMs, kind) => {
    calls.push({ kind, at: clock.now(), timeoutMs, containerId: attempt.containerId });
    const queue = answers[kind] ?? [OK];
    return queue.length > 1 ? queue.shift()! : queue[0];
  };
  return { calls, check, at: (kind: ProbeKind) => calls.filter((c) => c.kind === kind).map((c) => c.at - start) };
}

let start = 0;
const managers: ProbeManager[] = [];
afterEach(() => {
  for (const m of managers.splice(0)) m.stop();
});

function setup(answers: Partial<Record<ProbeKind, ProbeOutcome[]>>, extra: Partial<ProberOptions> = {}) {
  const clock = new ManualClock();
  start = clock.t;
  const script = scripted(clock, answers);
  const events: { reason: string; message: string }[] = [];
  const transitions: ProbeTransition[] = [];
  const prober = new ProbeManager({
    clock,
    check: script.check,
    events: { warning: (_obj, reason, message) => events.push({ reason, message }) },
    random: () => 0.5,
    ...extra,
  });
  managers.push(prober);
  prober.onTransition((t) => transitions.push(t));
  return { clock, prober, events, transitions, ...script };
}

const pod = (status: KubeObject = {}): KubeObject => ({ metadata: { name: 'web-0', namespace: 'default', uid: 'pod-1' }, status });
const target = (container: KubeObject, opts: { id?: string; startedAt?: number; status?: KubeObject } = {}) => ({
  pod: pod(opts.status),
  container: { name: 'web', ...container },
  containerId: opts.id ?? 'c1',
  podIP: '127.0.0.5',
  startedAt: new Date(opts.startedAt ?? start),
});

describe('readiness', () => {
  test('first probe right after initialDelaySeconds; ready after the first success', async () => {
    const s = setup({ readiness: [OK] });
    s.prober.addContainer(target({ readinessProbe: { initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2 } }));
    assert.equal(s.prober.isStarted('c1'), true);
    assert.equal(s.prober.isReady('c1'), false);
    await s.clock.advance(4999);
    assert.equal(s.calls.length, 0);
    await s.clock.advance(1);
    assert.deepEqual(s.at('readiness'), [5000]);
    assert.equal(s.calls[0].timeoutMs, 2000);
    assert.equal(s.prober.isReady('c1'), true);
    assert.deepEqual(
      s.transitions.map((t) => [t.probe, t.result, t.containerId, t.containerName, t.podUid]),
      [['readiness', 'success', 'c1', 'web', 'pod-1']],
    );
    await s.clock.advance(25_000);
    assert.deepEqual(s.at('readiness'), [5000, 15_000, 25_000]);
  });

  test('warm-up: quick quiet retries until the first success, then the period', async () => {
    const s = setup({ readiness: [fail('refused'), fail('refused'), fail('refused'), OK] });
    s.prober.addContainer(target({ readinessProbe: { periodSeconds: 10 } }));
    await s.clock.advance(1000);
    assert.deepEqual(s.at('readiness'), [0, 25, 75, 175]);
    assert.equal(s.prober.isReady('c1'), true);
    assert.deepEqual(s.events, [], 'failures while warming up are not reported');
    await s.clock.advance(10_000);
    assert.deepEqual(s.at('readiness'), [0, 25, 75, 175, 10_000]);
  });

  test('firstReadinessAttempt: the attempt due at once, until it finished (success or failure); none when delayed', async () => {
    const s = setup({ readiness: [fail('refused'), OK] });
    s.prober.addContainer(target({ readinessProbe: { periodSeconds: 10 } }));
    s.prober.addContainer(target({ readinessProbe: { initialDelaySeconds: 5 } }, { id: 'c2' }));
    s.prober.addContainer(target({}, { id: 'c3' }));
    const first = s.prober.firstReadinessAttempt('c1');
    assert.ok(first, 'due at once');
    assert.equal(s.prober.firstReadinessAttempt('c2'), undefined, 'initialDelaySeconds still ahead');
    assert.equal(s.prober.firstReadinessAttempt('c3'), undefined, 'no readiness probe');
    assert.equal(s.prober.firstReadinessAttempt('unknown'), undefined);
    let finished = false;
    void first.then(() => {
      finished = true;
    });
    await s.clock.advance(0);
    assert.equal(finished, true, 'a failed (quiet) first attempt counts as finished');
    assert.equal(s.prober.isReady('c1'), false);
    assert.equal(s.prober.firstReadinessAttempt('c1'), undefined, 'only the first attempt is waited for');
  });

  test('firstReadinessAttempt resolves when the container is removed before its attempt ran', async () => {
    const s = setup({ readiness: [OK] });
    s.prober.addContainer(target({ readinessProbe: {} }));
    const first = s.prober.firstReadinessAttempt('c1');
    s.prober.removeContainer('c1');
    await first;
    assert.equal(s.calls.length, 0);
  });

  test('failures count and are reported after the first period; failureThreshold flips ready off', async () => {
    const s = setup({ readiness: [OK, fail('HTTP probe failed with statuscode: 503')] });
    s.prober.addContainer(target({ readinessProbe: { periodSeconds: 1, failureThreshold: 2 } }));
    await s.clock.advance(0);
    assert.equal(s.prober.isReady('c1'), true);
    await s.clock.advance(1000);
    assert.equal(s.prober.isReady('c1'), true, 'one failure is below the threshold');
    await s.clock.advance(1000);
    assert.equal(s.prober.isReady('c1'), false);
    assert.deepEqual(s.events.slice(0, 2), [
      { reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' },
      { reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' },
    ]);
    assert.deepEqual(
      s.transitions.map((t) => [t.probe, t.result, t.message]),
      [
        ['readiness', 'success', ''],
        ['readiness', 'failure', 'HTTP probe failed with statuscode: 503'],
      ],
    );
  });

  test('successThreshold needs consecutive successes', async () => {
    const s = setup({ readiness: [OK, fail('x'), OK, OK] });
    s.prober.addContainer(target({ readinessProbe: { periodSeconds: 1, successThreshold: 2 } }));
    await s.clock.advance(0);
    await s.clock.advance(1000); // failure (counted: past the first period)
    await s.clock.advance(1000); // success 1
    assert.equal(s.prober.isReady('c1'), false);
    await s.clock.advance(1000); // success 2
    assert.equal(s.prober.isReady('c1'), true);
  });

  test('a redirect warning is an event and counts as success', async () => {
    const s = setup({ readiness: [{ result: 'warning', output: 'Probe terminated redirects, Response body: ' }] });
    s.prober.addContainer(target({ readinessProbe: {} }));
    await s.clock.advance(0);
    assert.equal(s.prober.isReady('c1'), true);
    assert.deepEqual(s.events, [
      { reason: 'ProbeWarning', message: 'Readiness probe warning: Probe terminated redirects, Response body: ' },
    ]);
  });

  test('without a readiness probe a started container is ready', () => {
    const s = setup({});
    s.prober.addContainer(target({}));
    assert.equal(s.prober.isReady('c1'), true);
    assert.equal(s.prober.isStarted('c1'), true);
    assert.equal(s.prober.isReady('unknown-container'), false);
    assert.equal(s.prober.isStarted('unknown-container'), false);
  });
});

describe('liveness', () => {
  test('first probe one period in; failureThreshold failures → one failure transition, then idle', async () => {
    const s = setup({ liveness: [fail('HTTP probe failed with statuscode: 500')] });
    s.prober.addContainer(target({ livenessProbe: { periodSeconds: 5, failureThreshold: 3, terminationGracePeriodSeconds: 7 } }));
    await s.clock.advance(4999);
    assert.equal(s.calls.length, 0);
    await s.clock.advance(30_000);
    assert.deepEqual(s.at('liveness'), [5000, 10_000, 15_000]);
    assert.equal(s.events.length, 3);
    assert.deepEqual(s.events[0], { reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' });
    assert.deepEqual(s.transitions, [
      {
        podUid: 'pod-1',
        containerName: 'web',
        containerId: 'c1',
        probe: 'liveness',
        result: 'failure',
        message: 'HTTP probe failed with statuscode: 500',
        terminationGracePeriodSeconds: 7,
      },
    ]);
    assert.equal(s.clock.pending, 0, 'the worker waits for a new container');
  });

  test('a success resets the failure count', async () => {
    const s = setup({ liveness: [fail('a'), fail('b'), OK, fail('c'), fail('d'), OK] });
    s.prober.addContainer(target({ livenessProbe: { periodSeconds: 1, failureThreshold: 3 } }));
    await s.clock.advance(10_000);
    assert.deepEqual(s.transitions, []);
  });

  test('a probe that cannot run is retried, reported as errored and never counted', async () => {
    const s = setup({ liveness: [{ result: 'unknown', output: '', error: 'strconv.Atoi: parsing "http": invalid syntax' }] });
    s.prober.addContainer(target({ livenessProbe: { periodSeconds: 1, failureThreshold: 1 } }));
    await s.clock.advance(1000);
    assert.equal(s.calls.length, 3, 'three attempts for one period');
    assert.deepEqual(s.events, [
      {
        reason: 'Unhealthy',
        message: 'Liveness probe errored and resulted in unknown state: strconv.Atoi: parsing "http": invalid syntax',
      },
    ]);
    await s.clock.advance(5000);
    assert.deepEqual(s.transitions, []);
  });
});

describe('startup', () => {
  test('gates liveness and readiness until it succeeds', async () => {
    const s = setup({ startup: [fail('no'), fail('no'), OK], readiness: [OK], liveness: [OK] });
    s.prober.addContainer(
      target({
        startupProbe: { periodSeconds: 1, failureThreshold: 30 },
        readinessProbe: { periodSeconds: 1 },
        livenessProbe: { periodSeconds: 1 },
      }),
    );
    assert.equal(s.prober.isStarted('c1'), false);
    await s.clock.advance(0);
    assert.deepEqual(s.at('startup'), [0]);
    await s.clock.advance(100); // warm-up retries: 25 (fails quietly), 75 (succeeds)
    assert.deepEqual(s.at('startup'), [0, 25, 75]);
    assert.equal(s.prober.isStarted('c1'), true);
    assert.deepEqual(s.at('readiness'), [75], 'readiness runs as soon as startup passed');
    assert.deepEqual(s.at('liveness'), []);
    await s.clock.advance(5000);
    assert.deepEqual(s.at('startup'), [0, 25, 75], 'startup stops after its success');
    assert.deepEqual(s.at('liveness').slice(0, 2), [1075, 2075]);
    assert.deepEqual(
      s.transitions.map((t) => [t.probe, t.result]),
      [
        ['startup', 'success'],
        ['readiness', 'success'],
      ],
    );
  });

  test('failureThreshold failures after the first period → failure transition', async () => {
    const s = setup({ startup: [fail('connection refused')] }, { warmupFirstRetryMs: 0 });
    s.prober.addContainer(target({ startupProbe: { periodSeconds: 1, failureThreshold: 3 }, livenessProbe: {} }));
    await s.clock.advance(10_000);
    assert.deepEqual(s.at('startup'), [0, 1000, 2000]);
    assert.deepEqual(
      s.transitions.map((t) => [t.probe, t.result, t.message]),
      [['startup', 'failure', 'connection refused']],
    );
    assert.equal(s.prober.isStarted('c1'), false);
    assert.deepEqual(s.at('liveness'), []);
    assert.equal(s.events[0].message, 'Startup probe failed: connection refused');
  });
});

describe('containers come and go', () => {
  test('a replacement container is probed at once; removed containers stop', async () => {
    const s = setup({ readiness: [OK] });
    const probe = { readinessProbe: { periodSeconds: 100 } };
    s.prober.addContainer(target(probe, { id: 'old' }));
    await s.clock.advance(50_000);
    s.prober.removeContainer('old');
    s.prober.addContainer(target(probe, { id: 'new', startedAt: s.clock.t }));
    await s.clock.advance(0);
    assert.deepEqual(
      s.calls.map((c) => [c.containerId, c.at - start]),
      [
        ['old', 0],
        ['new', 50_000],
      ],
    );
    assert.equal(s.prober.isReady('new'), true);
    assert.equal(s.prober.isReady('old'), false);
    s.prober.removePod('pod-1');
    assert.equal(s.clock.pending, 0);
    assert.equal(s.prober.isReady('new'), false);
  });

  test('adding the same container twice is harmless', async () => {
    const s = setup({ readiness: [OK] });
    s.prober.addContainer(target({ readinessProbe: {} }));
    s.prober.addContainer(target({ readinessProbe: {} }));
    await s.clock.advance(0);
    assert.equal(s.calls.length, 1);
  });

  test('a re-adopted container keeps its recorded state; its first probes are spread over a period', async () => {
    const clockStart = 1_000_000;
    const s = setup({ readiness: [OK], liveness: [OK] });
    const status = { containerStatuses: [{ name: 'web', containerID: 'process://c1', ready: true, started: true }] };
    s.prober.addContainer(
      target(
        { startupProbe: {}, readinessProbe: { periodSeconds: 10 }, livenessProbe: { periodSeconds: 20 } },
        { startedAt: clockStart - 3_600_000, status },
      ),
    );
    assert.equal(s.prober.isStarted('c1'), true);
    assert.equal(s.prober.isReady('c1'), true);
    await s.clock.advance(30_000);
    assert.deepEqual(s.at('startup'), []);
    assert.equal(s.at('readiness')[0], 5000, 'random 0.5 of the period');
    assert.equal(s.at('liveness')[0], 10_000);
  });
});

describe('with the real handlers', () => {
  test('an HTTP readiness probe makes a fresh container ready long before its period', async () => {
    let healthy = true;
    const server = http.createServer((_req, res) => {
      res.writeHead(healthy ? 200 : 500);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const transitions: ProbeTransition[] = [];
      const prober = new ProbeManager({ secondMs: 1000 });
      managers.push(prober);
      const changed = new Promise<void>((resolve) =>
        prober.onTransition((t) => {
          transitions.push(t);
          resolve();
        }),
      );
      prober.addContainer({
        pod: pod(),
        container: {
          name: 'web',
          ports: [{ name: 'http', containerPort: port }],
          readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 3600 },
        },
        containerId: 'c1',
        podIP: '127.0.0.1',
        startedAt: new Date(),
      });
      await changed; // would take an hour if the first probe waited for the period
      assert.equal(prober.isReady('c1'), true);
      assert.equal(transitions[0].result, 'success');
      healthy = false;
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a failing HTTP liveness probe restarts with the kubelet message', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const events: string[] = [];
      // 1 "second" = 5 ms keeps the test fast with real timers.
      const prober = new ProbeManager({ secondMs: 5, events: { warning: (_o, reason, message) => events.push(`${reason}: ${message}`) } });
      managers.push(prober);
      const failed = new Promise<ProbeTransition>((resolve) => prober.onTransition(resolve));
      prober.addContainer({
        pod: pod(),
        container: {
          name: 'web',
          livenessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 1, timeoutSeconds: 100, failureThreshold: 2 },
        },
        containerId: 'c1',
        podIP: '127.0.0.1',
        startedAt: new Date(),
      });
      const t = await failed;
      assert.equal(t.probe, 'liveness');
      assert.equal(t.result, 'failure');
      assert.equal(t.message, 'HTTP probe failed with statuscode: 500');
      assert.deepEqual(events.slice(0, 2), [
        'Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500',
        'Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500',
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
