// bench/rollout: how long a 50-replica Deployment takes to roll out a new version on the
// process runtime (`hale server` with its embedded agent, one node), with readiness probes.
// Prints a readable table, then one JSON object on the last line. Never passes or fails on time.
//
//   node --import tsx bench/rollout.ts [--quick] [--replicas N] [--rounds N]
import { resolve } from 'node:path';
import { deleteAllPods, startAgentServer } from './lib/agent-pods.ts';
import type { BenchHttpClient } from './lib/http.ts';
import { summarize } from './lib/stats.ts';
import { renderTable } from './lib/table.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const replicas = flag('--replicas', quick ? 10 : 50);
const rounds = flag('--rounds', quick ? 1 : 3);
const namespace = 'default';
const app = resolve(import.meta.dirname, '../test/apps/flaky-server.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function deployment(version: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'rollout-bench' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'rollout-bench' } },
      template: {
        metadata: { labels: { app: 'rollout-bench' } },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'web',
              image: 'hale.local/flaky-server:bench',
              command: ['node', app],
              env: [{ name: 'VERSION', value: String(version) }],
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

async function readDeployment(http: BenchHttpClient): Promise<any> {
  const res = await http.request('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/rollout-bench`);
  return JSON.parse(res.body.toString('utf8'));
}

/** The same test `kubectl rollout status` makes. */
function rolledOut(d: any): boolean {
  const s = d.status ?? {};
  return (
    (d.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0) &&
    (s.updatedReplicas ?? 0) >= replicas &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

async function waitRolledOut(http: BenchHttpClient, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (rolledOut(await readDeployment(http))) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error('rollout did not finish in time');
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const cluster = await startAgentServer();
  const { http } = cluster;
  const results: { round: number; version: number; seconds: number }[] = [];
  try {
    const json = { 'Content-Type': 'application/json' };
    const created = await http.request('POST', `/apis/apps/v1/namespaces/${namespace}/deployments`, JSON.stringify(deployment(1)), json);
    if (created.status !== 201) throw new Error(`create failed: ${created.status} ${created.body}`);
    const initial = await waitRolledOut(http, 300_000);
    process.stderr.write(`initial ${replicas} replicas ready in ${(initial / 1000).toFixed(2)} s\n`);
    for (let round = 1; round <= rounds; round++) {
      const version = round + 1;
      const res = await http.request(
        'PUT',
        `/apis/apps/v1/namespaces/${namespace}/deployments/rollout-bench`,
        JSON.stringify(deployment(version)),
        json,
      );
      if (res.status !== 200) throw new Error(`update failed: ${res.status} ${res.body}`);
      const ms = await waitRolledOut(http, 600_000);
      results.push({ round, version, seconds: ms / 1000 });
    }
    const seconds = results.map((r) => r.seconds);
    const stats = summarize(seconds);
    process.stdout.write(
      renderTable(
        `bench/rollout: ${replicas}-replica Deployment, RollingUpdate 25%/25%`,
        ['round', 'new version', 'rollout seconds'],
        results.map((r) => [r.round, r.version, r.seconds.toFixed(2)]),
      ),
    );
    process.stdout.write(
      `${JSON.stringify({ benchmark: 'rollout', replicas, strategy: 'RollingUpdate 25%/25%', initialReadySeconds: initial / 1000, rollouts: results, summary: stats })}\n`,
    );
  } finally {
    // The Deployment first, or its ReplicaSet would replace the pods being deleted.
    await http.request(
      'DELETE',
      `/apis/apps/v1/namespaces/${namespace}/deployments/rollout-bench`,
      JSON.stringify({ propagationPolicy: 'Background' }),
      { 'Content-Type': 'application/json' },
    );
    await deleteAllPods(http, namespace).catch(() => {});
    await cluster.shutdown(namespace);
  }
}

main().catch((err) => {
  process.stderr.write(`bench/rollout failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
