// End-to-end harness: starts a real `hale server` process on an ephemeral port in a temp
// dir, and runs the real kubectl binaries (1.27 … 1.33, or the PATH dispatcher) against it.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const haleBin = join(repoRoot, 'bin/hale.js');

/** The folder holding kubectl.1.27 … kubectl.1.33 (beside the dispatcher on PATH). */
function kubectlDir(): string {
  const dispatcher = execFileSync('bash', ['-c', 'readlink -f "$(command -v kubectl)"'], { encoding: 'utf8' }).trim();
  return dirname(dispatcher);
}

export type KubectlVersion = '1.27' | '1.28' | '1.29' | '1.30' | '1.31' | '1.32' | '1.33' | 'dispatcher';

export function kubectlPath(version: KubectlVersion): string {
  return version === 'dispatcher' ? 'kubectl' : join(kubectlDir(), `kubectl.${version}`);
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HaleServer {
  url: string;
  dataDir: string;
  kubeconfig: string;
  token: string;
  caPem: string;
  process: ChildProcess;
  /** The server's stderr since it last started (its structured log, last 50–100 kB). */
  stderr(): string;
  /** Run kubectl with this server's kubeconfig and a private cache dir. */
  kubectl(
    version: KubectlVersion,
    args: string[],
    opts?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number },
  ): Promise<KubectlResult>;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /** Start the server again on the same data dir (after stop or kill9). */
  restart(): Promise<void>;
}

export type KubectlOptions = { stdin?: string; env?: Record<string, string>; timeoutMs?: number; expectFail?: boolean };

/** Runs kubectl and fails the test when its exit code says otherwise than `expectFail`. */
export async function expectKubectl(
  server: HaleServer,
  version: KubectlVersion,
  args: string[],
  opts: KubectlOptions = {},
): Promise<KubectlResult> {
  const r = await server.kubectl(version, args, opts);
  if (!opts.expectFail && r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  if (opts.expectFail && r.code === 0) assert.fail(`kubectl ${args.join(' ')} should have failed:\n${r.stdout}`);
  return r;
}

export interface StartOptions {
  extraArgs?: string[];
  dataDir?: string;
  port?: number;
  /** Run the embedded node agent (drops `--disable-agent`). */
  withAgent?: boolean;
}

/**
 * Tests run side by side on one machine, where isolated pod networks of separate clusters
 * would share the default cluster CIDR: host network mode unless a test picks a mode (and then
 * its own --cluster-cidr).
 */
function withNetworkMode(args: string[]): string[] {
  return args.includes('--network-mode') ? args : [...args, '--network-mode', 'host'];
}

async function launch(dataDir: string, args: string[]): Promise<{ proc: ChildProcess; url: string; stderr: () => string }> {
  const proc = spawn(process.execPath, [haleBin, 'server', '--data-dir', dataDir, '--bind', '127.0.0.1', ...withNetworkMode(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: dataDir },
  });
  let output = '';
  let errors = '';
  proc.stderr!.on('data', (d) => {
    errors += d;
    if (errors.length > 100_000) errors = errors.slice(-50_000);
  });
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`hale server did not start in time:\n${output}\n${errors}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      output += d;
      const m = /listening on (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hale server exited with ${code}:\n${output}\n${errors}`));
    });
  });
  proc.stdout!.resume();
  return { proc, url, stderr: () => errors };
}

function waitExit(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => proc.once('exit', () => r()));
}

export async function startHale(opts: StartOptions = {}): Promise<HaleServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'hale-e2e-'));
  const agentArgs = opts.withAgent ? [] : ['--disable-agent'];
  const args = ['--port', String(opts.port ?? 0), ...agentArgs, ...(opts.extraArgs ?? [])];
  let { proc, url, stderr } = await launch(dataDir, args);
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const cacheDir = join(dataDir, 'kube-cache');
  const server: HaleServer = {
    url,
    dataDir,
    kubeconfig,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
    caPem: readFileSync(join(dataDir, 'tls/ca.crt'), 'utf8'),
    get process() {
      return proc;
    },
    stderr: () => stderr(),
    kubectl(version, kargs, kopts = {}) {
      return runKubectl(kubectlPath(version), ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...kargs], kopts, dataDir);
    },
    async stop() {
      proc.kill('SIGTERM');
      await waitExit(proc);
    },
    async kill9() {
      proc.kill('SIGKILL');
      await waitExit(proc);
    },
    async restart() {
      // Reuse the port so the kubeconfig written before stays valid.
      const port = new URL(server.url).port;
      ({ proc, url, stderr } = await launch(dataDir, ['--port', port, ...agentArgs, ...(opts.extraArgs ?? [])]));
      server.url = url;
    },
  };
  return server;
}

/**
 * Stops the server and, unless `keepData`, removes its data directory. Pods outlive the
 * server by design, so whatever of them is left (a pod a controller made while the test was
 * deleting them, a sandbox the agent was making as it stopped) goes first: its processes,
 * which carry the data directory on their command line, then its cgroups.
 */
