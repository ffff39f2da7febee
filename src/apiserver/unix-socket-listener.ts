// A second door to the API server for the clients that run in its own process (controller
// manager, scheduler, cluster DNS, the embedded agent): plain HTTP on a Unix domain socket in
// the data dir. It serves the same request handler as the HTTPS port, so every request is
// still authenticated by its bearer token; the socket only saves TLS records and TCP on a
// path that never leaves the process's machine. The file is 0600, owned by the server's user.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';

/** Linux's sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export interface UnixSocketListener {
  close(): Promise<void>;
}

/**
 * Listens on `path` with `server` (already carrying the API handler). A socket file left by a
 * server that is gone is replaced; one that still answers is not taken over (throws).
 */
export async function listenOnUnixSocket(server: Server, path: string): Promise<UnixSocketListener> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes`);
  }
  await removeStaleSocket(path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The socket is created 0600 (bind happens inside listen(), synchronously): no moment
    // with the umask's wider mode. The chmod below makes sure of it.
    const previousUmask = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(previousUmask);
    }
  });
  chmodSync(path, 0o600);
  return {
    // net.Server removes its socket file when it closes.
    close: () => closeHttpServer(server),
  };
}

/** Stops listening and ends every connection, idle or not; resolves once the server closed. */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket`);
  if (await answers(path)) throw new Error(`another process is serving on ${path}`);
  unlinkSync(path);
}

/** Whether a process accepts connections on the socket (a stopped one counts as gone after 1 s). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.setTimeout(1000, () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
