import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import {
  addServerFailoverFlags,
  fencingTimeoutProblem,
  formatDuration,
  leaseTimingProblem,
  parseDurationMs,
  serverFailoverOptions,
} from './failover-flags.ts';

test('durations in Kubernetes forms', () => {
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('4s'), 4000);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('2.5'), 2500);
  assert.throws(() => parseDurationMs('soon'), /must be a duration/);
});

test('defaults and given values reach the failover options', () => {
  const parse = (args: string[]) => {
    const cmd = addServerFailoverFlags(new Command('server').exitOverride());
    cmd.parse(args, { from: 'user' });
    return serverFailoverOptions(cmd.opts());
  };
  const defaults = parse([]);
  assert.equal(defaults.fencingTimeoutMs, 20_000);
  assert.equal(defaults.nodeLeaseDurationSeconds, 4);
  assert.equal(defaults.nodeLifecycle?.detector?.gracePeriodMs, 5000);
  assert.equal(defaults.defaultUnreachableTolerationSeconds, 2);
  assert.equal(defaults.terminatedPodGcThreshold, 12_500);
  assert.equal(parse(['--terminated-pod-gc-threshold', '100']).terminatedPodGcThreshold, 100);
  const k8s = parse([
    '--node-monitor-grace-period',
    '40s',
    '--default-unreachable-toleration-seconds',
    '300',
    '--node-eviction-rate',
    '0.1',
  ]);
  assert.equal(k8s.nodeLifecycle?.detector?.gracePeriodMs, 40_000);
  assert.equal(k8s.defaultUnreachableTolerationSeconds, 300);
  assert.equal(k8s.nodeLifecycle?.eviction?.nodeEvictionRate, 0.1);
});

test('a count flag is refused as a count, a seconds flag as seconds', () => {
  const refusal = (args: string[]) => {
    const cmd = addServerFailoverFlags(new Command('server').exitOverride().configureOutput({ writeErr: () => undefined }));
    try {
      cmd.parse(args, { from: 'user' });
    } catch (err) {
      return (err as Error).message;
    }
    return undefined;
  };
  for (const flag of ['--terminated-pod-gc-threshold', '--large-cluster-size-threshold']) {
    const message = refusal([flag, '1.5']) ?? '';
    assert.match(message, /must be a whole number ≥ 0/, flag);
    assert.doesNotMatch(message, /seconds/, flag);
  }
  assert.match(refusal(['--default-unreachable-toleration-seconds', '-1']) ?? '', /must be a whole number of seconds ≥ 0/);
  assert.equal(serverFailoverOptionsOf(['--large-cluster-size-threshold', '10']).nodeLifecycle?.eviction?.largeClusterSizeThreshold, 10);
});

function serverFailoverOptionsOf(args: string[]) {
  const cmd = addServerFailoverFlags(new Command('server').exitOverride());
  cmd.parse(args, { from: 'user' });
  return serverFailoverOptions(cmd.opts());
}

test('durations printed back as the flags take them', () => {
  assert.deepEqual([500, 1000, 1500, 20_000, 60_000, 90_000].map(formatDuration), ['500ms', '1s', '1.5s', '20s', '1m', '1m30s']);
});

test('--fencing-timeout: not longer than the renew interval is refused, shorter than the lease duration warned about, 0 is off', () => {
  const check = (fencingTimeoutMs: number, leaseRenewIntervalMs = 1000, leaseDurationSeconds = 4) =>
    fencingTimeoutProblem({ fencingTimeoutMs, leaseRenewIntervalMs, leaseDurationSeconds });
  assert.deepEqual(check(20_000), {});
  assert.deepEqual(check(4000), {});
  assert.deepEqual(check(0), {}, 'fencing on silence off');
  assert.match(
    check(1000).error ?? '',
    /^invalid argument "1s" for "--fencing-timeout" flag: must be longer than --node-lease-renew-interval \(1s\)/,
  );
  assert.match(check(500).error ?? '', /"500ms"/);
  const { error, warning } = check(3000);
  assert.equal(error, undefined);
  assert.match(warning ?? '', /^--fencing-timeout 3s is shorter than --node-lease-duration 4s: .* use at least 4s/);
  // Kubernetes' lease timing (10 s / 40 s) with the default fencing timeout.
  assert.match(check(20_000, 10_000, 40).warning ?? '', /shorter than --node-lease-duration 40s/);
});

test('--node-lease-renew-interval must be shorter than --node-lease-duration', () => {
  const check = (leaseRenewIntervalMs: number, leaseDurationSeconds: number) =>
    leaseTimingProblem({ fencingTimeoutMs: 20_000, leaseRenewIntervalMs, leaseDurationSeconds });
  assert.equal(check(1000, 4), undefined);
  assert.equal(check(10_000, 40), undefined);
  assert.match(
    check(4000, 4) ?? '',
    /^invalid argument "4s" for "--node-lease-renew-interval" flag: must be shorter than --node-lease-duration \(4s\)/,
  );
  assert.match(check(5000, 4) ?? '', /"5s"/);
});