export async function stopHale(server: HaleServer | undefined, keepData = false): Promise<void> {
  if (!server) return;
  await server.stop();
  if (keepData) return;
  killMatching(server.dataDir);
  await removePodCgroups(server.dataDir);
  rmSync(server.dataDir, { recursive: true, force: true });
}

function runKubectl(
  bin: string,
  args: string[],
  opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number },
  home: string,
): Promise<KubectlResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, {
      env: { ...process.env, HOME: home, KUBECONFIG: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    // kubectl may exit before reading its stdin; that must not crash the test process.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

/** kill -9 of every process whose command line contains `pattern`; none is fine. */
export function killMatching(pattern: string): void {
  try {
    execFileSync('pkill', ['-9', '-f', pattern]);
  } catch {
    // nothing matched
  }
}

/**
 * Stops a server that ran pods with its embedded agent. Stopping the server does not stop pods:
 * they are deleted first, then whatever is left of them (processes whose command line holds
 * `marker` or the data dir) is killed.
 */
export async function stopHaleWithPods(server: HaleServer | undefined, marker: string): Promise<void> {
  if (!server) return;
  await server.kubectl('1.33', ['delete', 'pod', '--all', '--grace-period=1', '--timeout=30s']).catch(() => undefined);
  for (const pattern of [marker, server.dataDir]) killMatching(pattern);
  await stopHale(server);
}

/**
 * Removes the pod cgroups of the sandboxes recorded under `dataDir`: an agent killed with its
 * pods still there never removes them. Call once their processes were killed; a cgroup whose
 * killed processes are still exiting is retried for a few seconds.
 */
export async function removePodCgroups(dataDir: string): Promise<void> {
  const sandboxDirs = [join(dataDir, 'runtime/process/sandboxes'), join(dataDir, 'agent/runtime/process/sandboxes')];
  const ids = sandboxDirs.flatMap((dir) => (existsSync(dir) ? readdirSync(dir) : [])).map((f) => f.replace(/\.json$/, ''));
  const hierarchies = existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : [];
  let podDirs = ids.flatMap((id) => hierarchies.map((h) => join('/sys/fs/cgroup', h, 'hale', `pod${id}`))).filter((d) => existsSync(d));
  for (let attempt = 0; podDirs.length > 0 && attempt < 50; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 100));
    for (const podDir of podDirs) {
      // Container cgroups first: rmdir takes empty directories only.
      for (const child of readdirSync(podDir, { withFileTypes: true })) if (child.isDirectory()) rmdirQuietly(join(podDir, child.name));
      rmdirQuietly(podDir);
    }
    podDirs = podDirs.filter((d) => existsSync(d));
  }
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // still in use, or gone
  }
}

/** Poll `fn` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface HaleAgent {
  nodeName: string;
  dataDir: string;
  process: ChildProcess;
  /** SIGTERM and wait for exit (pods it started keep running: delete them first). */
  stop(): Promise<void>;
  /** The agent's stderr (its structured log, last 50–100 kB), for failure messages. */
  stderr(): string;
}

/**
 * Start `hale agent` joining `server` as node `nodeName`, with its own temp data dir. With
 * `netns` it runs in that network namespace (/run/netns/NAME) through `nsenter --net`, which
 * execs the agent (same pid) and, unlike `ip netns exec`, keeps the host's mount namespace,
 * so the pod namespaces the agent mounts under /run/netns stay visible to the host.
 */
export async function startAgent(
  server: HaleServer,
  nodeName: string,
  opts: { podCidr?: string; extraArgs?: string[]; dataDir?: string; netns?: string } = {},
): Promise<HaleAgent> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), `hale-e2e-agent-${nodeName}-`));
  const agentToken = readFileSync(join(server.dataDir, 'agent-token'), 'utf8').trim();
  const [command, prefix] = opts.netns ? ['nsenter', [`--net=/run/netns/${opts.netns}`, process.execPath]] : [process.execPath, []];
  const proc = spawn(
    command,
    [
      ...prefix,
      haleBin,
      'agent',
      '--server',
      server.url,
      '--token',
      agentToken,
      '--ca-file',
      join(server.dataDir, 'tls/ca.crt'),
      '--node-name',
      nodeName,
      '--data-dir',
      dataDir,
      '--agent-port',
      '0',
      ...withNetworkMode(opts.extraArgs ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Agents on one host need distinct pod CIDRs: pod IPs are host loopback addresses.
      env: { ...process.env, HOME: dataDir, ...(opts.podCidr ? { HALE_POD_CIDR: opts.podCidr } : {}) },
    },
  );
  let output = '';
  let errors = '';
  proc.stderr!.on('data', (d) => {
    errors += d;
    if (errors.length > 100_000) errors = errors.slice(-50_000);
  });
  await new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`hale agent ${nodeName} did not join in time:\n${output}\n${errors}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      output += d;
      if (/joined/.test(output)) {
        clearTimeout(timer);
        resolvePromise();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hale agent ${nodeName} exited with ${code}:\n${output}\n${errors}`));
    });
  });
  proc.stdout!.resume();
  return {
    nodeName,
    dataDir,
    process: proc,
    async stop() {
      proc.kill('SIGTERM');
      await waitExit(proc);
    },
    stderr: () => errors,
  };
}
