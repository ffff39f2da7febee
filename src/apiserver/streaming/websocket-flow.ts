// Moving bytes between Node streams and WebSockets without unbounded buffering: a reader is
// paused while the WebSocket has too much unsent data, and a WebSocket is paused while the
// writer it feeds is full.
import type { Readable, Writable } from 'node:stream';
import { WebSocket } from 'ws';

/** Unsent bytes a WebSocket may hold before its source is paused. */
const HIGH_WATER = 1024 * 1024;

/** Sends everything `source` produces as binary messages shaped by `frame`; resolves at its end. */
export function pipeReadableToWebSocket(source: Readable, ws: WebSocket, frame: (chunk: Buffer) => Buffer): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      source.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      if (ws.readyState !== WebSocket.OPEN) {
        source.destroy();
        finish();
        return;
      }
      ws.send(frame(chunk), { binary: true }, () => {
        if (source.isPaused() && ws.bufferedAmount < HIGH_WATER) source.resume();
      });
      if (ws.bufferedAmount >= HIGH_WATER) source.pause();
    };
    source.on('data', onData);
    source.once('end', finish);
    source.once('close', finish);
    source.once('error', finish);
    ws.once('close', () => {
      source.resume();
      finish();
    });
  });
}

/**
 * Relays `from`'s binary messages to `to`, shaped by `shape` (undefined drops one), pausing
 * `from` while `to` holds too much unsent data.
 */
export function relayWebSocket(from: WebSocket, to: WebSocket, shape: (data: Buffer, isBinary: boolean) => Buffer | undefined): void {
  from.on('message', (data: Buffer, isBinary: boolean) => {
    const out = shape(data, isBinary);
    if (out === undefined || to.readyState !== WebSocket.OPEN) return;
    to.send(out, { binary: isBinary }, () => {
      if (from.isPaused && to.bufferedAmount < HIGH_WATER) from.resume();
    });
    if (to.bufferedAmount >= HIGH_WATER) from.pause();
  });
}

/** Writes to `target`, pausing the WebSocket the bytes come from while the target is full. */
export function writeWithBackpressure(target: Writable, bytes: Buffer, from: WebSocket): void {
  if (target.destroyed || target.writableEnded) return;
  if (!target.write(bytes) && !from.isPaused) {
    from.pause();
    target.once('drain', () => from.resume());
    target.once('close', () => from.resume());
  }
}

/** Sends a message, resolving once it was handed to the socket (or the socket closed). */
export function sendAndWait(ws: WebSocket, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState !== WebSocket.OPEN) return resolve();
    ws.send(data, { binary: true }, () => resolve());
  });
}
