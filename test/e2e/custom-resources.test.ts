// Hale serves no custom resources, and says so the way kubectl expects: an empty, read-only
// apiextensions.k8s.io/v1 CustomResourceDefinition list. kubectl lists CRDs whenever a
// manifest names a kind it does not know, so a mistyped kind gets Kubernetes' "no matches for
// kind … ensure CRDs are installed first" (with kubectl 1.27 and 1.33), and creating a CRD is
// refused clearly.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectKubectl, type HaleServer, startHale, stopHale } from './harness.ts';

describe('custom resource definitions', () => {
  let hale: HaleServer;

  before(async () => {
    hale = await startHale();
  });
  after(async () => {
    await stopHale(hale);
  });

  for (const version of ['1.27', '1.33'] as const) {
    test(`a mistyped kind gets "no matches for kind" (kubectl ${version})`, async () => {
      const file = join(hale.dataDir, `typo-${version}.yaml`);
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMapX\nmetadata: {name: cm1}\n');
      const r = await expectKubectl(hale, version, ['apply', '-f', file], { expectFail: true });
      assert.match(r.stderr, /no matches for kind "ConfigMapX" in version "v1"/);
      assert.match(r.stderr, /ensure CRDs are installed first/);
      assert.doesNotMatch(r.stderr, /failed to list CRDs/);
    });
  }

  test('the CRD list is empty and read-only', async () => {
    const k = (args: string[], expectFail = false) => expectKubectl(hale, '1.33', args, { expectFail });
    assert.match((await k(['get', 'crd'])).stderr, /No resources found/);
    // A watch is served and sees nothing (informers over every resource watch CRDs too).
    const watched = await k(['get', '--raw', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=1&timeoutSeconds=1']);
    assert.equal(watched.stdout, '');
    assert.match(
      (await k(['get', 'crd', 'foos.example.com'], true)).stderr,
      /customresourcedefinitions\.apiextensions\.k8s\.io "foos\.example\.com" not found/,
    );
    const file = join(hale.dataDir, 'crd.yaml');
    writeFileSync(
      file,
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: foos.example.com}\nspec: {group: example.com, names: {kind: Foo, plural: foos}, scope: Namespaced, versions: []}\n',
    );
    assert.match((await k(['apply', '-f', file], true)).stderr, /the server does not allow this method on the requested resource/);
  });
});
