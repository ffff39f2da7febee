// The real kubectl (1.27 … 1.33) against an in-process API server with the pod proxy wired
// in, and an agent server over a fake runtime whose exec runs real processes: logs, exec
// (SPDY on 1.27/1.29, WebSocket on 1.33), attach, port-forward (SPDY and SPDY-in-WebSocket)
// and cp.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type AgentServer, startAgentServer } from '../agent/server/agent-server.ts';
import { loadOrCreateServingCert } from '../agent/server/serving-cert.ts';
import { FakeStreamingRuntime } from '../agent/server/testing/fake-streaming-runtime.ts';
import { builtinResources } from '../api/resources.ts';
import { resources } from '../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';
import { TokenAuthenticator } from './auth.ts';
import { handlePodUpgrade, PodProxy } from './pod-proxy.ts';
import { ApiServer } from './server.ts';

function kubectlDir(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  if (!found) return undefined;
  const dir = dirname(realpathSync(found));
  return existsSync(join(dir, 'kubectl.1.33')) ? dir : undefined;
}

const binDir = kubectlDir();
const AGENT_TOKEN = 'agent-join-token';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('kubectl streaming through the pod proxy', { skip: binDir ? false : 'kubectl binaries not found' }, () => {
  let cluster: InProcessCluster;
  /** kubectl sends bearer tokens only over HTTPS: a second API server on the same store serves it. */
  let secureApi: ApiServer;
  let secureUrl: string;
  let agent: AgentServer;
  let runtime: FakeStreamingRuntime;
  let root: string;
  let kubeconfig: string;
  let logPath: string;
  let echoServer: Server;
  let echoPort: number;

  const env = () => ({ ...process.env, KUBECONFIG: kubeconfig, HOME: root });

  function kubectl(version: string, args: string[], input?: string | Buffer): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn(join(binDir!, `kubectl.${version}`), args, { env: env() });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c) => out.push(c));
      child.stderr.on('data', (c) => err.push(c));
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
      if (input !== undefined) child.stdin.end(input);
      else child.stdin.end();
    });
  }

  /** Starts a long-running kubectl; resolves `waitFor` when stdout contains a pattern. */
  function kubectlLongRunning(version: string, args: string[]) {
    const child = spawn(join(binDir!, `kubectl.${version}`), args, { env: env() });
    let stdout = '';
    let stderr = '';
    const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
    const check = () => {
      for (const w of [...waiters]) {
        const m = stdout.match(w.re);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    };
    child.stdout.on('data', (c) => {
      stdout += c.toString();
      check();
    });
    child.stderr.on('data', (c) => {
      stderr += c.toString();
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    return {
      child,
      closed,
      output: () => ({ stdout, stderr }),
      waitFor: (re: RegExp) =>
        new Promise<RegExpMatchArray>((resolve, reject) => {
          waiters.push({ re, resolve });
          check();
          void closed.then(() => reject(new Error(`kubectl exited before printing ${re}: ${stdout} ${stderr}`)));
        }),
    };
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'hale-pod-proxy-'));
    cluster = await startInProcessCluster();
    const authenticator = new TokenAuthenticator();
    authenticator.add(cluster.token, { name: 'system:admin', groups: ['system:masters'] });
    const tls = await loadOrCreateServingCert(join(root, 'api'));
    secureApi = new ApiServer({ store: cluster.store, resources: builtinResources, authenticator, logger: cluster.logger, tls });
    secureUrl = `https://127.0.0.1:${(await secureApi.listen(0, '127.0.0.1')).port}`;
    secureApi.setReady(true);
    const proxy = new PodProxy({ registry: secureApi.registry, authenticator, agentToken: AGENT_TOKEN, logger: cluster.logger });
    secureApi.resources.addSubresource('', 'pods', 'log', proxy.logHandler);
    for (const sub of ['exec', 'attach', 'portforward']) secureApi.resources.addSubresource('', 'pods', sub, proxy.upgradeRequiredHandler);
    secureApi.httpServer.on('upgrade', (req, socket, head) => void handlePodUpgrade(req, socket, head, proxy));

    runtime = new FakeStreamingRuntime({ namespace: 'default', name: 'web' });
    const logDir = join(root, 'pods', 'default_web', 'main');
    mkdirSync(logDir, { recursive: true });
    logPath = join(logDir, '1.log');
    writeFileSync(join(logDir, '0.log'), '2020-01-01T00:00:00.000000001Z stdout F previous run\n');
    writeFileSync(
      logPath,
      '2020-01-01T00:00:01.000000001Z stdout F line one\n' +
        '2020-01-01T00:00:02.000000002Z stderr F line two\n' +
        '2020-01-01T00:00:03.000000003Z stdout P line \n' +
        '2020-01-01T00:00:03.000000004Z stdout F three\n',
    );
    // The run before (what --previous reads) is still a container record: logs go with their container.
    runtime.addContainer({ id: 'c-main-0', name: 'main', attempt: 0, state: 'exited', logPath: join(logDir, '0.log') });
    runtime.addContainer({ id: 'c-main', name: 'main', attempt: 1, state: 'running', logPath });
    agent = await startAgentServer({ runtime, token: AGENT_TOKEN, port: 0, bind: '127.0.0.1', dataDir: root });

    const node = await cluster.client.create(resources.nodes, undefined, { metadata: { name: 'node-1' } });
    await cluster.client.updateStatus(resources.nodes, {
      ...node,
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: agent.port } } },
    });
    const startedAt = new Date().toISOString();
    const running = (name: string, restartCount: number, lastState: object = {}) => ({
      name,
      ready: true,
      started: true,
      restartCount,
      image: 'busybox',
      imageID: 'process:///bin/sh',
      containerID: `process://${name}`,
      state: { running: { startedAt } },
      lastState,
    });
    const web = await cluster.client.create(resources.pods, 'default', {
      metadata: { name: 'web' },
      spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'busybox', command: ['sh'] }] },
    });
    await cluster.client.updateStatus(resources.pods, {
      ...web,
      status: {
        phase: 'Running',
        containerStatuses: [
          running('main', 1, {
            terminated: { exitCode: 1, reason: 'Error', containerID: 'process://old', startedAt, finishedAt: startedAt },
          }),
        ],
      },
    });
    const multi = await cluster.client.create(resources.pods, 'default', {
      metadata: { name: 'multi' },
      spec: {
        nodeName: 'node-1',
        containers: [
          { name: 'a', image: 'busybox', command: ['sh'] },
          { name: 'b', image: 'busybox', command: ['sh'] },
        ],
      },
    });
    await cluster.client.updateStatus(resources.pods, {
      ...multi,
      status: { phase: 'Running', containerStatuses: [running('a', 0), running('b', 0)] },
    });

    kubeconfig = join(root, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${secureUrl}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: "${cluster.token}"}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
