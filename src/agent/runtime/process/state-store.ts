// The process runtime's records on disk, so that a new runtime instance (after the agent
// restarts or is killed) finds its sandboxes and containers again:
//   <root>/sandboxes/<id>.json
//   <root>/containers/<id>/record.json   (+ the shim's own files in the same directory)
// Files are written whole (tmp + rename) and readable only by the owner: env may hold secrets.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig, ContainerState, PodSandboxConfig } from '../runtime.ts';

export interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  createdAt: string;
  state: 'ready' | 'notready';
  ip: string;
  /** The pod's network namespace (isolated network mode). */
  netnsPath?: string;
  /** Directory holding the pod's own hosts and resolv.conf, bind-mounted into its containers. */
  podFilesDir?: string;
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  createdAt: string;
  state: ContainerState;
  imageRef: string;
  /** The environment the workload (and every exec) gets. */
  env: Record<string, string>;
  /** The cgroup path under the runtime's root, when cgroups are used. */
  cgroup?: string;
  /** Whether the workload runs in its own mount namespace (exec must join it). */
  mountNamespace: boolean;
  /** Symlinks created for mounts when no mount namespace is possible; removed with the container. */
  mountLinks?: string[];
  shimPid?: number;
  shimStartTime?: number;
  pid?: number;
  startTime?: number;
  bootId?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  signal?: number;
  reason?: string;
  message?: string;
}

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
  renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export class StateStore {
  private readonly sandboxDir: string;
  private readonly containerRoot: string;

  constructor(readonly rootDir: string) {
    this.sandboxDir = join(rootDir, 'sandboxes');
    this.containerRoot = join(rootDir, 'containers');
    mkdirSync(this.sandboxDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.containerRoot, { recursive: true, mode: 0o700 });
  }

  /** The directory of one container: its record and the shim's state files. */
  containerDir(id: string): string {
    return join(this.containerRoot, id);
  }

  loadSandboxes(): SandboxRecord[] {
    return readdirSync(this.sandboxDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readJson<SandboxRecord>(join(this.sandboxDir, f)))
      .filter((r): r is SandboxRecord => r !== undefined);
  }

  saveSandbox(record: SandboxRecord): void {
    writeJsonAtomic(join(this.sandboxDir, `${record.id}.json`), record);
  }

  deleteSandbox(id: string): void {
    rmSync(join(this.sandboxDir, `${id}.json`), { force: true });
  }

  loadContainers(): ContainerRecord[] {
    return readdirSync(this.containerRoot)
      .map((id) => readJson<ContainerRecord>(join(this.containerRoot, id, 'record.json')))
      .filter((r): r is ContainerRecord => r !== undefined);
  }

  saveContainer(record: ContainerRecord): void {
    const dir = this.containerDir(record.id);
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeJsonAtomic(join(dir, 'record.json'), record);
  }

  deleteContainer(id: string): void {
    rmSync(this.containerDir(id), { recursive: true, force: true });
  }
}
