// API semantics through Hale's own client against a real `hale server` process:
// durability across kill -9, request limits, optimistic concurrency, pagination, watch.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../../src/client/api-error.ts';
import { loadKubeconfig } from '../../src/client/kubeconfig.ts';
import { resources } from '../../src/client/resources.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { eventually, type HaleServer, kubectlPath, startHale, stopHale } from './harness.ts';

async function status(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('request should have failed');
}

describe('API semantics', () => {
  let hale: HaleServer;
  let client: RestClient;

  before(async () => {
    hale = await startHale();
    client = new RestClient(loadKubeconfig(hale.kubeconfig), { maxRetries: 0 });
  });
  after(async () => {
    client?.close();
    await stopHale(hale);
  });

  test('requests without a valid token get 401 as a Status', async () => {
    const anon = new RestClient({ server: hale.url, caPem: hale.caPem, token: 'wrong' }, { maxRetries: 0 });
    const err = await status(anon.list(resources.configMaps, 'default'));
    assert.equal(err.code, 401);
    assert.equal(err.reason, 'Unauthorized');
    anon.close();
  });

  test('every acknowledged write survives kill -9 of the server', async () => {
    const names: string[] = [];
    for (let i = 0; i < 40; i++) {
      const cm = await client.create(resources.configMaps, 'default', { metadata: { name: `durable-${i}` }, data: { i: String(i) } });
      names.push(cm.metadata!.name);
    }
    await hale.kill9();
    await hale.restart();
    client.close();
    client = new RestClient(loadKubeconfig(hale.kubeconfig), { maxRetries: 0 });
    const listed = await client.list(resources.configMaps, 'default');
    const present = new Set(listed.items.map((c) => c.metadata?.name));
    for (const n of names) assert.ok(present.has(n), `${n} was lost`);
  });

  test('oversized, deeply nested and malformed bodies get 4xx and change nothing', async () => {
    const huge = await status(
      client.create(resources.configMaps, 'default', { metadata: { name: 'huge' }, data: { a: 'x'.repeat(4 * 1024 * 1024) } }),
    );
    assert.equal(huge.code, 413);
    const deepBody = `{"metadata":{"name":"deep"},"extra":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const deep = await status(
      client.request('POST', '/api/v1/namespaces/default/configmaps', { body: deepBody, contentType: 'application/json' }),
    );
    assert.equal(deep.code, 400);
    const malformed = await status(
      client.request('POST', '/api/v1/namespaces/default/configmaps', {
        body: '{"metadata": {"name": "bad"',
        contentType: 'application/json',
      }),
    );
    assert.equal(malformed.code, 400);
    assert.equal(
      malformed.message,
      'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"metadata": {"name": "bad")',
    );
    const wrongType = await status(client.create(resources.configMaps, 'default', { metadata: { name: 'typed' }, data: { a: 5 } }));
    assert.equal(wrongType.code, 400);
    for (const name of ['huge', 'deep', 'bad', 'typed']) {
      assert.equal((await status(client.get(resources.configMaps, 'default', name))).code, 404);
    }
    assert.equal((await client.request('GET', '/readyz', { responseType: 'text' })) as string, 'ok');
  });

  test('a stale resourceVersion is refused with 409 Conflict', async () => {
    const cm = await client.create(resources.configMaps, 'default', { metadata: { name: 'occ' }, data: { v: '1' } });
    await client.update(resources.configMaps, { ...cm, data: { v: '2' } });
    const err = await status(client.update(resources.configMaps, { ...cm, data: { v: '3' } }));
    assert.equal(err.code, 409);
    assert.match(err.message, /the object has been modified/);
  });

  test('kubectl replace naming another uid fails its precondition, a stale resourceVersion conflicts, a patched uid is invalid', async () => {
    const cm = await client.create(resources.configMaps, 'default', { metadata: { name: 'uid-check' }, data: { v: '1' } });
    const manifest = (meta: Record<string, unknown>) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'uid-check', ...meta }, data: { v: '2' } });
    const wrongUid = await hale.kubectl('1.33', ['replace', '-f', '-'], { stdin: manifest({ uid: 'not-the-uid' }) });
    assert.equal(wrongUid.code, 1);
    assert.equal(
      wrongUid.stderr.trim(),
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "uid-check": ' +
        'StorageError: invalid object, Code: 4, Key: /registry/core/configmaps/default/uid-check, ResourceVersion: 0, ' +
        `AdditionalErrorMsg: Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${cm.metadata?.uid}`,
    );
    const stale = await hale.kubectl('1.33', ['replace', '-f', '-'], { stdin: manifest({ uid: cm.metadata?.uid, resourceVersion: '1' }) });
    assert.equal(stale.code, 1);
    assert.equal(
      stale.stderr.trim(),
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "uid-check": ' +
        'the object has been modified; please apply your changes to the latest version and try again',
    );
    const patched = await hale.kubectl('1.33', [
      'patch',
      'configmap',
      'uid-check',
      '--type=merge',
      '-p',
      '{"metadata":{"uid":"not-the-uid"}}',
    ]);
    assert.equal(patched.code, 1);
    assert.equal(
      patched.stderr.trim(),
      'The ConfigMap "uid-check" is invalid: metadata.uid: Invalid value: "not-the-uid": field is immutable',
    );
    const replaced = await hale.kubectl('1.33', ['replace', '-f', '-'], { stdin: manifest({ uid: cm.metadata?.uid }) });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal((await client.get(resources.configMaps, 'default', 'uid-check')).data?.v, '2');
  });

  test('kubectl get --raw at a resourceVersion the server has not reached: Exact fails at once, NotOlderThan waits for it', async () => {
    const current = Number((await client.list(resources.configMaps, 'default')).metadata.resourceVersion);
    const ahead = current + 1_000_000;
    // Exact is answered at once and without Retry-After, so kubectl does not retry. (A
    // not-older-than read that never catches up is 504 too, after 3 s, with Retry-After: 1,
    // which kubectl retries ten times: that case is covered by the unit tests.)
    const exact = await hale.kubectl('1.33', [
      'get',
      '--raw',
      `/api/v1/namespaces/default/configmaps?resourceVersion=${ahead}&resourceVersionMatch=Exact`,
    ]);
    assert.equal(exact.code, 1);
    assert.match(
      exact.stderr.trim(),
      new RegExp(`^Error from server \\(Timeout\\): Timeout: Too large resource version: ${ahead}, current: \\d+$`),
    );

    // A list just ahead of the store is held until a write makes the revision.
    const next = Number((await client.list(resources.configMaps, 'default')).metadata.resourceVersion) + 1;
    const child = spawn(
      kubectlPath('1.33'),
      [
        '--kubeconfig',
        hale.kubeconfig,
        '--cache-dir',
        `${hale.dataDir}/raw-cache`,
        '-v=7',
        'get',
        '--raw',
        `/api/v1/namespaces/default/configmaps?resourceVersion=${next}`,
      ],
      { env: { ...process.env, HOME: hale.dataDir } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await eventually(async () => err.includes('"Request"'));
      await client.create(resources.configMaps, 'default', { metadata: { name: 'awaited-revision' } });
      assert.equal(await exited, 0, err);
      // Not necessarily this write's revision: leader-election leases may have got there first.
      assert.ok(Number(JSON.parse(out).metadata.resourceVersion) >= next, out);
    } finally {
      child.kill();
    }
  });

  test('a --field-manager longer than 128 bytes is 422 Invalid on the write options', async () => {
    const manager = 'm'.repeat(129);
    const created = await hale.kubectl('1.33', ['create', 'configmap', 'long-manager', `--field-manager=${manager}`]);
    assert.equal(created.code, 1);
    assert.equal(
      created.stderr.trim(),
      'error: failed to create configmap: CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
    );
    const applied = await hale.kubectl('1.33', ['apply', '--server-side', `--field-manager=${manager}`, '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'long-manager' } }),
    });
    assert.equal(applied.code, 1);
    assert.equal(applied.stderr.trim(), 'The PatchOptions "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
    assert.equal((await status(client.get(resources.configMaps, 'default', 'long-manager'))).code, 404);
    // 128 bytes is the limit, not over it.
    const fits = await hale.kubectl('1.33', ['apply', '--server-side', `--field-manager=${'m'.repeat(128)}`, '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'long-manager' } }),
    });
    assert.equal(fits.code, 0, fits.stderr);
  });

  test('generation changes on spec changes only; status writes leave spec alone', async () => {
    const d = await client.create(resources.deployments, 'default', {
      metadata: { name: 'gen' },
      spec: {
        selector: { matchLabels: { app: 'gen' } },
        template: { metadata: { labels: { app: 'gen' } }, spec: { containers: [{ name: 'c', image: 'x', command: ['true'] }] } },
      },
    });
    assert.equal(d.metadata?.generation, 1);
    const labelled = await client.patch(resources.deployments, 'default', 'gen', { metadata: { labels: { a: 'b' } } }, 'merge');
    assert.equal(labelled.metadata?.generation, 1);
    const scaled = await client.patch(resources.deployments, 'default', 'gen', { spec: { replicas: 4 } }, 'merge');
    assert.equal(scaled.metadata?.generation, 2);
    const withStatus = await client.updateStatus(resources.deployments, {
      ...scaled,
      spec: { ...scaled.spec, replicas: 9 },
      status: { replicas: 4 },
    });
    assert.equal(withStatus.spec.replicas, 4);
    assert.equal(withStatus.status.replicas, 4);
    assert.equal(withStatus.metadata?.generation, 2);
  });

  test('limit and continue page through a consistent list', async () => {
    for (let i = 0; i < 25; i++)
      await client.create(resources.secrets, 'default', { metadata: { name: `page-${String(i).padStart(2, '0')}` } });
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.list(resources.secrets, 'default', { limit: 10, continue: token });
      seen.push(...page.items.map((s) => s.metadata!.name));
      token = page.metadata.continue;
    } while (token);
    assert.equal(seen.filter((n) => n.startsWith('page-')).length, 25);
    assert.equal(new Set(seen).size, seen.length);
  });

  test('watch replays from a resourceVersion and streams changes', async () => {
    const start = await client.list(resources.configMaps, 'default');
    const stream = await client.watch(resources.configMaps, 'default', { resourceVersion: start.metadata.resourceVersion });
    await client.create(resources.configMaps, 'default', { metadata: { name: 'watched' } });
    await client.delete(resources.configMaps, 'default', 'watched');
    const types: string[] = [];
    for await (const ev of stream) {
      if (ev.object.metadata?.name === 'watched') types.push(ev.type);
      if (types.length === 2) break;
    }
    stream.close();
    assert.deepEqual(types, ['ADDED', 'DELETED']);
  });

  test('creating into a missing or terminating namespace is refused; deleting a namespace empties it', async () => {
    const missing = await status(client.create(resources.configMaps, 'nope', { metadata: { name: 'x' } }));
    assert.equal(missing.code, 404);
    await client.create(resources.namespaces, undefined, { metadata: { name: 'doomed' } });
    await client.create(resources.configMaps, 'doomed', { metadata: { name: 'inside' } });
    await client.delete(resources.namespaces, undefined, 'doomed');
    await eventually(async () => (await status(client.get(resources.namespaces, undefined, 'doomed'))).code === 404);
    assert.equal((await status(client.get(resources.configMaps, 'doomed', 'inside'))).code, 404);
  });

  test('kubectl get -w prints changes as they happen', async () => {
    const child = spawn(
      kubectlPath('1.33'),
      ['--kubeconfig', hale.kubeconfig, 'get', 'cm', '-w', '--cache-dir', `${hale.dataDir}/watch-cache`],
      {
        env: { ...process.env, HOME: hale.dataDir },
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      await eventually(async () => out.includes('NAME'));
      await client.create(resources.configMaps, 'default', { metadata: { name: 'seen-by-watch' } });
      await eventually(async () => /seen-by-watch\s+0\s+\d+s/.test(out));
    } finally {
      child.kill();
    }
  });
});
