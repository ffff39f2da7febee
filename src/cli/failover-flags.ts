// The failover flags of `hale server` and `hale agent` (docs/failover.md), kept out of main.ts
// so that file stays a list of commands. Durations accept Kubernetes' forms: "500ms", "5s",
// "1m", "1m30s"; a bare number is seconds.
import { type Command, InvalidArgumentError } from 'commander';
import type { FailoverOptions } from '../controllers/nodelifecycle/failover-options.ts';

/** Milliseconds from "500ms", "4s", "1m30s" or "4" (seconds). */
export function parseDurationMs(value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new InvalidArgumentError('must be a duration such as 500ms, 5s or 1m30s');
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** The option parser for durations; typed to accept the defaults' text ("4s"). */
const duration = (value: string): number | string => parseDurationMs(value);

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError('must be a number in (0, 1]');
  return n;
}

/** A whole number ≥ 0; `what` names its unit in the error ("seconds"), none for a count. */
function wholeNumber(value: string, what?: string): number {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`must be a whole number${what ? ` of ${what}` : ''} ≥ 0`);
  return n;
}

const seconds = (value: string): number => wholeNumber(value, 'seconds');
/** A count (nodes, pods). */
const count = (value: string): number => wholeNumber(value);

/** Flags of every node agent (`hale agent`, and the one embedded in `hale server`). */
export function addAgentFailoverFlags(cmd: Command): Command {
  return cmd
    .option('--node-lease-duration <duration>', "the node Lease's leaseDurationSeconds (Kubernetes: 40s)", duration, '4s')
    .option('--node-lease-renew-interval <duration>', 'how often the node Lease is renewed (Kubernetes: 10s)', duration, '1s')
    .option(
      '--fencing-timeout <duration>',
      "kill this node's pods after this long without renewing the Lease (0: never for that; an agent replaced under its node name stops them anyway)",
      duration,
      '20s',
    );
}

/** Flags of the control plane's failover (node-lifecycle controller, default tolerations). */
export function addServerFailoverFlags(cmd: Command): Command {
  return addAgentFailoverFlags(cmd)
    .option(
      '--node-monitor-grace-period <duration>',
      'a node silent this long is Unknown whatever the detector says (Kubernetes: 40s)',
      duration,
      '5s',
    )
    .option('--node-failure-min-grace-period <duration>', 'a node silent for less than this is never suspected', duration, '2s')
    .option('--node-failure-phi-threshold <phi>', 'φ-accrual threshold at which a silent node is suspected', nonNegative, 8)
    .option('--node-monitor-period <duration>', 'how often every node is judged (Kubernetes: 5s)', duration, '200ms')
    .option(
      '--default-not-ready-toleration-seconds <n>',
      'tolerationSeconds added to pods for the not-ready taint (Kubernetes: 300)',
      seconds,
      2,
    )
    .option(
      '--default-unreachable-toleration-seconds <n>',
      'tolerationSeconds added to pods for the unreachable taint (Kubernetes: 300)',
      seconds,
      2,
    )
    .option('--node-eviction-rate <n>', 'nodes per second whose pods may be evicted in a healthy zone (Kubernetes: 0.1)', nonNegative, 1)
    .option('--secondary-node-eviction-rate <n>', 'nodes per second in a partially disrupted large zone', nonNegative, 0.01)
    .option('--unhealthy-zone-threshold <f>', 'fraction of not-ready nodes that makes a zone partially disrupted', fraction, 0.55)
    .option('--large-cluster-size-threshold <n>', 'zones up to this size stop evicting when partially disrupted', count, 50)
    .option(
      '--terminated-pod-gc-threshold <n>',
      'finished (Succeeded or Failed) pods kept before the pod garbage collector deletes the oldest (0: never)',
      count,
      12_500,
    );
}

/** A duration option: parsed when given, the default's text otherwise (so --help shows "4s"). */
const ms = (v: number | string): number => (typeof v === 'number' ? v : parseDurationMs(v));

