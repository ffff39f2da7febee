// tcpSocket probe: healthy when a TCP connection opens within the timeout; the connection is
// closed at once. Failures read like Go's dialer ("dial tcp 127.0.0.5:80: connect: connection
// refused", "…: i/o timeout"), as the kubelet reports them.
import { connect } from 'node:net';
import { goDialError, joinHostPort } from './go-format.ts';

export type TcpResult = { ok: true } | { ok: false; message: string };

export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<TcpResult> {
  const address = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (result: TcpResult) => {
      clearTimeout(timer);
      socket.removeAllListeners('connect');
      socket.on('error', () => {}); // late errors of a socket we gave up on
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, message: `dial tcp ${address}: i/o timeout` }), timeoutMs);
    socket.once('connect', () => finish({ ok: true }));
    socket.once('error', (err) => finish({ ok: false, message: goDialError(err, address, host) }));
  });
}
