// Server-side apply through the served API: an apply patch with a field the schema does not
// declare fails under every fieldValidation (QA round 2 finding 5), instead of being accepted
// with the field pruned from the object but owned in managedFields (f:bogus).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiError } from '../client/api-error.ts';
import { resources } from '../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';

let cluster: InProcessCluster;
before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace('uf');
});
after(() => cluster?.stop());

const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: uf2\n  namespace: uf\n  bogusMeta: 1\nbogus: x\ndata:\n  a: "1"\n';

test('an apply patch with unknown fields fails under Strict, Warn and Ignore; nothing is created or owned', async () => {
  for (const fieldValidation of ['Strict', 'Warn', 'Ignore']) {
    let err: unknown;
    try {
      await cluster.client.request('PATCH', '/api/v1/namespaces/uf/configmaps/uf2', {
        query: { fieldManager: 'kubectl', fieldValidation },
        body: manifest,
        contentType: 'application/apply-patch+yaml',
      });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ApiError, `${fieldValidation}: ${err}`);
    assert.equal(err.code, 500, fieldValidation);
    assert.equal(
      err.message,
      'failed to create typed patch object (uf/uf2; /v1, Kind=ConfigMap): errors:\n' +
        '  .bogus: field not declared in schema\n' +
        '  .metadata.bogusMeta: field not declared in schema',
    );
  }
  assert.equal(await cluster.tryGet(resources.configMaps, 'uf', 'uf2'), undefined);

  // Once the object exists (created by a clean apply), the same holds for an update.
  await cluster.client.request('PATCH', '/api/v1/namespaces/uf/configmaps/uf2', {
    query: { fieldManager: 'kubectl', fieldValidation: 'Ignore' },
    body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: uf2\ndata:\n  a: "1"\n',
    contentType: 'application/apply-patch+yaml',
  });
  await assert.rejects(
    cluster.client.request('PATCH', '/api/v1/namespaces/uf/configmaps/uf2', {
      query: { fieldManager: 'kubectl', fieldValidation: 'Warn' },
      body: manifest,
      contentType: 'application/apply-patch+yaml',
    }),
    (e: any) => e.code === 500 && /\.bogus: field not declared in schema/.test(e.message),
  );
  const cm = await cluster.client.get(resources.configMaps, 'uf', 'uf2');
  assert.equal(JSON.stringify(cm.metadata?.managedFields).includes('bogus'), false);
});