/** What the agent flags ask of runNodeAgent. */
export function agentFailoverOptions(opts: Record<string, any>): {
  leaseDurationSeconds: number;
  leaseRenewIntervalMs: number;
  fencingTimeoutMs: number;
} {
  return {
    leaseDurationSeconds: Math.max(1, Math.round(ms(opts.nodeLeaseDuration) / 1000)),
    leaseRenewIntervalMs: ms(opts.nodeLeaseRenewInterval),
    fencingTimeoutMs: ms(opts.fencingTimeout),
  };
}

/** "500ms", "1.5s", "20s" or "1m30s": a duration as the flags take it. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000 || ms % 1000 !== 0) return `${ms / 1000}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`;
}

/**
 * Checks --fencing-timeout against the Lease it is measured with. Not longer than the renew
 * interval it is an error: the agent would stop its pods between two ordinary renewals.
 * Shorter than the lease duration it is a warning: the pods stop before the Lease even expires,
 * before the control plane marks the node unreachable and moves them, so a blip the cluster
 * would not notice stops them. 0 turns fencing on silence off: nothing to check.
 */
/** A Lease renewed no more often than it lasts expires between renewals: the node would flap. */
export function leaseTimingProblem(o: ReturnType<typeof agentFailoverOptions>): string | undefined {
  const leaseMs = o.leaseDurationSeconds * 1000;
  if (o.leaseRenewIntervalMs < leaseMs) return undefined;
  return (
    `invalid argument "${formatDuration(o.leaseRenewIntervalMs)}" for "--node-lease-renew-interval" flag: must be shorter than ` +
    `--node-lease-duration (${formatDuration(leaseMs)}): the Lease would expire between two renewals and the node would be marked unreachable`
  );
}

export function fencingTimeoutProblem(o: ReturnType<typeof agentFailoverOptions>): { error?: string; warning?: string } {
  const { fencingTimeoutMs: fencing, leaseRenewIntervalMs: renew } = o;
  const leaseMs = o.leaseDurationSeconds * 1000;
  if (!(fencing > 0)) return {};
  if (fencing <= renew) {
    return {
      error:
        `invalid argument "${formatDuration(fencing)}" for "--fencing-timeout" flag: must be longer than ` +
        `--node-lease-renew-interval (${formatDuration(renew)}), or 0: the agent would stop its pods between two renewals of its Lease`,
    };
  }
  if (fencing < leaseMs) {
    return {
      warning:
        `--fencing-timeout ${formatDuration(fencing)} is shorter than --node-lease-duration ${formatDuration(leaseMs)}: ` +
        'this node stops its pods before its Lease expires, before the control plane even marks it unreachable and ' +
        `replaces them, so an API-server restart or a network blip that short stops every pod; use at least ${formatDuration(leaseMs)} (default 20s)`,
    };
  }
  return {};
}

export function serverFailoverOptions(opts: Record<string, any>): FailoverOptions {
  const agent = agentFailoverOptions(opts);
  return {
    nodeLeaseDurationSeconds: agent.leaseDurationSeconds,
    nodeLeaseRenewIntervalMs: agent.leaseRenewIntervalMs,
    fencingTimeoutMs: agent.fencingTimeoutMs,
    defaultNotReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds,
    defaultUnreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
    terminatedPodGcThreshold: opts.terminatedPodGcThreshold,
    nodeLifecycle: {
      nodeMonitorPeriodMs: ms(opts.nodeMonitorPeriod),
      detector: {
        gracePeriodMs: ms(opts.nodeMonitorGracePeriod),
        minGracePeriodMs: ms(opts.nodeFailureMinGracePeriod),
        phiThreshold: opts.nodeFailurePhiThreshold,
      },
      eviction: {
        nodeEvictionRate: opts.nodeEvictionRate,
        secondaryNodeEvictionRate: opts.secondaryNodeEvictionRate,
        unhealthyZoneThreshold: opts.unhealthyZoneThreshold,
        largeClusterSizeThreshold: opts.largeClusterSizeThreshold,
      },
    },
  };
}
