// Configuration backup/restore: `kubectl get -o yaml` output of every served kind can be
// applied to a fresh server, and every object comes back with the same content (ignoring
// the metadata and status the server owns).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { type HaleServer, type KubectlResult, startHale, stopHale } from './harness.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/backup');
const BACKUP_LABEL = 'hale.e2e/backup=yes';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Resources dumped in one `kubectl get`; namespaces come first so a restore creates them first. */
const singleViewResources = [
  'namespaces',
  'nodes',
  'storageclasses',
  'persistentvolumes',
  'configmaps',
  'secrets',
  'services',
  'endpoints',
  'serviceaccounts',
  'pods',
  'podtemplates',
  'replicationcontrollers',
  'persistentvolumeclaims',
  'deployments',
  'replicasets',
  'statefulsets',
  'daemonsets',
  'controllerrevisions',
  'jobs',
  'cronjobs',
  'ingressclasses',
  'ingresses',
  'poddisruptionbudgets',
  'clusterroles',
  'clusterrolebindings',
  'roles',
  'rolebindings',
  'leases',
  'endpointslices',
];

/**
 * Events and HPAs are served in two API versions over the same stored objects; each fixture
 * carries a hale.e2e/view label naming the version it should be dumped in, so every object
 * appears once in the dump.
 */
const multiViewResources: [resource: string, view: string][] = [
  ['events', 'core'],
  ['events.events.k8s.io', 'events'],
  ['horizontalpodautoscalers.v2.autoscaling', 'v2'],
  ['horizontalpodautoscalers.v1.autoscaling', 'v1'],
];

/** apiVersion/kind of every fixture object: one of every served (listable) kind. */
const expectedKinds = [
  'v1/Namespace',
  'v1/Node',
  'storage.k8s.io/v1/StorageClass',
  'v1/PersistentVolume',
  'v1/ConfigMap',
  'v1/Secret',
  'v1/Service',
  'v1/Endpoints',
  'v1/ServiceAccount',
  'v1/Pod',
  'v1/PodTemplate',
  'v1/ReplicationController',
  'v1/PersistentVolumeClaim',
  'apps/v1/Deployment',
  'apps/v1/ReplicaSet',
  'apps/v1/StatefulSet',
  'apps/v1/DaemonSet',
  'apps/v1/ControllerRevision',
  'batch/v1/Job',
  'batch/v1/CronJob',
  'networking.k8s.io/v1/IngressClass',
  'networking.k8s.io/v1/Ingress',
  'policy/v1/PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding',
  'coordination.k8s.io/v1/Lease',
  'discovery.k8s.io/v1/EndpointSlice',
  'v1/Event',
  'events.k8s.io/v1/Event',
  'autoscaling/v2/HorizontalPodAutoscaler',
  'autoscaling/v1/HorizontalPodAutoscaler',
];

/** A manifest as free-form JSON. */
type Obj = Record<string, any>;

interface Dump {
  /** The kubectl output, documents joined unchanged. */
  text: string;
  items: Obj[];
}

