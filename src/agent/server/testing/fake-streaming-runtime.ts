// A small in-memory Runtime for streaming tests: one pod sandbox with containers whose log
// files the test writes, exec as real child processes (a TTY through `script`), attach to
// streams the test feeds, and port-forward to TCP ports on 127.0.0.1.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { type Duplex, PassThrough } from 'node:stream';
import type { ContainerStatus, ExecOptions, ExecResult, PodSandboxStatus, Runtime, StreamSession } from '../../runtime/runtime.ts';

export interface FakeContainer {
  id: string;
  name: string;
  attempt: number;
  state: 'running' | 'exited';
  logPath: string;
}

export interface FakeAttach {
  stdout: PassThrough;
  stderr: PassThrough;
  stdin: PassThrough;
  end(code: number): void;
}

function shellQuote(argv: string[]): string {
  return argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
}

export class FakeStreamingRuntime implements Runtime {
  readonly name = 'fake';
  readonly version = '0';
  readonly sandbox: PodSandboxStatus;
  readonly containers: FakeContainer[] = [];
  readonly resizes: { width: number; height: number }[] = [];
  readonly execs: ExecOptions[] = [];
  /** Attach sessions in the order they were opened. */
  readonly attaches: FakeAttach[] = [];
  private readonly exits = new Map<string, () => void>();
  private readonly exitPromises = new Map<string, Promise<ContainerStatus>>();

  constructor(pod: { namespace: string; name: string }) {
    this.sandbox = {
      id: 'sandbox-1',
      podUid: 'uid-1',
      name: pod.name,
      namespace: pod.namespace,
      attempt: 0,
      state: 'ready',
      createdAt: new Date(),
      ip: '127.0.0.1',
    };
  }

  addContainer(c: FakeContainer): void {
    this.containers.push(c);
    this.exitPromises.set(
      c.id,
      new Promise((resolve) => {
        this.exits.set(c.id, () => {
          c.state = 'exited';
          resolve(this.statusOf(c));
        });
        if (c.state === 'exited') resolve(this.statusOf(c));
      }),
    );
  }

  /** Marks a container exited (ends log follows). */
  exitContainer(id: string): void {
    this.exits.get(id)?.();
  }

  private statusOf(c: FakeContainer): ContainerStatus {
    return {
      id: c.id,
      sandboxId: this.sandbox.id,
      name: c.name,
      attempt: c.attempt,
      state: c.state,
      createdAt: new Date(1000 * c.attempt),
      image: 'busybox',
      imageRef: 'process:///bin/sh',
      logPath: c.logPath,
      labels: {},
      annotations: {},
      exitCode: c.state === 'exited' ? 0 : undefined,
    };
  }

  async listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return [this.sandbox];
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    return id === this.sandbox.id ? this.sandbox : undefined;
  }

  async listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]> {
    if (filter?.sandboxId && filter.sandboxId !== this.sandbox.id) return [];
    return this.containers.map((c) => this.statusOf(c));
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.find((x) => x.id === id);
    return c && this.statusOf(c);
  }

  waitContainer(id: string): Promise<ContainerStatus> {
    const p = this.exitPromises.get(id);
    if (!p) return Promise.reject(new Error(`no container ${id}`));
    return p;
  }

  async exec(_id: string, opts: ExecOptions): Promise<StreamSession> {
    this.execs.push(opts);
    const [file, args] = opts.tty ? ['script', ['-qfec', shellQuote(opts.argv), '/dev/null']] : [opts.argv[0], opts.argv.slice(1)];
    const child = spawn(file, args as string[], {
      stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout || opts.tty ? 'pipe' : 'ignore', opts.stderr && !opts.tty ? 'pipe' : 'ignore'],
    });
    const exit = new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve(code ?? (signal ? 137 : 0)));
    });
    exit.catch(() => {}); // a spawn failure is reported by the await below
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.stdin?.on('error', () => {});
    return {
      stdin: child.stdin ?? undefined,
      stdout: child.stdout ?? undefined,
      stderr: child.stderr ?? undefined,
      resize: (width, height) => this.resizes.push({ width, height }),
      exit,
      close: () => child.kill('SIGKILL'),
    };
  }

  async attach(_id: string, opts: Omit<ExecOptions, 'argv'>): Promise<StreamSession> {
    let finish: (code: number) => void = () => {};
    const exit = new Promise<number>((resolve) => {
      finish = resolve;
    });
    const session: FakeAttach = {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      end: (code) => {
        session.stdout.end();
        session.stderr.end();
        finish(code);
      },
    };
    this.attaches.push(session);
    return {
      stdin: opts.stdin ? session.stdin : undefined,
      stdout: opts.stdout || opts.tty ? session.stdout : undefined,
      stderr: opts.stderr && !opts.tty ? session.stderr : undefined,
      resize: (width, height) => this.resizes.push({ width, height }),
      exit,
      close: () => session.end(0),
    };
  }

  portForward(sandboxId: string, port: number): Promise<Duplex> {
    if (sandboxId !== this.sandbox.id) return Promise.reject(new Error(`pod sandbox "${sandboxId}" not found`));
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.sandbox.ip, port, allowHalfOpen: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
    });
  }

  // Not needed by the streaming paths.
  runPodSandbox(): Promise<string> {
    return Promise.reject(new Error('not implemented'));
  }
  stopPodSandbox(): Promise<void> {
    return Promise.reject(new Error('not implemented'));
  }
  removePodSandbox(): Promise<void> {
    return Promise.reject(new Error('not implemented'));
  }
  createContainer(): Promise<string> {
    return Promise.reject(new Error('not implemented'));
  }
  startContainer(): Promise<void> {
    return Promise.reject(new Error('not implemented'));
  }
  stopContainer(): Promise<void> {
    return Promise.reject(new Error('not implemented'));
  }
  removeContainer(): Promise<void> {
    return Promise.reject(new Error('not implemented'));
  }
  execSync(): Promise<ExecResult> {
    return Promise.reject(new Error('not implemented'));
  }
  containerStats(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
}
