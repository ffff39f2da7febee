import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { array, bool, int32, item, map, ref, string } from '../../api/schema/dsl.ts';
import { registerDefinitions } from '../../api/schema/registry.ts';
import { PatchError } from './errors.ts';
import { strategicMergePatch } from './strategic-merge-patch.ts';

// Small definitions of our own, so these tests do not depend on the real API types.
registerDefinitions({
  'test.smp.v1.Thing': {
    fields: {
      metadata: ref('test.smp.v1.Meta', 1),
      spec: ref('test.smp.v1.ThingSpec', 2),
      status: ref('test.smp.v1.ThingStatus', 3),
    },
  },
  'test.smp.v1.Meta': {
    fields: {
      name: string(1),
      labels: map(item.string, 2),
      annotations: map(item.string, 3),
      finalizers: array(item.string, 4, '', { patchStrategy: 'merge' }),
    },
  },
  'test.smp.v1.ThingSpec': {
    fields: {
      replicas: int32(1),
      paused: bool(2),
      parts: array(item.ref('test.smp.v1.Part'), 3, '', { patchStrategy: 'merge', patchMergeKey: 'name' }),
      args: array(item.string, 4),
      tags: array(item.string, 5, '', { patchStrategy: 'merge' }),
      strategy: ref('test.smp.v1.Strategy', 6, '', { patchStrategy: 'retainKeys' }),
      blob: { type: 'any' },
      slots: map(item.ref('test.smp.v1.Part'), 7),
    },
  },
  'test.smp.v1.Part': {
    fields: {
      name: string(1),
      size: int32(2),
      colour: string(3),
      options: array(item.string, 4),
    },
  },
  'test.smp.v1.Strategy': {
    fields: { type: string(1), rolling: ref('test.smp.v1.Rolling', 2) },
  },
  'test.smp.v1.Rolling': { fields: { maxSurge: string(1) } },
  'test.smp.v1.ThingStatus': { fields: { ready: bool(1) } },
});

const smp = (original: object, patch: unknown): KubeObject => strategicMergePatch(original, patch, 'test.smp.v1.Thing');

function patchErrorOf(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PatchError, `expected a PatchError, got ${err}`);
    return err;
  }
  assert.fail('expected the patch to fail');
}

const thing = () => ({
  metadata: { name: 'a', labels: { app: 'web', tier: 'front' } },
  spec: {
    replicas: 1,
    parts: [
      { name: 'x', size: 1, colour: 'red' },
      { name: 'y', size: 2 },
    ],
    args: ['--a', '--b'],
    tags: ['one', 'two'],
  },
});

