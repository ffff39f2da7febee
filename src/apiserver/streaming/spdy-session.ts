// One SPDY/3.1 connection over any byte transport (a socket after an HTTP upgrade, or a
// WebSocket carrying SPDY bytes): streams opened by the peer arrive as 'stream' events;
// each stream is a Duplex of its DATA frames. What kubectl needs (see kubectl-wire.md §8):
//   - no send-side flow control: kubectl never sends WINDOW_UPDATE, so windows are ignored;
//   - every stream must get a SYN_REPLY (reply()), and frames go out strictly in order, so
//     data written after a reply never overtakes it;
//   - PINGs are echoed, SETTINGS/WINDOW_UPDATE ignored, GOAWAY tolerated.
// The client role (openStream) exists for tests and symmetry.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import {
  decodeStreamHeaders,
  decodeSynStream,
  decodeTwoWords,
  encodeControlFrame,
  encodeDataFrame,
  encodeStreamHeadersPayload,
  encodeSynStreamPayload,
  encodeTwoWords,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FrameReader,
  FrameType,
  type HeaderBlock,
  type RawFrame,
  RstStatus,
} from './spdy-frames.ts';
import { HeaderCompressor, HeaderDecompressor } from './spdy-header-codec.ts';

/** Outgoing DATA frames are cut at this size (kubectl accepts any, smaller keeps latency even). */
const MAX_DATA_FRAME = 32 * 1024;

export interface SpdySessionOptions {
  /** Servers accept peer streams with odd ids and open even ones; clients the reverse. */
  role: 'server' | 'client';
}

interface Outgoing {
  frame: Buffer | Promise<Buffer>;
  done?: (err?: Error | null) => void;
}

export class SpdyStream extends Duplex {
  private replied = false;
  private remoteFinished = false;
  private localFinished = false;
  private reset = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    /** The headers of the SYN_STREAM (lowercase names). */
    readonly headers: HeaderBlock,
  ) {
    super({ allowHalfOpen: true });
  }

  /** Sends SYN_REPLY; needed once for every stream the peer opened. Idempotent. */
  reply(headers: Record<string, string> = {}): void {
    if (this.replied) return;
    this.replied = true;
    this.session.sendReply(this.id, headers);
  }

  /** Aborts the stream with RST_STREAM. */
  resetStream(status: number = RstStatus.Cancel): void {
    if (this.reset) return;
    this.reset = true;
    this.session.sendRst(this.id, status);
    this.destroy();
  }

  override _read(): void {
    this.session.resumeFor(this);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.ensureReplied();
    this.session.sendData(this.id, chunk, false, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.ensureReplied();
    this.localFinished = true;
    this.session.sendData(this.id, Buffer.alloc(0), true, callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.reset && !(this.localFinished && this.remoteFinished) && !this.session.closed) {
      this.reset = true;
      this.session.sendRst(this.id, RstStatus.Cancel);
    }
    this.session.forget(this.id);
    callback(err);
  }

  /** @internal */
  markReplied(): void {
    this.replied = true;
  }

  /** @internal DATA from the peer; false when the consumer wants a pause. */
  receive(payload: Buffer, fin: boolean): boolean {
    if (this.remoteFinished) return true;
    let more = true;
    if (payload.length > 0) more = this.push(payload);
    if (fin) {
      this.remoteFinished = true;
      this.push(null);
    }
    return more;
  }

  /** @internal */
  remoteClosed(): void {
    if (this.remoteFinished) return;
    this.remoteFinished = true;
    this.push(null);
  }

  /** @internal */
  localClosed(): void {
    this.localFinished = true;
  }

  /** @internal RST_STREAM from the peer. */
  peerReset(): void {
    this.reset = true;
    this.destroy();
  }

  private ensureReplied(): void {
    // A stream the peer opened must be answered before any data of ours appears on it.
    if (!this.replied && this.session.isPeerStream(this.id)) this.reply();
  }
}

export class SpdySession extends EventEmitter {
  closed = false;
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inbox: RawFrame[] = [];
  private processing = false;
  private readonly outbox: Outgoing[] = [];
  private pumping = false;
  private readonly pausedBy = new Set<SpdyStream>();
  private nextStreamId: number;
  private nextPingId: number;
  private goneAway = false;

