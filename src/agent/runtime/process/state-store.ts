// The process runtime's records on disk, so that a new runtime instance (after the agent
// restarts or is killed) finds its sandboxes and containers again:
//   <root>/sandboxes/<id>.json
//   <root>/containers/<id>/record.json   (+ the shim's own files in the same directory)
// Files are written whole (tmp + rename) and readable only by the owner: env may hold secrets.
//
// Writes are asynchronous and coalesced (coalesced-writes.ts): a burst of 100 pods made
// hundreds of synchronous writes, renames and mkdirs on the event loop. Callers await a save
// only where a crash must find the record (before a workload starts); the shim's own files
// (container.json, exit.json) cover the rest. A container's record is written
// twice in its life: before its shim starts ("created", with everything needed to find its
// pod and cgroup) and when it has exited; the running state between is the shim's files.
//
// Every write stays tmp + rename: a record torn by a kill -9 of the agent would lose a
// running container (never adopted, and started a second time), so a reader must see the
// old or the new file, never a mix.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerConfig, ContainerState, PodSandboxConfig } from '../runtime.ts';
import { CoalescedWrites } from './coalesced-writes.ts';

export interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  createdAt: string;
  /** 'creating': saved before its network and cgroup exist, so an agent killed half-way can undo them. */
  state: 'creating' | 'ready' | 'notready';
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
  private readonly writes = new CoalescedWrites();

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

  saveSandbox(record: SandboxRecord): Promise<void> {
    return this.writes.save(join(this.sandboxDir, `${record.id}.json`), () => JSON.stringify(record));
  }

  async deleteSandbox(id: string): Promise<void> {
    const file = join(this.sandboxDir, `${id}.json`);
    await this.writes.forget(file);
    await rm(file, { force: true });
  }

  loadContainers(): ContainerRecord[] {
    return readdirSync(this.containerRoot)
      .map((id) => readJson<ContainerRecord>(join(this.containerRoot, id, 'record.json')))
      .filter((r): r is ContainerRecord => r !== undefined);
  }

  /** Saves nothing more (the runtime instance is closing; a successor takes over the files). */
  close(): void {
    this.writes.close();
  }

  /** Makes the container's directory (before its first save and before the shim runs). */
  async createContainerDir(id: string): Promise<string> {
    const dir = this.containerDir(id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Saves the record; its directory must exist (createContainerDir). */
  saveContainer(record: ContainerRecord): Promise<void> {
    return this.writes.save(join(this.containerDir(record.id), 'record.json'), () => JSON.stringify(record));
  }

  async deleteContainer(id: string): Promise<void> {
    const file = join(this.containerDir(id), 'record.json');
    await this.writes.forget(file);
    await rm(this.containerDir(id), { recursive: true, force: true });
  }
}
