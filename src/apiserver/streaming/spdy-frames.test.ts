import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { constants, deflateSync } from 'node:zlib';
import { spdyDictionary } from './spdy-dictionary.ts';
import {
  decodeHeaderBlock,
  decodeSynStream,
  encodeControlFrame,
  encodeDataFrame,
  encodeHeaderBlock,
  FLAG_FIN,
  FrameReader,
  FrameType,
} from './spdy-frames.ts';
import { HeaderCompressor, HeaderDecompressor } from './spdy-header-codec.ts';

test('the SPDY/3 dictionary has the size and content the spec gives', () => {
  assert.equal(spdyDictionary.length, 1423);
  assert.deepEqual([...spdyDictionary.subarray(0, 11)], [0, 0, 0, 7, 0x6f, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x73]);
  assert.equal(spdyDictionary.subarray(-9).toString(), ',*,enq=0.');
  // Guards against accidental edits of the word list.
  assert.equal(
    createHash('sha256').update(spdyDictionary).digest('hex'),
    '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02',
  );
});

test('a handcrafted SYN_STREAM decodes (as kubectl sends it for the error stream)', async () => {
  // Header block of one pair, compressed the way a Go client does: zlib with the dictionary.
  const block = encodeHeaderBlock({ streamtype: 'error' });
  const compressed = deflateSync(block, { dictionary: spdyDictionary, finishFlush: constants.Z_SYNC_FLUSH });
  const payload = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0x00, 0x00]), compressed]);
  const wire = Buffer.concat([Buffer.from([0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, payload.length]), payload]);

  const frames = new FrameReader().push(wire);
  assert.equal(frames.length, 1);
  const frame = frames[0];
  assert.ok(frame.control);
  assert.equal(frame.type, FrameType.SynStream);
  const syn = decodeSynStream(frame.payload);
  assert.equal(syn.streamId, 1);
  const headers = await new HeaderDecompressor().decompress(syn.headerBlock);
  assert.equal(headers.get('streamtype'), 'error');
});

test('frames split at any byte boundary come out whole and in order', () => {
  const wire = Buffer.concat([
    encodeControlFrame(FrameType.Ping, 0, Buffer.from([0, 0, 0, 1])),
    encodeDataFrame(3, FLAG_FIN, Buffer.from('hello')),
    encodeDataFrame(5, 0, Buffer.alloc(0)),
  ]);
  const reader = new FrameReader();
  const frames = [];
  for (const byte of wire) frames.push(...reader.push(Buffer.from([byte])));
  assert.equal(frames.length, 3);
  assert.deepEqual(
    frames.map((f) => (f.control ? `control:${f.type}` : `data:${f.streamId}:${f.flags}:${f.payload}`)),
    ['control:6', 'data:3:1:hello', 'data:5:0:'],
  );
});

test('header blocks round-trip, lowercasing names', () => {
  const block = encodeHeaderBlock({ StreamType: 'data', port: '8080', requestid: '0' });
  assert.deepEqual(
    [...decodeHeaderBlock(block)],
    [
      ['streamtype', 'data'],
      ['port', '8080'],
      ['requestid', '0'],
    ],
  );
  assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /truncated/);
});

test('one compression context spans all header blocks of a connection', async () => {
  const compressor = new HeaderCompressor();
  const decompressor = new HeaderDecompressor();
  const first = await compressor.compress({ streamtype: 'stdout' });
  const second = await compressor.compress({ streamtype: 'stdout' });
  // The second block refers back to the first one, so it is shorter, and only decodes in order.
  assert.ok(second.length < first.length);
  assert.equal((await decompressor.decompress(first)).get('streamtype'), 'stdout');
  assert.equal((await decompressor.decompress(second)).get('streamtype'), 'stdout');
  await assert.rejects(new HeaderDecompressor().decompress(second));
  compressor.close();
  decompressor.close();
});

test('control frames carry the version and flags in the header', () => {
  const frame = encodeControlFrame(FrameType.GoAway, 0, Buffer.alloc(8));
  assert.deepEqual([...frame.subarray(0, 8)], [0x80, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08]);
  const data = encodeDataFrame(0x7fffffff, FLAG_FIN, Buffer.from('x'));
  assert.deepEqual([...data.subarray(0, 8)], [0x7f, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x01]);
});
