// The eviction subresource against an in-process API server: budgets are set by hand (no
// disruption controller runs), pods are made Running/Ready through their status.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { podResource } from '../api/kinds/core/pod.ts';
import type { KubeObject } from '../api/resource-type.ts';
import { ApiError } from '../client/api-error.ts';
import { resources } from '../client/resources.ts';
import { RestClient } from '../client/rest-client.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';
import { StatusError } from './errors.ts';
import { evictPod } from './eviction.ts';
import type { RequestParams } from './resource-handler.ts';
import { ResourceStore } from './storage/resource-store.ts';

let cluster: InProcessCluster;
/** No automatic 429 retries: the tests want to see them. */
let client: RestClient;

before(async () => {
  cluster = await startInProcessCluster();
  client = new RestClient({ server: cluster.url, token: cluster.token }, { maxRetries: 0 });
});

after(async () => {
  client.close();
  await cluster.stop();
});

let nsCounter = 0;
async function freshNamespace(): Promise<string> {
  const ns = `evict-${++nsCounter}`;
  await cluster.createNamespace(ns);
  return ns;
}

async function runningPod(
  ns: string,
  name: string,
  opts: { ready?: boolean; phase?: string; nodeName?: string } = {},
): Promise<KubeObject> {
  const pod = await client.create(resources.pods, ns, {
    metadata: { name, labels: { app: 'web' } },
    spec: { containers: [{ name: 'main', image: 'busybox' }], ...(opts.nodeName ? { nodeName: opts.nodeName } : {}) },
  });
  pod.status = {
    ...pod.status,
    phase: opts.phase ?? 'Running',
    conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
  };
  return client.updateStatus(resources.pods, pod);
}

/** A budget whose status says what the disruption controller would have computed. */
async function budget(ns: string, name: string, status: Record<string, unknown>, spec: Record<string, unknown> = {}): Promise<KubeObject> {
  const pdb = await client.create(resources.podDisruptionBudgets, ns, {
    metadata: { name },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } }, ...spec },
  });
  pdb.status = { observedGeneration: pdb.metadata!.generation, ...status };
  return client.updateStatus(resources.podDisruptionBudgets, pdb);
}

function evict(ns: string, name: string, body: Record<string, unknown> = {}, query: Record<string, string> = {}): Promise<any> {
  return client.request('POST', `/api/v1/namespaces/${ns}/pods/${name}/eviction`, {
    query,
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns }, ...body },
  });
}

