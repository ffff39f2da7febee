import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { builtinResources } from '../api/resources.ts';
import { resources } from '../client/resources.ts';
import { RestClient } from '../client/rest-client.ts';
import { ensureSystemNamespaces } from '../server/bootstrap.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { TokenAuthenticator } from './auth.ts';
import { ApiServer } from './server.ts';
import { listenOnUnixSocket } from './unix-socket-listener.ts';

// Nothing listens on this URL: a request that succeeds went through the socket.
const advertisedUrl = 'https://127.0.0.1:1';
const token = 'socket-test-token';
let dir = '';
let socketPath = '';
let api: ApiServer;
let store: MemoryStore;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hale-sock-'));
  socketPath = join(dir, 'apiserver.sock');
  const authenticator = new TokenAuthenticator();
  authenticator.add(token, { name: 'system:admin', groups: ['system:masters'] });
  store = new MemoryStore();
  api = new ApiServer({ store, resources: builtinResources, authenticator, logger: pino({ level: 'silent' }) });
  await api.listenUnixSocket(socketPath);
  await ensureSystemNamespaces(api.registry);
});

after(async () => {
  await api.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the socket is private to the server user', () => {
  assert.ok(lstatSync(socketPath).isSocket());
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);
});

test('a client with socketPath reaches the API through the socket while keeping the advertised URL', async () => {
  const client = new RestClient({ server: advertisedUrl, token }, { socketPath });
  try {
    await client.create(resources.configMaps, 'default', { metadata: { name: 'via-socket' }, data: { a: '1' } });
    const cm = await client.get(resources.configMaps, 'default', 'via-socket');
    assert.equal((cm as { data?: Record<string, string> }).data?.a, '1');
    assert.equal(client.config.server, advertisedUrl);
  } finally {
    client.close();
  }
});

test('a watch over the socket streams events', async () => {
  const client = new RestClient({ server: advertisedUrl, token }, { socketPath });
  try {
    const { resourceVersion } = await client.listAll(resources.configMaps, 'default');
    const watch = await client.watch(resources.configMaps, 'default', { resourceVersion });
    await client.create(resources.configMaps, 'default', { metadata: { name: 'watched' } });
    for await (const event of watch) {
      if (event.object.metadata?.name !== 'watched') continue;
      assert.equal(event.type, 'ADDED');
      break;
    }
    watch.close();
  } finally {
    client.close();
  }
});

test('the socket does not trust its callers: no token or a wrong one gets 401', async () => {
  const anonymous = new RestClient({ server: advertisedUrl }, { socketPath });
  const wrong = new RestClient({ server: advertisedUrl, token: 'not-the-token' }, { socketPath });
  try {
    await assert.rejects(anonymous.list(resources.configMaps, 'default'), (err: { code?: number }) => err.code === 401);
    await assert.rejects(wrong.list(resources.configMaps, 'default'), (err: { code?: number }) => err.code === 401);
  } finally {
    anonymous.close();
    wrong.close();
  }
});

test('a socket left by a killed server is replaced; the file is removed at close', async () => {
  const path = join(dir, 'stale.sock');
  // A child listens and is SIGKILLed, so nothing removes its socket file.
  const child = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  assert.throws(() => execFileSync(process.execPath, ['-e', child], { stdio: 'ignore' }));
  assert.ok(lstatSync(path).isSocket());
  const listener = await listenOnUnixSocket(createHttpServer(), path);
  await listener.close();
  assert.equal(existsSync(path), false);
});

test('a socket another process still serves, or a plain file, is not taken over', async () => {
  const live = join(dir, 'live.sock');
  const other = createNetServer();
  await new Promise<void>((resolve) => other.listen(live, resolve));
  try {
    await assert.rejects(listenOnUnixSocket(createHttpServer(), live), /another process is serving/);
  } finally {
    await new Promise((resolve) => other.close(resolve));
  }
  const file = join(dir, 'file.sock');
  writeFileSync(file, '');
  await assert.rejects(listenOnUnixSocket(createHttpServer(), file), /not a socket/);
});