describe('strategic merge patch: maps', () => {
  it('merges objects recursively and deletes keys set to null', () => {
    const out = smp(thing(), { metadata: { labels: { tier: null, env: 'prod' } }, spec: { replicas: 3 } });
    assert.deepEqual(out.metadata!.labels, { app: 'web', env: 'prod' });
    assert.equal(out.spec.replicas, 3);
    assert.equal(out.spec.parts.length, 2);
  });

  it('does not modify the original object', () => {
    const original = thing();
    smp(original, { spec: { replicas: 9, parts: [{ name: 'x', size: 5 }] } });
    assert.deepEqual(original, thing());
  });

  it('removes a field with null, as rollout resume sends it', () => {
    const out = smp({ spec: { paused: true, replicas: 2 } }, { spec: { paused: null } });
    assert.deepEqual(out, { spec: { replicas: 2 } });
  });

  it('adds a whole new object, dropping nulls inside it', () => {
    const out = smp({ metadata: { name: 'a' } }, { spec: { replicas: 2, paused: null, strategy: { type: 'Recreate', rolling: null } } });
    assert.deepEqual(out.spec, { replicas: 2, strategy: { type: 'Recreate' } });
  });

  it('adds the restartedAt annotation the way rollout restart does', () => {
    const out = smp(
      { spec: { replicas: 1 } },
      { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' } } } } },
    );
    assert.deepEqual(out.spec.template, { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' } } });
  });

  it('$patch: replace on a map replaces its content', () => {
    const out = smp(thing(), { metadata: { labels: { $patch: 'replace', only: 'this' } } });
    assert.deepEqual(out.metadata!.labels, { only: 'this' });
  });

  it('$patch: delete on a map removes it', () => {
    const out = smp(thing(), { metadata: { labels: { $patch: 'delete' } } });
    assert.equal('labels' in out.metadata!, false);
  });

  it('$patch: merge is the default behaviour', () => {
    const out = smp(thing(), { metadata: { labels: { $patch: 'merge', env: 'x' } } });
    assert.deepEqual(out.metadata!.labels, { app: 'web', tier: 'front', env: 'x' });
  });

  it('rejects an unknown $patch value with 400', () => {
    const err = patchErrorOf(() => smp(thing(), { metadata: { $patch: 'explode' } }));
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
  });

  it('merges map values by their own schema (map of structs)', () => {
    const original = { spec: { slots: { a: { name: 'a', size: 1, colour: 'red' } } } };
    const out = smp(original, { spec: { slots: { a: { size: 2 }, b: { name: 'b' } } } });
    assert.deepEqual(out.spec.slots, { a: { name: 'a', size: 2, colour: 'red' }, b: { name: 'b' } });
  });

  it('rejects a patch that is not an object', () => {
    assert.equal(patchErrorOf(() => smp(thing(), [1, 2])).code, 400);
  });
});

describe('strategic merge patch: lists', () => {
  it('merges lists with patchStrategy merge by their merge key', () => {
    const out = smp(thing(), {
      spec: {
        parts: [
          { name: 'y', colour: 'blue' },
          { name: 'z', size: 3 },
        ],
      },
    });
    assert.deepEqual(out.spec.parts, [
      { name: 'x', size: 1, colour: 'red' },
      { name: 'y', size: 2, colour: 'blue' },
      { name: 'z', size: 3 },
    ]);
  });

  it('deletes a list item with $patch: delete', () => {
    const out = smp(thing(), { spec: { parts: [{ $patch: 'delete', name: 'x' }] } });
    assert.deepEqual(out.spec.parts, [{ name: 'y', size: 2 }]);
  });

  it('replaces a merge list with a $patch: replace item', () => {
    const out = smp(thing(), { spec: { parts: [{ name: 'n', size: 9 }, { $patch: 'replace' }] } });
    assert.deepEqual(out.spec.parts, [{ name: 'n', size: 9 }]);
  });

  it('replaces lists without a merge strategy', () => {
    const out = smp(thing(), { spec: { args: ['--c'] } });
    assert.deepEqual(out.spec.args, ['--c']);
  });

  it('replaces a list nested in a merged item', () => {
    const original = { spec: { parts: [{ name: 'x', options: ['a', 'b'] }] } };
    const out = smp(original, { spec: { parts: [{ name: 'x', options: ['c'] }] } });
    assert.deepEqual(out.spec.parts, [{ name: 'x', options: ['c'] }]);
  });

  it('unions lists of primitives with patchStrategy merge', () => {
    const out = smp(thing(), { spec: { tags: ['two', 'three'] }, metadata: { finalizers: ['f1'] } });
    assert.deepEqual(out.spec.tags, ['one', 'two', 'three']);
    assert.deepEqual(out.metadata!.finalizers, ['f1']);
  });

  it('$deleteFromPrimitiveList removes values from a primitive list', () => {
    const out = smp(thing(), { spec: { '$deleteFromPrimitiveList/tags': ['one'], tags: ['four'] } });
    assert.deepEqual(out.spec.tags, ['two', 'four']);
    assert.equal(
      Object.keys(out.spec).some((k) => k.startsWith('$')),
      false,
    );
  });

  it('deletes a list set to null', () => {
    const out = smp(thing(), { spec: { parts: null } });
    assert.equal('parts' in out.spec, false);
  });

  it('fails with 422 when an item lacks the merge key', () => {
    const err = patchErrorOf(() => smp(thing(), { spec: { parts: [{ size: 3 }] } }));
    assert.equal(err.code, 422);
    assert.match(err.message, /merge key: name/);
  });

  it('$setElementOrder orders the merged list', () => {
    const out = smp(thing(), {
      spec: { '$setElementOrder/parts': [{ name: 'z' }, { name: 'y' }, { name: 'x' }], parts: [{ name: 'z', size: 3 }] },
    });
    assert.deepEqual(
      out.spec.parts.map((p: { name: string }) => p.name),
      ['z', 'y', 'x'],
    );
  });

  it('$setElementOrder alone reorders an existing list', () => {
    const out = smp(thing(), { spec: { '$setElementOrder/parts': [{ name: 'y' }, { name: 'x' }] } });
    assert.deepEqual(
      out.spec.parts.map((p: { name: string }) => p.name),
      ['y', 'x'],
    );
    assert.equal('$setElementOrder/parts' in out.spec, false);
  });

  it('$setElementOrder keeps server-only items in their original place', () => {
    const original = { spec: { parts: [{ name: 'a' }, { name: 'sidecar' }, { name: 'b' }] } };
    const out = smp(original, {
      spec: { '$setElementOrder/parts': [{ name: 'a' }, { name: 'b' }, { name: 'c' }], parts: [{ name: 'c' }] },
    });
    assert.deepEqual(
      out.spec.parts.map((p: { name: string }) => p.name),
      ['a', 'sidecar', 'b', 'c'],
    );
  });

  it('$setElementOrder orders a primitive merge list', () => {
    const out = smp(thing(), { spec: { '$setElementOrder/tags': ['two', 'new', 'one'], tags: ['new'] } });
    assert.deepEqual(out.spec.tags, ['two', 'new', 'one']);
  });

  it('rejects a $setElementOrder that is not a list with 400', () => {
    assert.equal(patchErrorOf(() => smp(thing(), { spec: { '$setElementOrder/parts': 'x' } })).code, 400);
  });
});

describe('strategic merge patch: $retainKeys', () => {
  const deployment = () => ({ spec: { strategy: { type: 'RollingUpdate', rolling: { maxSurge: '25%' } } } });

  it('drops keys that are not retained (switching to Recreate)', () => {
    const out = smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], rolling: null, type: 'Recreate' } } });
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });

  it('drops unlisted keys even without an explicit null', () => {
    const out = smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });

  it('fails with 422 when the patch sets a key outside $retainKeys', () => {
    const err = patchErrorOf(() => smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], rolling: { maxSurge: '1' } } } }));
    assert.equal(err.code, 422);
  });

  it('fails with 400 when $retainKeys is not a list of strings', () => {
    assert.equal(patchErrorOf(() => smp(deployment(), { spec: { strategy: { $retainKeys: 'type' } } })).code, 400);
  });
});

