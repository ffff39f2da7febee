// Self-fencing: an agent that cannot renew its Lease for longer than the fencing timeout
// kills its pods and starts none until it can renew again, so the control plane may conclude
// that after `last renewal + lease duration + fencing timeout` nothing of the node runs and a
// StatefulSet pod (or a pod with a ReadWriteOnce claim) may be started elsewhere.
//
// Two parts enforce it:
//   - in the agent, a timer checks the time since the last renewal was sent: once fenced it
//     calls `onFence` (stop every container) and `mayRun` refuses to start containers;
//   - a detached watchdog process (fencing-watchdog.mjs) reads the heartbeat file the agent
//     writes on every renewal and kills the containers itself when the agent cannot: frozen
//     (SIGSTOP, a hung machine), killed, or stopped and not restarted in time.
// Time is measured from when a successful renewal was *sent*, which is no later than when the
// control plane saw it, so the agent always fences before the control plane's deadline.
//
// After fencing, the first renewal that succeeds lifts the fence, but the agent's pod cache
// may be stale (pods deleted and recreated elsewhere meanwhile): each pod is read from the API
// server once before its containers may start again.
//
// An agent another agent has replaced under its node name (it finds the Lease or the Node held
// by another agent id) is fenced for good, at once. That holds with `--fencing-timeout 0` too:
// the timeout turns off fencing on silence (the agent then keeps its pods through any outage,
// as the kubelet does, and no watchdog runs), not the fence of a replaced agent, whose pods the
// new agent runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';

export interface FencingOptions {
  client: RestClient;
  nodeName: string;
  /** The agent's data dir: the heartbeat file and watchdog pid live in `<dataDir>/fencing/`. */
  dataDir: string;
  /** No renewal for this long → fenced; 0: never fenced on silence (only when replaced). */
  timeoutMs: number;
  /** Where the process runtime keeps its container records (for the watchdog). */
  containersDir: string;
  /** Stops every container of the node (called once each time the agent becomes fenced). */
  onFence: () => Promise<void>;
  logger: Logger;
  /** Start the watchdog process (default true; unit tests turn it off). */
  watchdog?: boolean;
  now?: () => number;
}

const CHECK_MS = 100;
const CONFIRM_WINDOW_MS = 60_000;

/** The watchdog script, beside this file in the sources (HALE_ROOT when running from the bundle). */
export function watchdogScript(): string {
  const root = process.env.HALE_ROOT;
  return root ? join(root, 'src/agent/node/fencing-watchdog.mjs') : join(dirname(fileURLToPath(import.meta.url)), 'fencing-watchdog.mjs');
}

export class NodeFence {
  private lastRenewalSentAt: number;
  private fenced = false;
  /** Another agent took this node over: fenced for good. */
  private replaced = false;
  /** Pods confirmed with the API server since the fence was last lifted. */
  private confirmed = new Set<string>();
  /** Until when pods are confirmed with the API server before they run (after a fence). */
  private confirmUntil = 0;
  private timer?: NodeJS.Timeout;
  private watchdogProcess?: ChildProcess;
  private readonly now: () => number;
  private readonly heartbeatFile: string;
  readonly stats = { fences: 0 };

  constructor(private readonly opts: FencingOptions) {
    this.now = opts.now ?? Date.now;
    this.lastRenewalSentAt = this.now();
    this.heartbeatFile = join(opts.dataDir, 'fencing', 'heartbeat');
  }

  /** Fencing on silence is on (`--fencing-timeout` > 0). */
  get onSilence(): boolean {
    return this.opts.timeoutMs > 0;
  }

  /** Writes the first heartbeat, starts the watchdog and the in-agent check. */
  start(): void {
    if (!this.onSilence) {
      // A watchdog left by an earlier run of this data dir with fencing on would otherwise
      // kill this agent's containers once the heartbeat it watches grows old.
      const old = this.watchdogPid();
      if (old) process.kill(old, 'SIGKILL');
      disarmFencing(this.opts.dataDir);
      return;
    }
    mkdirSync(dirname(this.heartbeatFile), { recursive: true });
    this.writeHeartbeat();
    if (this.opts.watchdog !== false) this.startWatchdog();
    this.timer = setInterval(() => void this.check(), CHECK_MS);
    this.timer.unref();
  }

  /**
   * Stops the in-agent check. The watchdog keeps running on purpose: if no agent renews the
   * Lease again within the timeout, it fences the node's containers.
   */
  stop(): void {
    clearInterval(this.timer);
    this.watchdogProcess?.unref();
  }

