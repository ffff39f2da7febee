// The CRI container log format the runtime writes and `kubectl logs` reads through us:
//   <RFC3339Nano time> <stdout|stderr> <F|P> <content>\n
// one record per line; "P" marks a partial record whose line continues in the next record
// (long lines are split), "F" a record that ends a line.

export interface CriLogRecord {
  /** The timestamp as written. */
  time: string;
  /** Nanoseconds since the epoch, for --since comparisons (Date has only milliseconds). */
  timeNanos: bigint;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: Buffer;
}

/** Nanoseconds since the epoch of an RFC 3339 time with up to 9 fractional digits. */
export function rfc3339ToNanos(text: string): bigint | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0'));
  return BigInt(seconds) * 1_000_000n + fraction;
}

/** Parses one line (without its newline); undefined when it is not a CRI record. */
export function parseCriLogLine(line: Buffer): CriLogRecord | undefined {
  const firstSpace = line.indexOf(0x20);
  if (firstSpace <= 0) return undefined;
  const secondSpace = line.indexOf(0x20, firstSpace + 1);
  if (secondSpace < 0) return undefined;
  const stream = line.toString('latin1', firstSpace + 1, secondSpace);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const thirdSpace = line.indexOf(0x20, secondSpace + 1);
  // An empty line may be written as "… stdout F" without the trailing space.
  const tag = line.toString('latin1', secondSpace + 1, thirdSpace < 0 ? line.length : thirdSpace);
  if (tag !== 'F' && tag !== 'P') return undefined;
  const time = line.toString('latin1', 0, firstSpace);
  const timeNanos = rfc3339ToNanos(time);
  if (timeNanos === undefined) return undefined;
  return {
    time,
    timeNanos,
    stream,
    partial: tag === 'P',
    content: thirdSpace < 0 ? Buffer.alloc(0) : line.subarray(thirdSpace + 1),
  };
}

/** Cuts a byte stream into records; bytes after the last newline wait for the next chunk. */
export class CriLineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): CriLogRecord[] {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const records: CriLogRecord[] = [];
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
      const record = parseCriLogLine(data.subarray(start, nl));
      if (record) records.push({ ...record, content: Buffer.from(record.content) });
      start = nl + 1;
    }
    this.pending = Buffer.from(data.subarray(start));
    return records;
  }

  /** Drops an unterminated tail (e.g. when the file was replaced underneath us). */
  reset(): void {
    this.pending = Buffer.alloc(0);
  }
}
