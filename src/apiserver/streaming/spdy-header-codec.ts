// Header block compression for one SPDY/3 connection: one zlib stream per direction, primed
// with the SPDY dictionary, shared by every header block of the connection and sync-flushed
// after each block (so each block decodes as soon as it arrives). Node's zlib is
// asynchronous, so blocks are processed strictly one after another.
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { spdyDictionary } from './spdy-dictionary.ts';
import { decodeHeaderBlock, encodeHeaderBlock, type HeaderBlock } from './spdy-frames.ts';

type ZlibStream = Deflate | Inflate;

/** Runs `input` through a long-lived zlib stream and returns everything the sync flush produced. */
function flushThrough(stream: ZlibStream, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    stream.once('error', onError);
    stream.write(input);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off('error', onError);
      // Output is pushed before the flush callback runs; the stream is never put in flowing
      // mode, so all of it waits in the readable buffer.
      const chunks: Buffer[] = [];
      for (let chunk = stream.read() as Buffer | null; chunk !== null; chunk = stream.read() as Buffer | null) chunks.push(chunk);
      resolve(Buffer.concat(chunks));
    });
  });
}

class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.tail.then(step, step);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class HeaderCompressor {
  private readonly deflate = createDeflate({ dictionary: spdyDictionary, level: constants.Z_DEFAULT_COMPRESSION });
  private readonly serial = new Serial();

  constructor() {
    this.deflate.on('error', () => {});
  }

  compress(headers: HeaderBlock | Record<string, string>): Promise<Buffer> {
    const block = encodeHeaderBlock(headers);
    return this.serial.run(() => flushThrough(this.deflate, block));
  }

  close(): void {
    this.deflate.close();
  }
}

export class HeaderDecompressor {
  private readonly inflate = createInflate({ dictionary: spdyDictionary });
  private readonly serial = new Serial();

  constructor() {
    this.inflate.on('error', () => {});
  }

  decompress(compressed: Buffer): Promise<HeaderBlock> {
    return this.serial.run(async () => decodeHeaderBlock(await flushThrough(this.inflate, compressed)));
  }

  close(): void {
    this.inflate.close();
  }
}