  /**
   * Another agent now holds this node's Lease (it took the node name over while this agent was
   * frozen or cut off): stop every pod at once and never lift the fence, whether fencing on
   * silence is on or off. The watchdog is left alone: the heartbeat file is no longer written,
   * so it fences too within the timeout.
   */
  replacedByAnotherAgent(holder: string): void {
    if (this.replaced) return;
    this.replaced = true;
    this.opts.logger.error(
      { holder },
      'another agent holds this node now: fenced for good, every pod of this node is stopped and none is started again; restart this agent with another --node-name or data dir',
    );
    this.fence('stopping every pod of this node: another agent holds its lease');
  }

  /** A renewal sent at `sentAt` succeeded. */
  renewed(sentAt: number): void {
    if (this.replaced || !this.onSilence) return;
    // A renewal after a longer silence (the agent was frozen, so the timer never fired) still
    // means the control plane may have replaced our pods: fence first, then lift.
    if (sentAt - this.lastRenewalSentAt > this.opts.timeoutMs) this.check(sentAt);
    this.lastRenewalSentAt = Math.max(this.lastRenewalSentAt, sentAt);
    this.writeHeartbeat();
    if (this.fenced && this.now() - this.lastRenewalSentAt <= this.opts.timeoutMs) {
      this.fenced = false;
      // By then the pod informer has long caught up with what happened during the fence.
      this.confirmUntil = this.now() + CONFIRM_WINDOW_MS;
      this.confirmed.clear();
      this.opts.logger.warn('the node lease is renewed again: lifting the fence; pods are confirmed with the API before they run');
      if (this.opts.watchdog !== false && !this.watchdogAlive()) this.startWatchdog();
    }
  }

  isFenced(): boolean {
    return this.fenced;
  }

  isReplaced(): boolean {
    return this.replaced;
  }

  /** May the pod's containers be started or kept? (the pod workers ask before each sync) */
  async mayRun(pod: KubeObject): Promise<boolean> {
    // Checked here too, not only by the timer: after a freeze a pod sync may run first.
    if (this.check()) return false;
    if (this.now() > this.confirmUntil) return true;
    const uid = pod.metadata?.uid;
    if (this.confirmed.has(uid)) return true;
    try {
      const live = await this.opts.client.get(resources.pods, pod.metadata?.namespace, pod.metadata?.name);
      const ours = live.metadata?.uid === uid && live.spec?.nodeName === this.opts.nodeName && !live.metadata?.deletionTimestamp;
      if (ours) this.confirmed.add(uid);
      return ours;
    } catch {
      return false; // gone, or the API is unreachable again: not confirmed, the worker retries
    }
  }

  /** Fences when the last renewal is older than the timeout (at `now`); true while fenced. */
  private check(now = this.now()): boolean {
    if (this.fenced || !this.onSilence || now - this.lastRenewalSentAt <= this.opts.timeoutMs) return this.fenced;
    this.fence('could not renew the node lease within the fencing timeout: stopping every pod of this node');
    return true;
  }

  private fence(why: string): void {
    if (this.fenced) return;
    this.fenced = true;
    this.stats.fences++;
    this.opts.logger.error({ timeoutMs: this.opts.timeoutMs }, why);
    void this.opts.onFence().catch((err) => this.opts.logger.error({ err: String(err) }, 'fencing: stopping the containers failed'));
  }

  private writeHeartbeat(): void {
    try {
      const tmp = `${this.heartbeatFile}.tmp`;
      writeFileSync(tmp, String(this.lastRenewalSentAt));
      // rename is atomic: the watchdog never reads a half-written time.
      renameSync(tmp, this.heartbeatFile);
    } catch (err) {
      this.opts.logger.warn({ err: String(err) }, 'fencing: could not write the heartbeat file');
    }
  }

  private get pidFile(): string {
    return join(dirname(this.heartbeatFile), 'watchdog.pid');
  }

  /** The pid of this data dir's watchdog, if it runs. */
  private watchdogPid(): number | undefined {
    try {
      const pid = Number(readFileSync(this.pidFile, 'utf8'));
      return pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.heartbeatFile) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  private watchdogAlive(): boolean {
    return this.watchdogPid() !== undefined;
  }

  /** Replaces a watchdog left by a previous agent on this data dir with one for this agent. */
  private startWatchdog(): void {
    const script = watchdogScript();
    const old = this.watchdogPid();
    if (old) process.kill(old, 'SIGKILL');
    const child = spawn(process.execPath, [script, this.heartbeatFile, this.opts.containersDir, String(this.opts.timeoutMs)], {
      detached: true,
      stdio: 'ignore',
    });
    child.on('error', (err) => this.opts.logger.error({ err: String(err) }, 'fencing: the watchdog did not start'));
    child.unref();
    this.watchdogProcess = child;
    if (child.pid) writeFileSync(this.pidFile, String(child.pid));
  }
}

/** Removes the heartbeat file: the watchdog exits without fencing (tests, node removal). */
export function disarmFencing(dataDir: string): void {
  rmSync(join(dataDir, 'fencing', 'heartbeat'), { force: true });
}
