import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { checkHostPath } from './host-path.ts';

let root: string;
let dir: string;
let file: string;
let socketPath: string;
let server: net.Server;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'hale-hostpath-'));
  dir = path.join(root, 'dir');
  file = path.join(root, 'file');
  socketPath = path.join(root, 'sock');
  await mkdir(dir);
  await writeFile(file, 'x');
  server = net.createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

test('an empty type checks nothing, even for a missing path', async () => {
  await checkHostPath(path.join(root, 'missing'), '');
  await checkHostPath(path.join(root, 'missing'), undefined);
});

test('Directory and File require the right kind of existing path', async () => {
  await checkHostPath(dir, 'Directory');
  await checkHostPath(file, 'File');
  await assert.rejects(checkHostPath(file, 'Directory'), { message: `hostPath type check failed: ${file} is not a directory` });
  await assert.rejects(checkHostPath(dir, 'File'), { message: `hostPath type check failed: ${dir} is not a file` });
  const missing = path.join(root, 'nothing');
  await assert.rejects(checkHostPath(missing, 'Directory'), { message: `hostPath type check failed: ${missing} is not a directory` });
  await assert.rejects(checkHostPath(missing, 'File'), { message: `hostPath type check failed: ${missing} is not a file` });
});

test('DirectoryOrCreate creates the whole path with mode 0755', async () => {
  const target = path.join(root, 'made/deep/dir');
  await checkHostPath(target, 'DirectoryOrCreate');
  const st = await stat(target);
  assert.ok(st.isDirectory());
  assert.equal(st.mode & 0o777, 0o755 & ~process.umask());
  await checkHostPath(target, 'DirectoryOrCreate'); // idempotent
  await assert.rejects(checkHostPath(file, 'DirectoryOrCreate'), /is not a directory/);
});

test('FileOrCreate creates an empty file but not its parent directory', async () => {
  const target = path.join(root, 'new.txt');
  await checkHostPath(target, 'FileOrCreate');
  assert.equal((await stat(target)).size, 0);
  await checkHostPath(file, 'FileOrCreate');
  await assert.rejects(checkHostPath(dir, 'FileOrCreate'), /is not a file/);
  await assert.rejects(checkHostPath(path.join(root, 'no-parent/new.txt'), 'FileOrCreate'), { code: 'ENOENT' });
});

test('Socket, CharDevice and BlockDevice check the file type', async () => {
  await checkHostPath(socketPath, 'Socket');
  await assert.rejects(checkHostPath(file, 'Socket'), { message: `hostPath type check failed: ${file} is not a socket file` });
  await checkHostPath('/dev/null', 'CharDevice');
  await assert.rejects(checkHostPath(file, 'CharDevice'), { message: `hostPath type check failed: ${file} is not a character device` });
  await assert.rejects(checkHostPath('/dev/null', 'BlockDevice'), {
    message: 'hostPath type check failed: /dev/null is not a block device',
  });
});

test('an unknown type is refused', async () => {
  await assert.rejects(checkHostPath(dir, 'Folder'), { message: 'Folder is an invalid volume type' });
});