current-context: x
`,
    );

    echoServer = createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
    echoPort = (echoServer.address() as { port: number }).port;
  });

  after(async () => {
    echoServer?.close();
    await agent?.stop();
    await secureApi?.close();
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  for (const version of ['1.27', '1.33']) {
    test(`logs with options (${version})`, async () => {
      let r = await kubectl(version, ['logs', 'web']);
      assert.equal(r.stdout, 'line one\nline two\nline three\n', r.stderr);
      r = await kubectl(version, ['logs', 'web', '--tail=1', '--timestamps']);
      assert.equal(r.stdout, '2020-01-01T00:00:03.000000003Z line three\n');
      r = await kubectl(version, ['logs', 'web', '--previous']);
      assert.equal(r.stdout, 'previous run\n');
      r = await kubectl(version, ['logs', 'web', '--limit-bytes=6']);
      assert.equal(r.stdout, 'line o');
      r = await kubectl(version, ['logs', 'web', '--since=1h']);
      assert.equal(r.stdout, '');
      assert.equal(r.code, 0);
      r = await kubectl(version, ['logs', 'multi', '-c', 'a', '--previous']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Error from server \(BadRequest\): previous terminated container "a" in pod "multi" not found/);
      r = await kubectl(version, ['logs', 'nosuch']);
      assert.match(r.stderr, /pods "nosuch" not found/);
    });
  }

  test('the API server asks for a container name when the pod has several', async () => {
    const status = await new Promise<any>((resolve, reject) => {
      const req = httpsRequest(`${secureUrl}/api/v1/namespaces/default/pods/multi/log`, {
        headers: { Authorization: `Bearer ${cluster.token}` },
        rejectUnauthorized: false,
      });
      req.on('response', async (res) => {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        resolve({ code: res.statusCode, ...JSON.parse(Buffer.concat(chunks).toString()) });
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status.code, 400);
    assert.equal(status.message, 'a container name must be specified for pod multi, choose one of: [a b]');
  });

  test('logs -f streams until the container exits', async () => {
    const run = kubectlLongRunning('1.33', ['logs', '-f', 'web', '--tail=1']);
    await run.waitFor(/line three\n/);
    appendFileSync(logPath, '2020-01-01T00:00:04.000000000Z stdout F followed line\n');
    await run.waitFor(/followed line\n/);
    runtime.exitContainer('c-main');
    assert.equal(await run.closed, 0);
    assert.equal(run.output().stdout, 'line three\nfollowed line\n');
    // Later tests need a running container again.
    runtime.containers.splice(0, runtime.containers.length);
    runtime.addContainer({ id: 'c-main-2', name: 'main', attempt: 1, state: 'running', logPath });
  });

  for (const version of ['1.27', '1.29', '1.33']) {
    test(`exec: output, exit codes, stdin and 2 MB (${version})`, async () => {
      let r = await kubectl(version, ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, 'out\n');
      assert.match(r.stderr, /err\n/);
      assert.match(r.stderr, /command terminated with exit code 3/);

      r = await kubectl(version, ['exec', '-i', 'web', '--', 'sh', '-c', 'cat; echo done'], 'from stdin\n');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'from stdin\ndone\n');

      r = await kubectl(version, ['exec', 'web', '--', 'head', '-c', String(2 * 1024 * 1024), '/dev/zero']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(Buffer.byteLength(r.stdout), 2 * 1024 * 1024);

      r = await kubectl(version, ['exec', 'multi', '-c', 'nosuch', '--', 'true']);
      assert.equal(r.code, 1);
    });

    test(`exec -it gets a real TTY (${version})`, async () => {
      runtime.resizes.length = 0;
      const command = `stty cols 91 rows 27; ${join(binDir!, `kubectl.${version}`)} exec -it web -- sh -c 'test -t 0 && echo TTY-OK; read line; echo "got $line"; exit 4'`;
      // `script` gives kubectl a terminal; typed input goes through the pty to the command.
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: env() });
      let stdout = '';
      child.stdout.on('data', (c) => {
        stdout += c.toString();
      });
      const status = new Promise<number | null>((resolve) => child.on('close', resolve));
      while (!stdout.includes('TTY-OK') || runtime.resizes.length === 0) await new Promise((r) => setTimeout(r, 20));
      child.stdin.write('typed\r');
      assert.equal(await status, 4);
      assert.match(stdout, /got typed/);
      assert.deepEqual(runtime.resizes[0], { width: 91, height: 27 }, 'kubectl sends the terminal size');
    });
  }

  for (const version of ['1.27', '1.33']) {
    test(`attach streams the container's output (${version})`, async () => {
      const before = runtime.attaches.length;
      const run = kubectlLongRunning(version, ['attach', 'web']);
      while (runtime.attaches.length === before) await new Promise((r) => setTimeout(r, 20));
      const session = runtime.attaches[before];
      session.stdout.write('hello from attach\n');
      await run.waitFor(/hello from attach/);
      session.end(0);
      assert.equal(await run.closed, 0);
    });
  }

  for (const version of ['1.27', '1.30', '1.31', '1.33']) {
    test(`port-forward moves 2 MB both ways (${version})`, async () => {
      const run = kubectlLongRunning(version, ['port-forward', 'pod/web', `:${echoPort}`]);
      try {
        const [, localPort] = await run.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) ->/);
        const payload = randomBytes(2 * 1024 * 1024);
        const echoed = await new Promise<Buffer>((resolve, reject) => {
          const socket = connect({ host: '127.0.0.1', port: Number(localPort), allowHalfOpen: true });
          const chunks: Buffer[] = [];
          socket.on('data', (c) => chunks.push(c));
          socket.on('end', () => resolve(Buffer.concat(chunks)));
          socket.on('error', reject);
          socket.end(payload);
        });
        assert.equal(echoed.length, payload.length);
        assert.equal(createHash('sha256').update(echoed).digest('hex'), createHash('sha256').update(payload).digest('hex'));
      } finally {
        run.child.kill('SIGTERM');
        await run.closed;
      }
    });
  }

  test('port-forward to a closed port reports the error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = kubectlLongRunning('1.33', ['port-forward', 'pod/web', `:${port}`]);
    const [, localPort] = await run.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) ->/);
    const socket = connect({ host: '127.0.0.1', port: Number(localPort) });
    socket.on('error', () => {});
    await run.closed;
    socket.destroy();
    assert.match(run.output().stderr, /an error occurred forwarding \d+ -> \d+: error forwarding port \d+ to pod default\/web/);
  });

  test('a pod not scheduled yet has no logs, and exec says it has no host', async () => {
    await cluster.client.create(resources.pods, 'default', {
      metadata: { name: 'unscheduled' },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['sh'] }] },
    });
    const logs = await kubectl('1.33', ['logs', 'unscheduled']);
    assert.deepEqual([logs.code, logs.stdout], [0, '']);
    const exec = await kubectl('1.33', ['exec', 'unscheduled', '--', 'true']);
    assert.notEqual(exec.code, 0);
    assert.match(exec.stderr, /pod unscheduled does not have a host assigned/);
  });

  for (const version of ['1.27', '1.33']) {
    test(`cp copies files in both directions (${version})`, async () => {
      const dir = join(root, `cp-${version}`);
      mkdirSync(join(dir, 'in-pod'), { recursive: true });
      const local = join(dir, 'local.txt');
      writeFileSync(local, 'uploaded with kubectl cp\n');
      let r = await kubectl(version, ['cp', local, `web:${join(dir, 'in-pod', 'up.txt')}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(join(dir, 'in-pod', 'up.txt'), 'utf8'), 'uploaded with kubectl cp\n');

      writeFileSync(join(dir, 'in-pod', 'down.txt'), 'downloaded with kubectl cp\n');
      r = await kubectl(version, ['cp', `web:${join(dir, 'in-pod', 'down.txt')}`, join(dir, 'down.txt')]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(join(dir, 'down.txt'), 'utf8'), 'downloaded with kubectl cp\n');
    });
  }
});
