import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from './api-error.ts';
import { type LeaderElectionConfig, LeaderElector, type Lease, type LeaseClient, microTime, restLeaseClient } from './leader-election.ts';
import { RestClient } from './rest-client.ts';
import { FakeClock } from './testing/fake-clock.ts';
import { FakeKubeServer } from './testing/fake-kube-server.ts';

const conflict = () =>
  new ApiError({ kind: 'Status', apiVersion: 'v1', code: 409, reason: 'Conflict', message: 'the object has been modified' });

/** One in-memory Lease with resourceVersion checks, shared by all candidates. */
class FakeLeaseStore {
  lease?: Lease;
  private rv = 0;
  writes: Lease[] = [];

  clientFor(): LeaseClient & { down: boolean; conflictNextUpdate: boolean } {
    const store = this;
    return {
      down: false,
      conflictNextUpdate: false,
      async get() {
        if (this.down) throw new Error('connection refused');
        return store.lease && structuredClone(store.lease);
      },
      async create(lease) {
        if (this.down) throw new Error('connection refused');
        if (store.lease) throw new ApiError({ kind: 'Status', apiVersion: 'v1', code: 409, reason: 'AlreadyExists', message: 'exists' });
        return store.write(lease);
      },
      async update(lease) {
        if (this.down) throw new Error('connection refused');
        if (this.conflictNextUpdate) {
          this.conflictNextUpdate = false;
          throw conflict();
        }
        if (lease.metadata?.resourceVersion !== store.lease?.metadata?.resourceVersion) throw conflict();
        return store.write(lease);
      },
    };
  }

  private write(lease: Lease): Lease {
    this.lease = structuredClone({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } });
    this.writes.push(structuredClone(this.lease));
    return structuredClone(this.lease);
  }
}

function candidate(identity: string, store: FakeLeaseStore, clock: FakeClock, extra: Partial<LeaderElectionConfig> = {}) {
  const client = store.clientFor();
  const events: string[] = [];
  let leaderSignal: AbortSignal | undefined;
  const elector = new LeaderElector(client, {
    namespace: 'kube-system',
    name: 'hale-controller-manager',
    identity,
    clock,
    random: () => 0,
    callbacks: {
      onStartedLeading: (signal) => {
        leaderSignal = signal;
        events.push('started');
      },
      onStoppedLeading: () => events.push('stopped'),
      onNewLeader: (id) => events.push(`leader ${id}`),
    },
    ...extra,
  });
  return { elector, client, events, signal: () => leaderSignal };
}

test('the first candidate creates the Lease and renews it', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  const a = candidate('a', store, clock);
  a.elector.start();
  await clock.advance(0);
  assert.equal(a.elector.isLeader(), true);
  assert.deepEqual(a.events, ['leader a', 'started']);
  const created = store.lease!;
  assert.equal(created.apiVersion, 'coordination.k8s.io/v1');
  assert.equal(created.kind, 'Lease');
  assert.deepEqual(created.metadata?.name, 'hale-controller-manager');
  assert.deepEqual(created.spec, {
    holderIdentity: 'a',
    leaseDurationSeconds: 15,
    acquireTime: microTime(clock.now()),
    renewTime: microTime(clock.now()),
    leaseTransitions: 0,
  });
  assert.match(created.spec!.renewTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

  await clock.advance(2000);
  assert.equal(store.lease!.spec!.renewTime, microTime(clock.now()));
  assert.equal(store.lease!.spec!.acquireTime, created.spec!.acquireTime);
  assert.equal(store.lease!.spec!.leaseTransitions, 0);
  assert.equal(a.elector.getLeader(), 'a');
  await a.elector.stop();
});

test('a second candidate waits while the leader renews, and takes over at once after release', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  const a = candidate('a', store, clock);
  const b = candidate('b', store, clock);
  a.elector.start();
  await clock.advance(0);
  b.elector.start();
  await clock.advance(60_000);
  assert.equal(a.elector.isLeader(), true);
  assert.equal(b.elector.isLeader(), false);
  assert.equal(b.elector.getLeader(), 'a');
  assert.deepEqual(b.events, ['leader a']);

  await a.elector.stop();
  assert.deepEqual(a.events, ['leader a', 'started', 'stopped']);
  assert.equal(a.signal()!.aborted, true, 'leader work is told to stop');
  assert.equal(store.lease!.spec!.holderIdentity, '');
  assert.equal(store.lease!.spec!.leaseDurationSeconds, 1);

  await clock.advance(2400); // one jittered retry period at most
  assert.equal(b.elector.isLeader(), true);
  assert.equal(store.lease!.spec!.holderIdentity, 'b');
  assert.equal(store.lease!.spec!.leaseTransitions, 1);
  assert.equal(store.lease!.spec!.acquireTime, store.lease!.spec!.renewTime, 'a new holder gets a new acquireTime');
  await b.elector.stop();
});