  constructor(
    private readonly transport: Duplex,
    private readonly options: SpdySessionOptions,
  ) {
    super();
    this.nextStreamId = options.role === 'client' ? 1 : 2;
    this.nextPingId = options.role === 'client' ? 1 : 2;
    transport.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.on('end', () => this.close());
    transport.on('close', () => this.onTransportClosed());
    transport.on('error', () => this.onTransportClosed());
  }

  /** Feeds bytes that arrived before the session existed (the `head` of an HTTP upgrade). */
  feed(bytes: Buffer): void {
    if (bytes.length > 0) this.onBytes(bytes);
  }

  /** Opens a stream (client role, or server push): SYN_STREAM with these headers. */
  openStream(headers: Record<string, string>, options: { fin?: boolean } = {}): SpdyStream {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(this, id, new Map(Object.entries(headers)));
    stream.markReplied();
    this.streams.set(id, stream);
    if (options.fin) {
      stream.localClosed();
      stream.end();
    }
    const frame = this.compressor
      .compress(headers)
      .then((block) => encodeControlFrame(FrameType.SynStream, options.fin ? FLAG_FIN : 0, encodeSynStreamPayload(id, 0, block)));
    this.enqueue(frame);
    return stream;
  }

  /** Sends a PING and resolves when it is echoed. */
  ping(): Promise<void> {
    const id = this.nextPingId;
    this.nextPingId += 2;
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(id);
    return new Promise((resolve) => {
      const onPong = (pongId: number) => {
        if (pongId !== id) return;
        this.off('pong', onPong);
        resolve();
      };
      this.on('pong', onPong);
      this.enqueue(encodeControlFrame(FrameType.Ping, 0, payload));
    });
  }

  /** GOAWAY then end the transport once everything queued has been written. */
  close(): void {
    if (this.closed) return;
    if (!this.goneAway) {
      this.goneAway = true;
      this.enqueue(encodeControlFrame(FrameType.GoAway, 0, encodeTwoWords(this.lastPeerStreamId(), 0)));
    }
    this.enqueue(Buffer.alloc(0), () => this.transport.end());
  }

  destroy(): void {
    this.transport.destroy();
    this.onTransportClosed();
  }

  /** @internal */
  isPeerStream(id: number): boolean {
    return (id % 2 === 1) === (this.options.role === 'server');
  }

  /** @internal */
  sendReply(id: number, headers: Record<string, string>): void {
    const frame = this.compressor
      .compress(headers)
      .then((block) => encodeControlFrame(FrameType.SynReply, 0, encodeStreamHeadersPayload(id, block)));
    this.enqueue(frame);
  }

  /** @internal */
  sendRst(id: number, status: number): void {
    this.enqueue(encodeControlFrame(FrameType.RstStream, 0, encodeTwoWords(id, status)));
  }

  /** @internal */
  sendData(id: number, data: Buffer, fin: boolean, done: (err?: Error | null) => void): void {
    if (this.closed) {
      // The connection is gone; the stream is being torn down with it.
      done();
      return;
    }
    if (data.length <= MAX_DATA_FRAME) {
      this.enqueue(encodeDataFrame(id, fin ? FLAG_FIN : 0, data), done);
      return;
    }
    for (let at = 0; at < data.length; at += MAX_DATA_FRAME) {
      const piece = data.subarray(at, Math.min(at + MAX_DATA_FRAME, data.length));
      const last = at + MAX_DATA_FRAME >= data.length;
      this.enqueue(encodeDataFrame(id, last && fin ? FLAG_FIN : 0, piece), last ? done : undefined);
    }
  }

  /** @internal */
  forget(id: number): void {
    const stream = this.streams.get(id);
    this.streams.delete(id);
    if (stream) this.resumeFor(stream);
  }

  /** @internal A stream's consumer wants more: resume reading once no stream is full. */
  resumeFor(stream: SpdyStream): void {
    if (!this.pausedBy.delete(stream)) return;
    if (this.pausedBy.size === 0 && !this.closed) this.transport.resume();
  }

