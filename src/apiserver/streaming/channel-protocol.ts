// The "channel" protocols of Kubernetes remote commands (exec/attach): over a WebSocket
// every binary message starts with one byte naming the channel. `v5.channel.k8s.io` adds a
// close signal ([255, channel]) so a client can half-close stdin. Hale also speaks v5
// between the API server and the agent. The final outcome of a command is a metav1.Status
// (on channel 3 here, on the `error` stream under SPDY).

export const Channel = {
  Stdin: 0,
  Stdout: 1,
  Stderr: 2,
  Error: 3,
  Resize: 4,
  /** v5 only: [255, channel] closes that channel (stdin EOF). */
  Close: 255,
} as const;

export const V5_PROTOCOL = 'v5.channel.k8s.io';
export const V4_PROTOCOL = 'v4.channel.k8s.io';
/** Remote command protocols over WebSocket, best first. */
export const websocketExecProtocols = [V5_PROTOCOL, V4_PROTOCOL];
/** Remote command protocols over SPDY, best first (v5 only matters over WebSocket). */
export const spdyExecProtocols = [V4_PROTOCOL, 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The subprotocol kubectl ≥1.31 uses to tunnel SPDY port-forwarding in a WebSocket. */
export const SPDY_OVER_WEBSOCKET_PORT_FORWARD = 'SPDY/3.1+portforward.k8s.io';

export function channelFrame(channel: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

export function closeSignal(channel: number): Buffer {
  return Buffer.from([Channel.Close, channel]);
}

export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason: string; message: string }[] };
  code?: number;
}

/** The Status a finished command reports: Success, or NonZeroExitCode with the code as a cause. */
export function exitStatus(exitCode: number): ExecStatus {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** A Status for a stream that failed for another reason (the runtime could not run the command, …). */
export function failureStatus(message: string): ExecStatus {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

/** Terminal sizes arrive as JSON objects, possibly several per chunk or split across chunks. */
export class ResizeDecoder {
  private pending = '';

  push(chunk: Buffer | string): { width: number; height: number }[] {
    this.pending += chunk.toString();
    const sizes: { width: number; height: number }[] = [];
    // Objects are flat ({"Width":..,"Height":..}), so a closing brace ends one.
    for (let end = this.pending.indexOf('}'); end >= 0; end = this.pending.indexOf('}')) {
      const text = this.pending.slice(0, end + 1);
      this.pending = this.pending.slice(end + 1);
      try {
        const size = JSON.parse(text.slice(text.indexOf('{')));
        const width = Number(size.Width ?? size.width);
        const height = Number(size.Height ?? size.height);
        if (width > 0 && height > 0) sizes.push({ width, height });
      } catch {
        // not JSON: ignore it, as the kubelet does
      }
    }
    return sizes;
  }
}
