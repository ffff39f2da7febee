// Port-forwarding into a pod's own network namespace: `hale-shim port-forward` enters it and
// connects to localhost:PORT there, as containerd and CRI-O do, so that apps listening on
// 127.0.0.1 only (admin and debug ports) are reachable; the pod IP would not reach them. The
// shim relays the connection over its stdin/stdout, and reports on fd 3 whether it connected.
// Started with child_process, like interactive exec sessions: port-forward connections are rare.
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Duplex } from 'node:stream';

/** The errno name of a number, for errors that read like Node's own (`ECONNREFUSED`). */
function errnoName(errno: number): string | undefined {
  return Object.entries(constants.errno).find(([, n]) => n === errno)?.[0];
}

/** The shim's connection as a Duplex: writes go to its stdin, reads come from its stdout. */
class ShimConnection extends Duplex {
  constructor(private readonly child: ChildProcess) {
    super({ allowHalfOpen: true });
    const { stdin, stdout } = child;
    stdout?.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stdout.pause();
    });
    stdout?.once('end', () => this.push(null));
    stdin?.on('error', (err) => this.destroy(err));
    stdout?.on('error', (err) => this.destroy(err));
    child.once('exit', (code) => {
      // Exit 1 after connecting: the connection was reset.
      if (code !== 0 && !this.destroyed) this.destroy(Object.assign(new Error('connection reset by peer'), { code: 'ECONNRESET' }));
    });
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.child.stdin?.write(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    // A half-close: the shim shuts down the socket's sending side.
    this.child.stdin?.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    callback(err);
  }
}

/** Connects to localhost:port inside the network namespace at netnsPath. */
export function portForwardInNetns(shimPath: string, netnsPath: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const child = spawn(shimPath, ['port-forward', '--netns', netnsPath, '--port', String(port)], {
      stdio: ['pipe', 'pipe', 'ignore', 'pipe'],
    });
    const status = child.stdio[3] as NodeJS.ReadableStream;
    let line = '';
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      // An error line, if any, came first; otherwise the shim died before saying anything.
      setImmediate(() => fail(new Error(`port-forward helper exited (${signal ?? `code ${code}`}) before connecting`)));
    });
    status.on('data', (chunk: Buffer) => {
      line += chunk.toString();
      const end = line.indexOf('\n');
      if (end < 0 || settled) return;
      const text = line.slice(0, end);
      if (text === 'connected') {
        settled = true;
        child.off('error', fail);
        resolve(new ShimConnection(child));
        return;
      }
      // "error ERRNO MESSAGE"
      const m = /^error (\d+) (.*)$/.exec(text);
      const code = m ? errnoName(Number(m[1])) : undefined;
      fail(Object.assign(new Error(m ? (code ? `${m[2]} (${code})` : m[2]) : text), code ? { code } : {}));
    });
    status.on('error', () => {});
  });
}