async function evictError(ns: string, name: string, body: Record<string, unknown> = {}): Promise<ApiError> {
  try {
    await evict(ns, name, body);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('the eviction was expected to fail');
}

test('without a budget the pod is simply deleted', async () => {
  const ns = await freshNamespace();
  await runningPod(ns, 'lonely');
  const answer = await evict(ns, 'lonely');
  assert.deepEqual([answer.kind, answer.status], ['Status', 'Success']);
  assert.equal(await cluster.tryGet(resources.pods, ns, 'lonely'), undefined);
});

test('a budget allowing a disruption is decremented, then refuses the next eviction', async () => {
  const ns = await freshNamespace();
  await runningPod(ns, 'a', { nodeName: 'node-1' });
  await runningPod(ns, 'b');
  await budget(ns, 'web', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
  await evict(ns, 'a', { deleteOptions: { gracePeriodSeconds: 5 } });
  const pdb = await client.get(resources.podDisruptionBudgets, ns, 'web');
  assert.equal(pdb.status.disruptionsAllowed, 0);
  assert.deepEqual(Object.keys(pdb.status.disruptedPods), ['a']);
  const condition = pdb.status.conditions.find((c: { type: string }) => c.type === 'DisruptionAllowed');
  assert.deepEqual([condition.status, condition.reason], ['False', 'InsufficientPods']);
  // The pod was on a node: it is terminating with the grace period asked for, marked as disrupted.
  const evicted = await client.get<any>(resources.pods, ns, 'a');
  assert.ok(evicted.metadata.deletionTimestamp);
  assert.equal(evicted.metadata.deletionGracePeriodSeconds, 5);
  const target = evicted.status.conditions.find((c: { type: string }) => c.type === 'DisruptionTarget');
  assert.deepEqual([target.status, target.reason, target.message], ['True', 'EvictionByEvictionAPI', 'Eviction API: evicting']);

  const refused = await evictError(ns, 'b');
  assert.equal(refused.code, 429);
  assert.equal(refused.reason, 'TooManyRequests');
  assert.equal(refused.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  assert.deepEqual(refused.details?.causes, [
    { reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 3 currently' },
  ]);
  assert.ok(await cluster.tryGet(resources.pods, ns, 'b'), 'the pod stays');
});

test('a budget the controller has not seen yet refuses evictions', async () => {
  const ns = await freshNamespace();
  await runningPod(ns, 'a');
  await budget(ns, 'web', { disruptionsAllowed: 5, observedGeneration: 0 });
  const refused = await evictError(ns, 'a');
  assert.equal(refused.code, 429);
  assert.equal(refused.details?.causes?.[0].message, 'The disruption budget web is still being processed by the server.');
});

test('a budget not processed yet asks for a retry after 10 s (details and Retry-After); an exhausted one does not', async () => {
  const ns = await freshNamespace();
  await runningPod(ns, 'a');
  await budget(ns, 'web', { disruptionsAllowed: 5, observedGeneration: 0 });
  const url = `${cluster.url}/api/v1/namespaces/${ns}/pods/a/eviction`;
  const post = () =>
    fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'a', namespace: ns } }),
    });
  const behind = await post();
  assert.equal(behind.status, 429);
  assert.equal(behind.headers.get('retry-after'), '10');
  assert.deepEqual(((await behind.json()) as KubeObject).details, {
    causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }],
    retryAfterSeconds: 10,
  });

  const pdb = await client.get(resources.podDisruptionBudgets, ns, 'web');
  pdb.status = { observedGeneration: pdb.metadata?.generation, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 };
  await client.updateStatus(resources.podDisruptionBudgets, pdb);
  const exhausted = await post();
  assert.equal(exhausted.status, 429);
  assert.equal(exhausted.headers.get('retry-after'), null);
  assert.deepEqual(((await exhausted.json()) as KubeObject).details, {
    causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 1 currently' }],
  });
});

/**
 * Calls the handler directly over a pod store whose first read returns the pod as it was,
 * after `meanwhile` changed it: the race between reading the pod and deleting it.
 */
async function evictRacing(ns: string, name: string, meanwhile: () => Promise<void>): Promise<number> {
  class RacyPods extends ResourceStore {
    private raced = false;
    override async get(namespace: string | undefined, podName: string): Promise<KubeObject> {
      const read = await super.get(namespace, podName);
      if (!this.raced) {
        this.raced = true;
        await meanwhile();
      }
      return read;
    }
  }
  const body = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } });
  const req = Object.assign(Readable.from([Buffer.from(body)]), { headers: { 'content-type': 'application/json' } });
  let code = 0;
  const res = { writeHead: (c: number) => (code = c), end: () => {} };
  const params = {
    req: req as unknown as IncomingMessage,
    res: res as unknown as ServerResponse,
    info: { kind: 'resource', group: '', version: 'v1', namespace: ns, resource: 'pods', name, subresource: 'eviction', verb: 'create' },
    query: new URLSearchParams(),
    user: 'admin',
  } as RequestParams;
  try {
    await evictPod(params, new RacyPods(podResource, cluster.store));
  } catch (err) {
    if (err instanceof StatusError) return err.code;
    throw err;
  }
  return code;
}

