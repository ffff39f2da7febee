import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NdjsonDecoder } from './ndjson.ts';

const events = [
  { type: 'ADDED', object: { metadata: { name: 'a' } } },
  { type: 'MODIFIED', object: { metadata: { name: 'ünïcødé-名前' } } },
  { type: 'DELETED', object: { metadata: { name: 'c' }, data: { big: 'x'.repeat(5000) } } },
];
const wire = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n');

test('decodes whatever the chunk boundaries, including inside multi-byte characters', () => {
  for (const size of [1, 2, 3, 7, 64, 1000, wire.length]) {
    const decoder = new NdjsonDecoder();
    const out: unknown[] = [];
    for (let i = 0; i < wire.length; i += size) out.push(...decoder.push(wire.subarray(i, i + size)));
    out.push(...decoder.end());
    assert.deepEqual(out, events, `chunk size ${size}`);
  }
});

test('several events in one chunk, blank lines, and a last line without newline', () => {
  const decoder = new NdjsonDecoder();
  const text = `${JSON.stringify(events[0])}\n\n${JSON.stringify(events[1])}\r\n${JSON.stringify(events[2])}`;
  assert.deepEqual(decoder.push(Buffer.from(text)), [events[0], events[1]]);
  assert.deepEqual(decoder.end(), [events[2]]);
  assert.deepEqual(decoder.end(), []);
});

test('a malformed line is an error', () => {
  const decoder = new NdjsonDecoder();
  assert.throws(() => decoder.push('{"type":"ADDED"\n'), /malformed watch event/);
});
