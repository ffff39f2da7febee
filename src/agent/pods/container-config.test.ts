import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { rotatedFiles } from '../logs/read-container-logs.ts';
import { buildContainerConfig, ContainerConfigError, type ContainerConfigInput } from './container-config.ts';
import { expandArgvLocal } from './expand-vars.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hale-ccfg-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pod = { metadata: { name: 'web-0', namespace: 'default', uid: 'u1' }, spec: {} };

function input(container: Record<string, any>, extra: Partial<ContainerConfigInput> = {}): ContainerConfigInput {
  return {
    pod,
    container,
    kind: 'app',
    restartCount: 3,
    env: [{ name: 'PORT', value: '8080' }],
    volumePaths: new Map([['data', path.join(dir, 'vol-data')]]),
    dataDir: dir,
    requireCommand: true,
    runtimeName: 'process',
    expandArgs: expandArgvLocal,
    ...extra,
  };
}

test('argv, mounts, resources, log path and the termination-message file', async () => {
  const config = await buildContainerConfig(
    input({
      name: 'app',
      image: 'node:20',
      command: ['node', 'server.js'],
      args: ['--port', '$(PORT)'],
      workingDir: '/srv',
      terminationMessagePath: '/dev/termination-log',
      volumeMounts: [{ name: 'data', mountPath: '/data', subPath: 'sub/dir', readOnly: true }],
      resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m' } },
    }),
  );
  assert.deepEqual(config.argv, ['node', 'server.js', '--port', '8080']);
  assert.equal(config.attempt, 3);
  assert.equal(config.workingDir, '/srv');
  assert.equal(config.logPath, path.join(dir, 'pods', 'default_web-0_u1', 'app', '3.log'));
  assert.deepEqual(config.resources, { cpuLimitMillis: 500, cpuRequestMillis: 100, memoryLimitBytes: 64 * 1024 * 1024 });
  assert.deepEqual(config.mounts[0], { containerPath: '/data', hostPath: path.join(dir, 'vol-data', 'sub/dir'), readOnly: true });
  assert.ok((await stat(config.mounts[0].hostPath)).isDirectory(), 'the subPath was created');
  const message = config.mounts[1];
  assert.equal(message.containerPath, '/dev/termination-log');
  // Beside the log (no directories of its own), and not taken for a rotated log file.
  assert.equal(message.hostPath, path.join(dir, 'pods', 'default_web-0_u1', 'app', '3.termination-log'));
  assert.deepEqual(await rotatedFiles(config.logPath), []);
  assert.equal(await readFile(message.hostPath, 'utf8'), '');
  assert.equal((await stat(message.hostPath)).mode & 0o777, 0o666);
  assert.equal(config.labels['io.kubernetes.pod.uid'], 'u1');
  assert.equal(config.labels['io.kubernetes.container.name'], 'app');
});

test('a missing command or volume is a ContainerConfigError', async () => {
  await assert.rejects(buildContainerConfig(input({ name: 'app', image: 'nginx' })), (err: Error) => {
    assert.ok(err instanceof ContainerConfigError);
    assert.match(err.message, /container "app" has no command: the process runtime/);
    return true;
  });
  const withoutRequirement = await buildContainerConfig(input({ name: 'app', image: 'nginx' }, { requireCommand: false }));
  assert.deepEqual(withoutRequirement.argv, []);
  // args alone run as the command, as with an image that has no ENTRYPOINT (`kubectl run … -- sh -c …`).
  const argsOnly = await buildContainerConfig(input({ name: 'app', image: 'busybox', args: ['sh', '-c', 'echo hi'] }));
  assert.deepEqual(argsOnly.argv, ['sh', '-c', 'echo hi']);
  await assert.rejects(
    buildContainerConfig(input({ name: 'app', command: ['x'], volumeMounts: [{ name: 'nope', mountPath: '/x' }] })),
    /cannot find volume "nope" to mount into container "app"/,
  );
  await assert.rejects(
    buildContainerConfig(input({ name: 'app', command: ['x'], volumeMounts: [{ name: 'data', mountPath: '/x', subPath: '../escape' }] })),
    ContainerConfigError,
  );
});

test('configMap, secret, downwardAPI and projected volumes are mounted read-only whatever the mount says', async () => {
  const volumes = ['cm', 'sec', 'down', 'proj', 'scratch'];
  const withVolumes = {
    ...pod,
    spec: {
      volumes: [
        { name: 'cm', configMap: { name: 'c' } },
        { name: 'sec', secret: { secretName: 's' } },
        { name: 'down', downwardAPI: { items: [] } },
        { name: 'proj', projected: { sources: [] } },
        { name: 'scratch', emptyDir: {} },
      ],
    },
  };
  const config = await buildContainerConfig(
    input(
      {
        name: 'app',
        image: 'x',
        command: ['true'],
        volumeMounts: volumes.map((name) => ({ name, mountPath: `/${name}`, readOnly: false })),
      },
      { pod: withVolumes, volumePaths: new Map(volumes.map((name) => [name, path.join(dir, `vol-${name}`)])) },
    ),
  );
  const readOnly = Object.fromEntries(
    config.mounts.filter((m) => m.containerPath !== '/dev/termination-log').map((m) => [m.containerPath, m.readOnly]),
  );
  assert.deepEqual(readOnly, { '/cm': true, '/sec': true, '/down': true, '/proj': true, '/scratch': false });
});