test('a pod judged unready, or Pending, that became ready before its deletion is not evicted past the budget', async () => {
  const ns = await freshNamespace();
  await runningPod(ns, 'sick', { ready: false });
  await budget(ns, 'web', { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 });
  const becomeReady = (name: string) => async () => {
    const pod = await client.get<any>(resources.pods, ns, name);
    pod.status = { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    await client.updateStatus(resources.pods, pod);
  };
  // Kubernetes pins the delete to the version judged; the conflict is the budget's 429.
  assert.equal(await evictRacing(ns, 'sick', becomeReady('sick')), 429);
  assert.ok(await cluster.tryGet(resources.pods, ns, 'sick'), 'the pod that became ready stays');

  // A Pending pod is read again after the conflict: now Running and Ready, the budget decides.
  await runningPod(ns, 'starting', { phase: 'Pending', ready: false });
  assert.equal(await evictRacing(ns, 'starting', becomeReady('starting')), 429);
  assert.ok(await cluster.tryGet(resources.pods, ns, 'starting'), 'the pod that started stays');
});

test('pending pods, and unhealthy ones while the budget is met, go without using the budget', async () => {
  const ns = await freshNamespace();
  await runningPod(ns, 'starting', { phase: 'Pending' });
  await runningPod(ns, 'sick', { ready: false });
  await budget(ns, 'web', { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 });
  await evict(ns, 'starting');
  await evict(ns, 'sick');
  const pdb = await client.get(resources.podDisruptionBudgets, ns, 'web');
  assert.equal(pdb.status.disruptionsAllowed, 0);
  assert.equal(pdb.status.disruptedPods, undefined);
  assert.equal(await cluster.tryGet(resources.pods, ns, 'sick'), undefined);
});

test('dry run changes nothing; two budgets for one pod is an error; names must agree', async () => {
  const ns = await freshNamespace();
  await runningPod(ns, 'a');
  await budget(ns, 'web', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 });
  const answer = await evict(ns, 'a', {}, { dryRun: 'All' });
  assert.equal(answer.status, 'Success');
  assert.ok(await cluster.tryGet(resources.pods, ns, 'a'));
  assert.equal((await client.get(resources.podDisruptionBudgets, ns, 'web')).status.disruptionsAllowed, 1);

  const mismatch = await evictError(ns, 'a', { metadata: { name: 'other' } });
  assert.equal(mismatch.code, 400);
  assert.equal(mismatch.message, 'name in URL does not match name in Eviction object');

  await budget(ns, 'web-too', { disruptionsAllowed: 1 }, { minAvailable: 1 });
  const twice = await evictError(ns, 'a');
  assert.equal(twice.code, 500);
  assert.equal(twice.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');

  const missing = await evictError(ns, 'ghost');
  assert.equal(missing.code, 404);
  assert.equal(missing.message, 'pods "ghost" not found');
});

test("preconditions that fail are a Conflict in rest.BeforeDelete's words, for running, finished and dry-run evictions alike", async () => {
  const ns = await freshNamespace();
  const running = await runningPod(ns, 'running');
  const finished = await runningPod(ns, 'finished', { phase: 'Succeeded' });
  for (const [pod, query] of [
    [running, {}],
    [finished, {}],
    [running, { dryRun: 'All' }],
  ] as const) {
    const name = pod.metadata!.name!;
    const refused = await client
      .request('POST', `/api/v1/namespaces/${ns}/pods/${name}/eviction`, {
        query,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name }, deleteOptions: { preconditions: { uid: 'not-the-uid' } } },
      })
      .then(
        () => assert.fail('the eviction was expected to fail'),
        (err: unknown) => err as ApiError,
      );
    assert.equal(refused.code, 409, name);
    assert.equal(
      refused.message,
      `Operation cannot be fulfilled on Pod "${name}": the UID in the precondition (not-the-uid) does not match the UID in record (${pod.metadata?.uid}). The object might have been deleted and then recreated`,
    );
    assert.deepEqual(refused.status.details, { name, kind: 'Pod' });
  }
  const stale = await evictError(ns, 'running', { deleteOptions: { preconditions: { resourceVersion: '5' } } });
  assert.equal(stale.code, 409);
  assert.match(
    stale.message,
    /^Operation cannot be fulfilled on Pod "running": the ResourceVersion in the precondition \(5\) does not match/,
  );
  assert.ok(await cluster.tryGet(resources.pods, ns, 'running'));
  assert.ok(await cluster.tryGet(resources.pods, ns, 'finished'));
});
