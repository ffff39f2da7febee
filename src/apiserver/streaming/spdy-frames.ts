// SPDY/3.1 frames on the wire: the 8-byte frame header, control frame payloads and the
// (uncompressed) name/value header block. Pure encoding and decoding; compression of header
// blocks lives in spdy-header-codec.ts and the connection logic in spdy-session.ts.
//
//   control: |1| version(15) | type(16) | flags(8) | length(24) | payload
//   data:    |0| stream id(31)           | flags(8) | length(24) | payload

export const SPDY_VERSION = 3;

export const FrameType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes used here. */
export const RstStatus = { ProtocolError: 1, InvalidStream: 2, RefusedStream: 3, Cancel: 5, InternalError: 6 } as const;

/** The largest payload one frame can carry (24-bit length). */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export interface ControlFrame {
  control: true;
  type: number;
  flags: number;
  payload: Buffer;
}

export interface DataFrame {
  control: false;
  streamId: number;
  flags: number;
  payload: Buffer;
}

export type RawFrame = ControlFrame | DataFrame;

/** The header block: lowercase names to values (several values of one name are NUL-joined). */
export type HeaderBlock = Map<string, string>;

export function encodeControlFrame(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new Error(`SPDY control frame too large: ${payload.length} bytes`);
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

export function encodeDataFrame(streamId: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new Error(`SPDY data frame too large: ${payload.length} bytes`);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return payload.length === 0 ? head : Buffer.concat([head, payload]);
}

/** Splits a byte stream into frames; feed it whatever the transport delivers. */
export class FrameReader {
  private buffered: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): RawFrame[] {
    if (chunk.length > 0) {
      this.buffered.push(chunk);
      this.size += chunk.length;
    }
    const frames: RawFrame[] = [];
    while (this.size >= 8) {
      const head = this.peek(8);
      const length = head.readUInt32BE(4) & 0xffffff;
      if (this.size < 8 + length) break;
      const whole = this.take(8 + length);
      const flags = whole[4];
      const payload = whole.subarray(8);
      if (whole[0] & 0x80) {
        const version = whole.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
        frames.push({ control: true, type: whole.readUInt16BE(2), flags, payload });
      } else {
        frames.push({ control: false, streamId: whole.readUInt32BE(0) & 0x7fffffff, flags, payload });
      }
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.buffered[0].length < n) this.buffered = [Buffer.concat(this.buffered)];
    return this.buffered[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.buffered[0].length < n) this.buffered = [Buffer.concat(this.buffered)];
    const first = this.buffered[0];
    const out = first.subarray(0, n);
    if (first.length === n) this.buffered.shift();
    else this.buffered[0] = first.subarray(n);
    this.size -= n;
    return out;
  }
}

// ---- control frame payloads --------------------------------------------------------

export interface SynStream {
  streamId: number;
  associatedStreamId: number;
  priority: number;
  /** Still compressed. */
  headerBlock: Buffer;
}

export function decodeSynStream(payload: Buffer): SynStream {
  if (payload.length < 10) throw new Error('SYN_STREAM frame too short');
  return {
    streamId: payload.readUInt32BE(0) & 0x7fffffff,
    associatedStreamId: payload.readUInt32BE(4) & 0x7fffffff,
    priority: payload[8] >> 5,
    headerBlock: payload.subarray(10),
  };
}

export function encodeSynStreamPayload(streamId: number, priority: number, compressedHeaders: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt32BE(streamId & 0x7fffffff, 0);
  fixed.writeUInt32BE(0, 4);
  fixed[8] = (priority & 0x7) << 5;
  return Buffer.concat([fixed, compressedHeaders]);
}

/** SYN_REPLY and HEADERS share this shape: a stream id and a header block. */
export function decodeStreamHeaders(payload: Buffer): { streamId: number; headerBlock: Buffer } {
  if (payload.length < 4) throw new Error('frame too short');
  return { streamId: payload.readUInt32BE(0) & 0x7fffffff, headerBlock: payload.subarray(4) };
}

export function encodeStreamHeadersPayload(streamId: number, compressedHeaders: Buffer): Buffer {
  const fixed = Buffer.alloc(4);
  fixed.writeUInt32BE(streamId & 0x7fffffff, 0);
  return Buffer.concat([fixed, compressedHeaders]);
}

export function encodeTwoWords(first: number, second: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32BE(first >>> 0, 0);
  out.writeUInt32BE(second >>> 0, 4);
  return out;
}

/** RST_STREAM, GOAWAY and WINDOW_UPDATE payloads: two 32-bit words (the first a stream id). */
export function decodeTwoWords(payload: Buffer): [number, number] {
  if (payload.length < 8) throw new Error('frame too short');
  return [payload.readUInt32BE(0) & 0x7fffffff, payload.readUInt32BE(4)];
}

// ---- header blocks (before compression) ----------------------------------------------

export function encodeHeaderBlock(headers: HeaderBlock | Record<string, string>): Buffer {
  const entries = headers instanceof Map ? [...headers] : Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): HeaderBlock {
  const headers: HeaderBlock = new Map();
  let at = 0;
  const need = (n: number) => {
    if (at + n > block.length) throw new Error('truncated SPDY header block');
  };
  need(4);
  const count = block.readUInt32BE(at);
  at += 4;
  for (let i = 0; i < count; i++) {
    need(4);
    const nameLength = block.readUInt32BE(at);
    at += 4;
    need(nameLength);
    const name = block
      .subarray(at, at + nameLength)
      .toString('utf8')
      .toLowerCase();
    at += nameLength;
    need(4);
    const valueLength = block.readUInt32BE(at);
    at += 4;
    need(valueLength);
    headers.set(name, block.subarray(at, at + valueLength).toString('utf8'));
    at += valueLength;
  }
  return headers;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
