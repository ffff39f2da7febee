import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CriLineSplitter, parseCriLogLine, rfc3339ToNanos } from './cri-log.ts';

test('parses full, partial and empty records', () => {
  const full = parseCriLogLine(Buffer.from('2026-11-26T13:24:25.123456789Z stdout F hello world'));
  assert.equal(full?.stream, 'stdout');
  assert.equal(full?.partial, false);
  assert.equal(full?.content.toString(), 'hello world');
  assert.equal(full?.timeNanos, BigInt(Date.parse('2026-11-26T13:24:25Z')) * 1_000_000n + 123456789n);

  const partial = parseCriLogLine(Buffer.from('2026-11-26T13:24:25Z stderr P  two spaces'));
  assert.equal(partial?.partial, true);
  assert.equal(partial?.content.toString(), ' two spaces');

  assert.equal(parseCriLogLine(Buffer.from('2026-11-26T13:24:25Z stdout F'))?.content.length, 0);
  assert.equal(parseCriLogLine(Buffer.from('2026-11-26T13:24:25Z other F x')), undefined);
  assert.equal(parseCriLogLine(Buffer.from('not-a-time stdout F x')), undefined);
  assert.equal(parseCriLogLine(Buffer.from('garbage')), undefined);
});

test('RFC 3339 times keep nanoseconds and honour offsets', () => {
  assert.equal(rfc3339ToNanos('1970-01-01T00:00:01.5Z'), 1_500_000_000n);
  assert.equal(rfc3339ToNanos('1970-01-01T01:00:00+01:00'), 0n);
  assert.equal(rfc3339ToNanos('yesterday'), undefined);
});

test('the splitter keeps an unterminated line for the next chunk', () => {
  const splitter = new CriLineSplitter();
  assert.deepEqual(
    splitter.push(Buffer.from('2026-01-01T00:00:00Z stdout F a\n2026-01-01T00:00:00Z std')).map((r) => r.content.toString()),
    ['a'],
  );
  assert.deepEqual(
    splitter.push(Buffer.from('out F b\n')).map((r) => r.content.toString()),
    ['b'],
  );
});