const keyOf = (o: Obj) => `${o.apiVersion}/${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

async function kubectlOk(server: HaleServer, args: string[]): Promise<KubectlResult> {
  const r = await server.kubectl('1.33', args);
  if (r.code !== 0) assert.fail(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r;
}

/** `kubectl get … -A -o yaml` of every fixture object, as a multi-document file. */
async function dump(server: HaleServer): Promise<Dump> {
  const runs = [['get', singleViewResources.join(','), '-A', '-l', BACKUP_LABEL, '-o', 'yaml']];
  for (const [resource, view] of multiViewResources)
    runs.push(['get', resource, '-A', '-l', `${BACKUP_LABEL},hale.e2e/view=${view}`, '-o', 'yaml']);
  const outputs: string[] = [];
  for (const args of runs) outputs.push((await kubectlOk(server, args)).stdout);
  const text = outputs.join('---\n');
  const items = parseAllDocuments(text).flatMap((doc) => (doc.toJS() as Obj).items as Obj[]);
  return { text, items };
}

/** Drop what the server owns: identity, revision, timestamps, managed fields, status (and its v1 HPA annotations). */
function userContent(obj: Obj): Obj {
  const copy = structuredClone(obj);
  delete copy.status;
  const meta = copy.metadata;
  for (const field of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink']) delete meta[field];
  if (meta.annotations) {
    delete meta.annotations[LAST_APPLIED];
    // An autoscaling/v1 HPA carries its v2 status (the HPA controller's) in these annotations.
    delete meta.annotations['autoscaling.alpha.kubernetes.io/conditions'];
    delete meta.annotations['autoscaling.alpha.kubernetes.io/current-metrics'];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  // Node condition taints (not-ready, unreachable, …) belong to the node-lifecycle controller.
  if (copy.kind === 'Node' && Array.isArray(copy.spec?.taints)) {
    copy.spec.taints = copy.spec.taints.filter((t: Obj) => !String(t.key).startsWith('node.kubernetes.io/'));
  }
  return copy;
}

/** Every object of `expected` exists in `actual` with equal user content. */
function assertSameContent(expected: Dump, actual: Dump): void {
  const byKey = new Map(actual.items.map((o) => [keyOf(o), o]));
  const problems: string[] = [];
  for (const want of expected.items) {
    const got = byKey.get(keyOf(want));
    if (!got) {
      problems.push(`${keyOf(want)}: missing`);
      continue;
    }
    try {
      assert.deepEqual(userContent(got), userContent(want));
    } catch (err) {
      problems.push(`${keyOf(want)}: ${(err as Error).message}`);
    }
  }
  assert.equal(actual.items.length, expected.items.length, 'the restored server holds a different number of objects');
  assert.deepEqual(problems, [], `objects differ after restore:\n${problems.join('\n')}`);
}

describe('backup/restore with kubectl get -o yaml', () => {
  let source: HaleServer;
  let target: HaleServer;
  let backup: Dump;
  let dumpFile: string;

  before(async () => {
    [source, target] = await Promise.all([startHale(), startHale()]);
  });
  after(async () => {
    await Promise.all([stopHale(source), stopHale(target)]);
  });

  test('the fixtures cover every listable served resource', async () => {
    const served = (await kubectlOk(source, ['api-resources', '--verbs=list', '-o', 'name'])).stdout.trim().split('\n');
    const dumped = new Set(
      [...singleViewResources, ...multiViewResources.map(([r]) => r)].map((r) => r.replace(/\.v[12]\.autoscaling$/, '.autoscaling')),
    );
    const short = (name: string) => name.split('.')[0];
    // metrics.k8s.io (kubectl top) is measured, not stored, and the CRD list is always empty:
    // nothing to back up.
    const stored = served.filter((name) => !name.endsWith('.metrics.k8s.io') && name !== 'customresourcedefinitions.apiextensions.k8s.io');
    const missing = stored.filter((name) => !dumped.has(name) && !dumped.has(short(name)));
    assert.deepEqual(missing, [], 'served resources without a backup fixture');
  });

  test('fixtures of every kind apply to the source server', async () => {
    const r = await kubectlOk(source, ['apply', '-f', fixtures]);
    const created = r.stdout.trim().split('\n');
    assert.equal(created.length, expectedKinds.length, r.stdout);
    for (const line of created) assert.match(line, / created$/);
  });

  test('the dump holds each fixture object once, in its own API version', async () => {
    backup = await dump(source);
    dumpFile = join(target.dataDir, 'backup.yaml');
    writeFileSync(dumpFile, backup.text);
    const kinds = backup.items.map((o) => `${o.apiVersion}/${o.kind}`);
    assert.deepEqual([...kinds].sort(), [...expectedKinds].sort());
    const pod = backup.items.find((o) => o.kind === 'Pod')!;
    assert.equal(pod.spec.nodeName, undefined, 'the standalone pod must stay unscheduled');
    assert.ok(pod.metadata.uid && pod.metadata.resourceVersion, 'a raw dump carries server-owned metadata');
  });

  test('the raw dump applies to a fresh server and every object comes back equal', async () => {
    const r = await kubectlOk(target, ['apply', '-f', dumpFile]);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, backup.items.length, r.stdout);
    for (const line of lines) assert.match(line, / created$/);
    const restored = await dump(target);
    assertSameContent(backup, restored);
    // The restored objects are new objects with their own identity.
    const sourceUids = new Set(backup.items.map((o) => o.metadata.uid));
    for (const o of restored.items) assert.ok(!sourceUids.has(o.metadata.uid), `${keyOf(o)} kept the old uid`);
  });

  test('re-applying a raw dumped object is refused because it names the old resourceVersion, as in Kubernetes', async () => {
    // The dump is now the last-applied configuration, so kubectl's patch carries the source
    // server's metadata.resourceVersion (and uid): kube-apiserver compares the patched
    // object's resourceVersion with the stored one before anything else, hence a Conflict.
    // kubectl retries a conflicting patch with back-off for seconds, so one object is enough.
    const configMap = backup.items.find((o) => o.kind === 'ConfigMap')!;
    const file = join(target.dataDir, 'configmap-raw.json');
    const before = await kubectlOk(target, ['get', 'cm', 'app-config', '-n', 'backup-e2e', '-o', 'jsonpath={.metadata.resourceVersion}']);
    // Both servers count revisions from 1, so the source's resourceVersion can equal the target's
    // by chance; then Kubernetes too gets past the Conflict, to the uid, which is immutable (422).
    const stale =
      configMap.metadata.resourceVersion === before.stdout ? String(Number(before.stdout) - 1) : configMap.metadata.resourceVersion;
    writeFileSync(file, JSON.stringify({ ...configMap, metadata: { ...configMap.metadata, resourceVersion: stale } }));
    const r = await target.kubectl('1.33', ['apply', '-f', file]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /Error from server \(Conflict\): [\s\S]*Operation cannot be fulfilled on configmaps "app-config": the object has been modified; please apply your changes to the latest version and try again/,
    );
    const afterwards = await kubectlOk(target, [
      'get',
      'cm',
      'app-config',
      '-n',
      'backup-e2e',
      '-o',
      'jsonpath={.metadata.resourceVersion}',
    ]);
    assert.equal(afterwards.stdout, before.stdout, 'the refused patch changed the object');
  });

  test('the dump without server-owned metadata re-applies as configured, then unchanged', async () => {
    const cleaned = backup.items.map(userContent);
    const cleanFile = join(target.dataDir, 'backup-clean.json');
    // JSON, not YAML: kubectl reads YAML 1.1, where an unquoted `yes` label value is a boolean.
    writeFileSync(cleanFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: cleaned }));
    const uidsBefore = new Map((await dump(target)).items.map((o) => [keyOf(o), o.metadata.uid]));

    const first = await kubectlOk(target, ['apply', '-f', cleanFile]);
    const firstLines = first.stdout.trim().split('\n');
    assert.equal(firstLines.length, backup.items.length, first.stdout);
    for (const line of firstLines) assert.match(line, / (configured|unchanged)$/);
    const restored = await dump(target);
    assertSameContent(backup, restored);
    for (const o of restored.items) assert.equal(o.metadata.uid, uidsBefore.get(keyOf(o)), `${keyOf(o)} changed identity`);

    // A PDB's selector has patch strategy "replace", so kubectl's patch for it is never empty
    // and it reports "configured"; the server must still treat the patch as a no-op.
    // The Node's taints are an atomic list it shares with the node-lifecycle controller, which
    // taints this agentless node unreachable: kubectl sends the list again every time, as it
    // would on Kubernetes, and the controller puts its taint back.
    const second = await kubectlOk(target, ['apply', '-f', cleanFile]);
    for (const line of second.stdout.trim().split('\n'))
      assert.match(line, /^poddisruptionbudget.policy\/shop configured$|^node\/backup-node-1 configured$| unchanged$/);
    const afterwards = await dump(target);
    for (const o of afterwards.items) {
      if (o.kind === 'Node') continue;
      const prior = restored.items.find((p) => keyOf(p) === keyOf(o))!;
      assert.equal(o.metadata.resourceVersion, prior.metadata.resourceVersion, `${keyOf(o)} was rewritten by a no-op apply`);
    }
  });

  test('a Job with a server-generated selector cannot be recreated from its dump, as in Kubernetes', async () => {
    const job =
      'apiVersion: batch/v1\nkind: Job\nmetadata: {name: generated, namespace: default}\nspec:\n  suspend: true\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: registry.local/c:1}]\n';
    const file = join(source.dataDir, 'generated-job.yaml');
    writeFileSync(file, job);
    await kubectlOk(source, ['apply', '-f', file]);
    const dumped = (await kubectlOk(source, ['get', 'job', 'generated', '-o', 'yaml'])).stdout;
    writeFileSync(file, dumped);
    const r = await target.kubectl('1.33', ['apply', '-f', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Job "generated" is invalid:[\s\S]*\* spec.selector: Invalid value: .*`selector` not auto-generated/);
  });
});