  // ---- incoming ------------------------------------------------------------------------

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    let frames: RawFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    this.inbox.push(...frames);
    void this.processInbox();
  }

  private async processInbox(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.inbox.length > 0 && !this.closed) {
        const frame = this.inbox.shift()!;
        const pending = this.handleFrame(frame);
        if (pending) await pending;
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.processing = false;
    }
  }

  /** Handles one frame; returns a promise only when a header block must be decompressed. */
  private handleFrame(frame: RawFrame): Promise<void> | undefined {
    if (!frame.control) {
      const stream = this.streams.get(frame.streamId);
      if (!stream) return undefined;
      const more = stream.receive(frame.payload, (frame.flags & FLAG_FIN) !== 0);
      if (!more && !this.pausedBy.has(stream)) {
        this.pausedBy.add(stream);
        this.transport.pause();
      }
      return undefined;
    }
    switch (frame.type) {
      case FrameType.SynStream:
        return this.onSynStream(frame.flags, frame.payload);
      case FrameType.SynReply:
        return this.onSynReply(frame.flags, frame.payload);
      case FrameType.Headers: {
        // Decompressed only to keep the shared zlib context in step.
        const { headerBlock } = decodeStreamHeaders(frame.payload);
        return this.decompressor.decompress(headerBlock).then(() => undefined);
      }
      case FrameType.RstStream: {
        const [id] = decodeTwoWords(frame.payload);
        this.streams.get(id)?.peerReset();
        return undefined;
      }
      case FrameType.Ping: {
        const id = frame.payload.readUInt32BE(0);
        if (this.isPeerStream(id)) this.enqueue(encodeControlFrame(FrameType.Ping, 0, frame.payload.subarray(0, 4)));
        else this.emit('pong', id);
        return undefined;
      }
      case FrameType.GoAway:
        this.goneAway = true;
        this.emit('goaway');
        return undefined;
      default:
        // SETTINGS, WINDOW_UPDATE and anything unknown: no flow control, nothing to do.
        return undefined;
    }
  }

  private async onSynStream(flags: number, payload: Buffer): Promise<void> {
    const syn = decodeSynStream(payload);
    const headers = await this.decompressor.decompress(syn.headerBlock);
    if (this.closed) return;
    if (this.streams.has(syn.streamId) || !this.isPeerStream(syn.streamId)) {
      this.sendRst(syn.streamId, RstStatus.ProtocolError);
      return;
    }
    const stream = new SpdyStream(this, syn.streamId, headers);
    this.streams.set(syn.streamId, stream);
    if (flags & FLAG_UNIDIRECTIONAL) {
      stream.localClosed();
      stream.end();
    }
    if (flags & FLAG_FIN) stream.remoteClosed();
    this.emit('stream', stream);
  }

  private async onSynReply(flags: number, payload: Buffer): Promise<void> {
    const { streamId, headerBlock } = decodeStreamHeaders(payload);
    const headers = await this.decompressor.decompress(headerBlock);
    const stream = this.streams.get(streamId);
    if (!stream) return;
    stream.emit('reply', headers);
    if (flags & FLAG_FIN) stream.remoteClosed();
  }

  private lastPeerStreamId(): number {
    let last = 0;
    for (const id of this.streams.keys()) if (this.isPeerStream(id) && id > last) last = id;
    return last;
  }

  // ---- outgoing ------------------------------------------------------------------------

  private enqueue(frame: Buffer | Promise<Buffer>, done?: (err?: Error | null) => void): void {
    this.outbox.push({ frame, done });
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.outbox.length > 0) {
        const item = this.outbox.shift()!;
        let bytes: Buffer;
        try {
          bytes = item.frame instanceof Buffer ? item.frame : await item.frame;
        } catch (err) {
          item.done?.();
          this.fail(err as Error);
          continue;
        }
        if (this.closed || this.transport.destroyed || this.transport.writableEnded) {
          item.done?.();
          continue;
        }
        if (bytes.length > 0 && !this.transport.write(bytes)) await this.drained();
        item.done?.();
      }
    } finally {
      this.pumping = false;
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        this.transport.off('drain', finish);
        this.transport.off('close', finish);
        resolve();
      };
      this.transport.on('drain', finish);
      this.transport.on('close', finish);
    });
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.emit('protocolError', err);
    this.destroy();
  }

  private onTransportClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.compressor.close();
    this.decompressor.close();
    for (const stream of [...this.streams.values()]) {
      stream.remoteClosed();
      stream.destroy();
    }
    this.streams.clear();
    this.emit('close');
  }
}
