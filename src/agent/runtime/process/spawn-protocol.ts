// The wire format between spawner.ts and its spawn server (native/hale-spawner.c; the full
// description is at the top of that file). Little-endian integers:
//   record = u32 body length, body;  body = field*, each field = u32 length, bytes.
// Numbers inside fields are decimal ASCII. Requests:
//   "c" id file timeoutMs maxOutput outputGraceMs argc argv[argc] env("NAME=value")...
//   "s" id file cwd stderrPath argc argv[argc] env...
//   "n" id timeoutMs netnsPath veth bridge address/prefix gateway | "N" id timeoutMs netnsPath veth
// Answers: "r" id exitCode timedOut stdout stderr | "p" id pid hasLine line | "x" id | "e" id message.

/** Builds one request record that starts a program; argv[0] is the program's name, as for exec. */
export function encodeRequest(head: string[], argv: string[], env: Record<string, string>): Buffer {
  const strings = [...head, String(argv.length), ...argv];
  for (const name in env) {
    const value = env[name];
    if (value !== undefined) strings.push(`${name}=${value}`);
  }
  return encodeFields(strings, `spawn ${head[2]}: arguments and environment`);
}

/** Builds one request record of these fields; `what` names them in the error about a NUL. */
export function encodeFields(strings: string[], what = 'spawn server request fields'): Buffer {
  for (const s of strings) {
    // The server reads C strings; for exec a NUL cannot pass either (Node's spawn refuses it too).
    if (s.includes('\0')) throw new TypeError(`${what} must be strings without null bytes`);
  }
  let size = 4;
  const lengths = strings.map((s) => Buffer.byteLength(s));
  for (const length of lengths) size += 4 + length;
  const record = Buffer.allocUnsafe(size);
  record.writeUInt32LE(size - 4, 0);
  let at = 4;
  strings.forEach((s, i) => {
    record.writeUInt32LE(lengths[i], at);
    at += 4;
    at += record.write(s, at, 'utf8');
  });
  return record;
}

/** Splits the answer stream into records, each a list of fields. */
export class RecordReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds a chunk of the stream and returns the records it completed. */
  push(chunk: Buffer): Buffer[][] {
    const data = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const records: Buffer[][] = [];
    let at = 0;
    while (data.length - at >= 4) {
      const size = data.readUInt32LE(at);
      if (data.length - at - 4 < size) break;
      records.push(splitFields(data.subarray(at + 4, at + 4 + size)));
      at += 4 + size;
    }
    // Copy the rest: `data` may be a large chunk we should not keep alive.
    this.buffered = Buffer.from(data.subarray(at));
    return records;
  }
}

function splitFields(body: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  let at = 0;
  while (at + 4 <= body.length) {
    const length = body.readUInt32LE(at);
    fields.push(body.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return fields;
}