test('a leader cut off from the API steps down before anyone else can take the lease', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  const a = candidate('a', store, clock);
  const b = candidate('b', store, clock);
  a.elector.start();
  await clock.advance(0);
  b.elector.start();
  await clock.advance(1000);
  a.client.down = true;
  const lostAfter = clock.now();

  // Step in 100 ms increments, checking that two leaders never overlap.
  let aStoppedAt: number | undefined;
  let bStartedAt: number | undefined;
  while (bStartedAt === undefined && clock.now() - lostAfter < 60_000) {
    await clock.advance(100);
    assert.ok(!(a.elector.isLeader() && b.elector.isLeader()), 'two leaders at once');
    if (aStoppedAt === undefined && !a.elector.isLeader()) aStoppedAt = clock.now();
    if (b.elector.isLeader()) bStartedAt = clock.now();
  }
  assert.ok(aStoppedAt !== undefined && bStartedAt !== undefined);
  assert.ok(aStoppedAt < bStartedAt);
  assert.ok(aStoppedAt - lostAfter <= 2000 + 10_000 + 100, 'a gives up within retryPeriod + renewDeadline');
  assert.ok(bStartedAt - lostAfter >= 15_000 - 2000, 'b waits about a lease duration after the last renewal it saw');
  assert.equal(a.signal()!.aborted, true);
  assert.deepEqual(a.events, ['leader a', 'started', 'stopped']);
  assert.equal(store.lease!.spec!.leaseTransitions, 1);

  // a comes back: it sees b's fresh lease and campaigns without taking it.
  a.client.down = false;
  await clock.advance(10_000);
  assert.equal(a.elector.isLeader(), false);
  assert.equal(a.elector.getLeader(), 'b');
  assert.equal(b.elector.isLeader(), true);
  await Promise.all([a.elector.stop(), b.elector.stop()]);
});

test('a conflicting write is retried rather than treated as success', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  store.lease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { namespace: 'kube-system', name: 'hale-controller-manager', resourceVersion: '0' },
    spec: { holderIdentity: '' },
  };
  const a = candidate('a', store, clock);
  a.client.conflictNextUpdate = true;
  a.elector.start();
  await clock.advance(0);
  assert.equal(a.elector.isLeader(), false);
  await clock.advance(2400);
  assert.equal(a.elector.isLeader(), true);
  assert.equal(store.lease!.spec!.leaseTransitions, 1);
  await a.elector.stop();
});

test('a leader that sees another holder steps down immediately', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  const a = candidate('a', store, clock);
  a.elector.start();
  await clock.advance(0);
  // Someone else overwrote the lease (e.g. after a long pause of this process).
  store.lease = { ...store.lease!, spec: { ...store.lease!.spec, holderIdentity: 'intruder', renewTime: microTime(clock.now()) } };
  await clock.advance(2000);
  assert.equal(a.elector.isLeader(), false);
  assert.deepEqual(a.events, ['leader a', 'started', 'leader intruder', 'stopped']);
  await a.elector.stop();
  assert.equal(store.lease!.spec!.holderIdentity, 'intruder', 'stop does not release a lease held by someone else');
});

test('without releaseOnCancel the lease stays held after stop', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  const a = candidate('a', store, clock, { releaseOnCancel: false });
  a.elector.start();
  await clock.advance(0);
  await a.elector.stop();
  assert.equal(store.lease!.spec!.holderIdentity, 'a');
  assert.deepEqual(a.events, ['leader a', 'started', 'stopped']);
});

test('unsafe timings are rejected', () => {
  const store = new FakeLeaseStore();
  const base = { namespace: 'n', name: 'l', identity: 'x', callbacks: { onStartedLeading() {}, onStoppedLeading() {} } };
  assert.throws(() => new LeaderElector(store.clientFor(), { ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), /leaseDuration/);
  assert.throws(() => new LeaderElector(store.clientFor(), { ...base, renewDeadlineMs: 2000, retryPeriodMs: 2000 }), /renewDeadline/);
  assert.throws(() => new LeaderElector(store.clientFor(), { ...base, identity: '' }), /identity/);
});

test('restLeaseClient talks to coordination.k8s.io/v1 leases', async () => {
  const server = await new FakeKubeServer().start();
  const rest = new RestClient({ server: server.url });
  try {
    const leases = restLeaseClient(rest);
    assert.equal(await leases.get('kube-system', 'l'), undefined);
    const created = await leases.create({ metadata: { namespace: 'kube-system', name: 'l' }, spec: { holderIdentity: 'a' } });
    assert.equal(server.requests.at(-1)!.path, '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases');
    const updated = await leases.update({ ...created, spec: { holderIdentity: 'b' } });
    assert.equal(server.requests.at(-1)!.path, '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l');
    await assert.rejects(leases.update({ ...created, spec: { holderIdentity: 'c' } }), (err: ApiError) => err.code === 409);
    assert.equal((await leases.get('kube-system', 'l'))?.spec?.holderIdentity, 'b');
    assert.notEqual(updated.metadata?.resourceVersion, created.metadata?.resourceVersion);
  } finally {
    rest.close();
    await server.close();
  }
});
