// The `hale` command line as users see it: flag errors that stop a command before it starts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const haleBin = join(dirname(fileURLToPath(import.meta.url)), '../../bin/hale.js');
const dataDir = mkdtempSync(join(tmpdir(), 'hale-cli-test-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function hale(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [haleBin, ...args, '--data-dir', dataDir], { timeout: 60_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stderr });
    });
  });
}

test('hale agent --server notaurl names the flag, as kubectl would, and exits 1', async () => {
  const { code, stderr } = await hale(['agent', '--server', 'notaurl', '--token', 't']);
  assert.equal(code, 1);
  assert.equal(
    stderr.split('\n')[0],
    'error: invalid argument "notaurl" for "--server" flag: must be the API server URL, such as https://10.0.0.1:6443',
  );
});

test('a --fencing-timeout not longer than the renew interval stops hale agent and hale server before they start', async () => {
  const agent = await hale(['agent', '--server', 'https://127.0.0.1:1', '--token', 't', '--fencing-timeout', '1s']);
  assert.equal(agent.code, 1);
  assert.match(
    agent.stderr,
    /^error: invalid argument "1s" for "--fencing-timeout" flag: must be longer than --node-lease-renew-interval \(1s\)/,
  );
  const server = await hale(['server', '--port', '0', '--fencing-timeout', '2s', '--node-lease-renew-interval', '2s']);
  assert.equal(server.code, 1);
  assert.match(server.stderr, /^error: invalid argument "2s" for "--fencing-timeout" flag/);
});
