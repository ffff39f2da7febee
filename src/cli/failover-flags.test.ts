import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { addServerFailoverFlags, parseDurationMs, serverFailoverOptions } from './failover-flags.ts';

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
