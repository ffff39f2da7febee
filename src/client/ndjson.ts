// Splits a watch response body into JSON values, one per line. Chunks arrive at arbitrary
// boundaries: an event may span several chunks (even inside a multi-byte character) and a
// chunk may hold several events.
import { StringDecoder } from 'node:string_decoder';

export class NdjsonDecoder {
  private readonly text = new StringDecoder('utf8');
  private pending = '';

  /** Feeds one chunk; returns the values completed by it. Throws on a malformed line. */
  push(chunk: Buffer | string): unknown[] {
    const text = typeof chunk === 'string' ? chunk : this.text.write(chunk);
    this.pending += text;
    // A large event arrives in many chunks: only split once a line is complete.
    if (!text.includes('\n')) return [];
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    return parseLines(lines);
  }

  /** Call at end of stream: a last value need not end with a newline. */
  end(): unknown[] {
    const rest = this.pending + this.text.end();
    this.pending = '';
    return parseLines([rest]);
  }
}

function parseLines(lines: string[]): unknown[] {
  const values: unknown[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    try {
      values.push(JSON.parse(trimmed));
    } catch {
      throw new Error(`malformed watch event: ${trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed}`);
    }
  }
  return values;
}