describe('strategic merge patch: schema-less parts', () => {
  it('merges `any` fields like a JSON merge patch and replaces their lists', () => {
    const original = { spec: { blob: { a: 1, list: [{ name: 'x', v: 1 }], nested: { b: 2 } } } };
    const out = smp(original, { spec: { blob: { list: [{ name: 'x', v: 2 }], nested: { c: 3, b: null } } } });
    assert.deepEqual(out.spec.blob, { a: 1, list: [{ name: 'x', v: 2 }], nested: { c: 3 } });
  });

  it('works on a definition that is not registered (plain merge semantics, no directives kept)', () => {
    const out = strategicMergePatch({ a: { b: [1, 2] } }, { a: { b: [3], $patch: 'merge' }, c: 1 }, 'test.smp.v1.Unregistered');
    assert.deepEqual(out, { a: { b: [3] }, c: 1 });
  });
});

describe('strategic merge patch: kubectl bodies', () => {
  // Realistic shapes: containers by name, env by name, ports by containerPort.
  registerDefinitions({
    'test.smp.v1.Deploy': {
      fields: {
        metadata: ref('test.smp.v1.Meta', 1),
        spec: ref('test.smp.v1.DeploySpec', 2),
      },
    },
    'test.smp.v1.DeploySpec': {
      fields: {
        replicas: int32(1),
        template: ref('test.smp.v1.Template', 2),
        strategy: ref('test.smp.v1.Strategy', 3, '', { patchStrategy: 'retainKeys' }),
      },
    },
    'test.smp.v1.Template': {
      fields: { metadata: ref('test.smp.v1.Meta', 1), spec: ref('test.smp.v1.PodSpec', 2) },
    },
    'test.smp.v1.PodSpec': {
      fields: {
        containers: array(item.ref('test.smp.v1.Container'), 1, '', { patchStrategy: 'merge', patchMergeKey: 'name' }),
        volumes: array(item.ref('test.smp.v1.Volume'), 2, '', {
          patchStrategy: 'merge,retainKeys',
          patchMergeKey: 'name',
        }),
      },
    },
    'test.smp.v1.Container': {
      fields: {
        name: string(1),
        image: string(2),
        args: array(item.string, 3),
        env: array(item.ref('test.smp.v1.EnvVar'), 4, '', { patchStrategy: 'merge', patchMergeKey: 'name' }),
        ports: array(item.ref('test.smp.v1.Port'), 5, '', {
          patchStrategy: 'merge',
          patchMergeKey: 'containerPort',
          listType: 'map',
          listMapKeys: ['containerPort', 'protocol'],
        }),
      },
    },
    'test.smp.v1.EnvVar': { fields: { name: string(1), value: string(2) } },
    'test.smp.v1.Port': { fields: { name: string(1), containerPort: int32(2), protocol: string(3) } },
    'test.smp.v1.Volume': { fields: { name: string(1), emptyDir: { type: 'any' }, configMap: { type: 'any' } } },
  });

  const live = () => ({
    metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rolling: { maxSurge: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.25',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
            },
            { name: 'side', image: 'busybox' },
          ],
        },
      },
    },
  });
  const patchDeploy = (patch: unknown) => strategicMergePatch(live(), patch, 'test.smp.v1.Deploy');

  it('applies the client-side apply body (§6.2): image change with $setElementOrder and side deleted', () => {
    const out = patchDeploy({
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":1}' } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }],
            containers: [
              { image: 'nginx:1.26', name: 'nginx' },
              { $patch: 'delete', name: 'side' },
            ],
          },
        },
      },
    });
    assert.equal(out.spec.replicas, 3);
    assert.equal(out.metadata!.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{"new":1}');
    assert.deepEqual(out.spec.template.spec.containers, [
      {
        name: 'nginx',
        image: 'nginx:1.26',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        ports: [{ containerPort: 80, protocol: 'TCP' }],
      },
    ]);
    assert.equal(JSON.stringify(out).includes('$'), false, 'no directive key may survive');
  });

  it('merges env by name and ports by containerPort inside a container', () => {
    const out = patchDeploy({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'nginx',
                env: [
                  { name: 'B', value: 'two' },
                  { name: 'C', value: '3' },
                  { name: 'A', $patch: 'delete' },
                ],
                ports: [{ containerPort: 443 }],
              },
            ],
          },
        },
      },
    });
    const nginx = out.spec.template.spec.containers[0];
    assert.deepEqual(nginx.env, [
      { name: 'B', value: 'two' },
      { name: 'C', value: '3' },
    ]);
    assert.deepEqual(nginx.ports, [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }]);
    assert.equal(out.spec.template.spec.containers[1].name, 'side');
  });

  it('switches the strategy to Recreate with the body kubectl sends', () => {
    const out = patchDeploy({ spec: { strategy: { $retainKeys: ['type'], rolling: null, type: 'Recreate' } } });
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });

  it('swaps a volume source with merge,retainKeys', () => {
    const original = { spec: { template: { spec: { volumes: [{ name: 'v', emptyDir: {} }] } } } };
    const out = strategicMergePatch(
      original,
      { spec: { template: { spec: { volumes: [{ name: 'v', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' } }] } } } },
      'test.smp.v1.Deploy',
    );
    assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'v', configMap: { name: 'cm' } }]);
  });
});

describe('strategic merge patch: hostile input', () => {
  it('ignores __proto__ keys instead of touching prototypes', () => {
    const patch = JSON.parse('{"spec":{"__proto__":{"polluted":true},"replicas":2}}');
    const out = smp(thing(), patch);
    assert.equal(out.spec.replicas, 2);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(out.spec), Object.prototype);
  });
});
