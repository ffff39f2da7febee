// hostPath volumes: the node's own path, checked (or created) according to `type`, with the
// kubelet's error texts. Nothing is ever deleted from a hostPath.
import { constants } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';

export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

async function statOf(p: string) {
  return stat(p).catch(() => undefined);
}

/** Checks `hostPath` against `type`, creating it for the *OrCreate types; throws the kubelet's message. */
export async function checkHostPath(hostPath: string, type: string | undefined): Promise<void> {
  const kind = type ?? '';
  const fail = (what: string) => new Error(`hostPath type check failed: ${hostPath} is not ${what}`);
  switch (kind) {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!(await statOf(hostPath))) {
        await mkdir(hostPath, { recursive: true, mode: 0o755 });
        return;
      }
      if (!(await statOf(hostPath))?.isDirectory()) throw fail('a directory');
      return;
    case 'Directory':
      if (!(await statOf(hostPath))?.isDirectory()) throw fail('a directory');
      return;
    case 'FileOrCreate':
      if (!(await statOf(hostPath))) {
        // Like the kubelet, the parent directory is not created.
        const handle = await open(hostPath, constants.O_CREAT | constants.O_RDONLY, 0o644);
        await handle.close();
        return;
      }
      if (!(await statOf(hostPath))?.isFile()) throw fail('a file');
      return;
    case 'File':
      if (!(await statOf(hostPath))?.isFile()) throw fail('a file');
      return;
    case 'Socket':
      if (!(await statOf(hostPath))?.isSocket()) throw fail('a socket file');
      return;
    case 'CharDevice':
      if (!(await statOf(hostPath))?.isCharacterDevice()) throw fail('a character device');
      return;
    case 'BlockDevice':
      if (!(await statOf(hostPath))?.isBlockDevice()) throw fail('a block device');
      return;
    default:
      throw new Error(`${kind} is an invalid volume type`);
  }
}
