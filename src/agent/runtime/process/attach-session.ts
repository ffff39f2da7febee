// attach: the container's output from now on (followed in its log file) and, when the
// container was started with stdin, input written into the stdin FIFO its shim relays.
// Resizing a tty container writes "COLS ROWS" into the shim's resize FIFO.
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { PassThrough, type Writable } from 'node:stream';
import type { ExecOptions, StreamSession } from '../runtime.ts';
import { CriLogFollower } from './log-follower.ts';

export interface AttachTarget {
  logPath: string;
  /** The shim's stdin FIFO, when the container has stdin. */
  stdinFifo?: string;
  /** The shim's resize FIFO, when the container has a tty. */
  resizeFifo?: string;
  tty: boolean;
  /** Resolves with the exit code once the container ended (its output is complete by then). */
  exited: Promise<number>;
}

/** Opens a FIFO for writing without blocking (fails with ENXIO if nobody reads it). */
function openFifoWriter(path: string): Writable {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  const socket = new Socket({ fd, readable: false, writable: true });
  socket.on('error', () => {});
  return socket;
}

export async function startAttachSession(target: AttachTarget, opts: Omit<ExecOptions, 'argv'>): Promise<StreamSession> {
  const stdout = opts.stdout || target.tty ? new PassThrough() : undefined;
  const stderr = opts.stderr && !target.tty ? new PassThrough() : undefined;
  const follower = new CriLogFollower(target.logPath, (record) => {
    const out = record.stream === 'stderr' && !target.tty ? stderr : stdout;
    if (!out || out.writableEnded) return;
    out.write(record.content);
    if (!record.partial) out.write('\n');
  });
  await follower.start();

  let stdin: Writable | undefined;
  if (opts.stdin) {
    if (!target.stdinFifo) {
      await follower.stop();
      throw new Error('stdin is not enabled for this container (set stdin: true in its spec)');
    }
    stdin = openFifoWriter(target.stdinFifo);
  }

  let resizer: Writable | undefined;
  let closed = false;
  let resolveClosed: (code: number) => void = () => {};
  const closedEarly = new Promise<number>((resolve) => {
    resolveClosed = resolve;
  });
  const finish = async () => {
    await follower.poll().catch(() => {});
    await follower.stop();
    stdout?.end();
    stderr?.end();
    stdin?.end();
    resizer?.end();
  };
  const exit = Promise.race([target.exited, closedEarly]).then(async (code) => {
    await finish();
    return code;
  });

  return {
    stdin,
    stdout,
    stderr,
    resize(width, height) {
      if (!target.resizeFifo || closed || width <= 0 || height <= 0) return;
      try {
        resizer ??= openFifoWriter(target.resizeFifo);
        resizer.write(`${Math.floor(width)} ${Math.floor(height)}\n`);
      } catch {
        // the container is gone
      }
    },
    exit,
    close() {
      if (closed) return;
      closed = true;
      resolveClosed(0);
    },
  };
}
