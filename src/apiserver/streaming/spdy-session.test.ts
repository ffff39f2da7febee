import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { encodeControlFrame, FrameReader, FrameType, type RawFrame } from './spdy-frames.ts';
import { SpdySession, type SpdyStream } from './spdy-session.ts';

/** Two connected in-memory transports. */
function socketPair(): [Duplex, Duplex] {
  let a!: Duplex;
  let b!: Duplex;
  const make = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _enc, cb) {
        peer().push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
    });
  a = make(() => b);
  b = make(() => a);
  return [a, b];
}

function readAll(stream: SpdyStream): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

test('a client stream reaches the server with its headers; data flows both ways with half-close', async () => {
  const [clientSide, serverSide] = socketPair();
  const client = new SpdySession(clientSide, { role: 'client' });
  const server = new SpdySession(serverSide, { role: 'server' });
  const serverGot = new Promise<SpdyStream>((resolve) => server.on('stream', resolve));

  const stream = client.openStream({ streamtype: 'data', port: '80' });
  const replied = new Promise((resolve) => stream.once('reply', resolve));
  const incoming = await serverGot;
  assert.equal(incoming.id, 1);
  assert.equal(incoming.headers.get('port'), '80');
  incoming.reply();
  await replied;

  const upload = randomBytes(300 * 1024);
  const received = readAll(incoming);
  stream.end(upload);
  assert.deepEqual(await received, upload, 'large writes are split into frames and reassembled');

  const answer = readAll(stream);
  incoming.end('done');
  assert.equal((await answer).toString(), 'done');
  client.close();
});

test('pings from the peer are echoed', async () => {
  const [clientSide, serverSide] = socketPair();
  const client = new SpdySession(clientSide, { role: 'client' });
  new SpdySession(serverSide, { role: 'server' });
  await client.ping();
  client.destroy();
});

test('the server answers every stream before data, in order, and ignores SETTINGS/WINDOW_UPDATE/GOAWAY', async () => {
  const [clientSide, serverSide] = socketPair();
  const server = new SpdySession(serverSide, { role: 'server' });
  server.on('stream', (s: SpdyStream) => {
    // Writing without an explicit reply must still put SYN_REPLY first.
    s.end(`hello ${s.headers.get('streamtype')}`);
  });
  // A raw client: collect frames as they arrive.
  const reader = new FrameReader();
  const frames: RawFrame[] = [];
  clientSide.on('data', (c: Buffer) => frames.push(...reader.push(c)));
  const client = new SpdySession(
    new Duplex({
      read() {},
      write: (c, _e, cb) => {
        clientSide.write(c);
        cb();
      },
    }),
    { role: 'client' },
  );
  clientSide.write(encodeControlFrame(FrameType.Settings, 0, Buffer.from([0, 0, 0, 0])));
  clientSide.write(encodeControlFrame(FrameType.WindowUpdate, 0, Buffer.alloc(8)));
  client.openStream({ streamtype: 'stdout' });
  client.openStream({ streamtype: 'stderr' });
  clientSide.write(encodeControlFrame(FrameType.GoAway, 0, Buffer.alloc(8)));
  const deadline = Date.now() + 5000;
  while (frames.filter((f) => !f.control).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  // The two streams may interleave; within each stream the order is fixed.
  const streamOf = (f: RawFrame) => (f.control ? f.payload.readUInt32BE(0) & 0x7fffffff : f.streamId);
  const summary = (id: number) =>
    frames.filter((f) => streamOf(f) === id).map((f) => (f.control ? `ctl:${f.type}` : `data:${f.payload.length > 0 ? 'bytes' : 'fin'}`));
  assert.equal(frames.length, 6);
  assert.deepEqual(summary(1), ['ctl:2', 'data:bytes', 'data:fin']);
  assert.deepEqual(summary(3), ['ctl:2', 'data:bytes', 'data:fin']);
  server.destroy();
});

test('RST_STREAM from the peer destroys the stream; a closed transport closes every stream', async () => {
  const [clientSide, serverSide] = socketPair();
  const client = new SpdySession(clientSide, { role: 'client' });
  const server = new SpdySession(serverSide, { role: 'server' });
  const streams: SpdyStream[] = [];
  server.on('stream', (s: SpdyStream) => streams.push(s));
  const a = client.openStream({ streamtype: 'a' });
  client.openStream({ streamtype: 'b' });
  while (streams.length < 2) await new Promise((r) => setTimeout(r, 5));
  const aClosed = new Promise((resolve) => streams[0].once('close', resolve));
  a.resetStream();
  await aClosed;
  const bClosed = new Promise((resolve) => streams[1].once('close', resolve));
  const sessionClosed = new Promise((resolve) => server.once('close', resolve));
  client.destroy();
  serverSide.destroy();
  await Promise.all([bClosed, sessionClosed]);
});

test('garbage on the wire ends the session instead of throwing', async () => {
  const [clientSide, serverSide] = socketPair();
  const server = new SpdySession(serverSide, { role: 'server' });
  const failed = new Promise((resolve) => server.once('protocolError', resolve));
  // A control frame with SPDY version 2.
  clientSide.write(Buffer.from([0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0]));
  await failed;
  assert.equal(server.closed, true);
});
