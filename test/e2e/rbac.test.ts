// rbac.authorization.k8s.io/v1 with the real kubectl: the four kinds are served (stored,
// validated, printed; not enforced), cluster-admin exists from the start, and the commands
// users run on them work: create role/rolebinding (protobuf bodies), apply, get -o wide,
// describe, and `auth reconcile`, which recreates a binding whose roleRef changed (a typed
// DELETE whose protobuf DeleteOptions carry the RBAC group version).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectKubectl, type HaleServer, type KubectlOptions, startHale, stopHale } from './harness.ts';

const appRbac = (roleRef: string) => `apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: app, namespace: default}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, watch, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app, namespace: default}
roleRef: ${roleRef}
subjects:
- {kind: ServiceAccount, name: app, namespace: default}
`;

describe('rbac.authorization.k8s.io/v1 with kubectl', () => {
  let hale: HaleServer;
  const k = (args: string[], opts: KubectlOptions = {}) => expectKubectl(hale, '1.33', args, opts);

  before(async () => {
    hale = await startHale();
  });
  after(async () => {
    await stopHale(hale);
  });

  test('discovery lists the four kinds, and cluster-admin is bound to system:masters', async () => {
    const resources = await k(['api-resources', '--api-group', 'rbac.authorization.k8s.io']);
    for (const [plural, namespaced, kind] of [
      ['clusterrolebindings', 'false', 'ClusterRoleBinding'],
      ['clusterroles', 'false', 'ClusterRole'],
      ['rolebindings', 'true', 'RoleBinding'],
      ['roles', 'true', 'Role'],
    ]) {
      assert.match(resources.stdout, new RegExp(`^${plural}\\s+rbac\\.authorization\\.k8s\\.io/v1\\s+${namespaced}\\s+${kind}$`, 'm'));
    }
    const roles = await k(['get', 'clusterroles']);
    assert.match(roles.stdout, /^NAME\s+CREATED AT$/m);
    assert.match(roles.stdout, /^cluster-admin\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    const binding = await k(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide']);
    assert.match(binding.stdout, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/m);
    assert.match(binding.stdout, /^cluster-admin\s+ClusterRole\/cluster-admin\s+\d+s\s+system:masters\s*$/m);
  });

  test('create role and rolebinding, get -o wide and describe', async () => {
    const created = await k(['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods,deployments.apps', '-v=8']);
    assert.match(created.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
    await k(['create', 'rolebinding', 'readers', '--role=pod-reader', '--user=jane', '--group=devs', '--serviceaccount=default:ci']);
    const wide = await k(['get', 'rolebinding', 'readers', '-o', 'wide']);
    assert.match(wide.stdout, /^readers\s+Role\/pod-reader\s+\d+s\s+jane\s+devs\s+default\/ci$/m);
    const role = JSON.parse((await k(['get', 'role', 'pod-reader', '-o', 'json'])).stdout);
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
    ]);
    const describeRole = await k(['describe', 'role', 'pod-reader']);
    assert.match(describeRole.stdout, /^\s+pods\s+\[\]\s+\[\]\s+\[get list\]$/m);
    assert.match(describeRole.stdout, /^\s+deployments\.apps\s+\[\]\s+\[\]\s+\[get list\]$/m);
    const describeBinding = await k(['describe', 'rolebinding', 'readers']);
    assert.match(describeBinding.stdout, /^\s+ServiceAccount\s+ci\s+default$/m);
    assert.match(describeBinding.stdout, /^\s+Kind:\s+Role$/m);

    const old = await expectKubectl(hale, '1.27', ['create', 'clusterrole', 'pod-lister', '--verb=list', '--resource=pods']);
    assert.match(old.stdout, /clusterrole\.rbac\.authorization\.k8s\.io\/pod-lister created/);
    assert.match((await expectKubectl(hale, '1.27', ['get', 'clusterroles'])).stdout, /^pod-lister\s/m);
  });

  test('apply keeps the roleRef immutable; auth reconcile recreates the binding', async () => {
    const file = join(hale.dataDir, 'app-rbac.yaml');
    writeFileSync(file, appRbac('{apiGroup: rbac.authorization.k8s.io, kind: Role, name: app}'));
    assert.match((await k(['apply', '-f', file])).stdout, /rolebinding\.rbac\.authorization\.k8s\.io\/app created/);
    assert.match((await k(['apply', '-f', file])).stdout, /rolebinding\.rbac\.authorization\.k8s\.io\/app unchanged/);

    writeFileSync(file, appRbac('{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}'));
    const changed = await k(['apply', '-f', file], { expectFail: true });
    assert.match(
      changed.stderr,
      /The RoleBinding "app" is invalid: roleRef: Invalid value: rbac\.RoleRef\{APIGroup:"rbac\.authorization\.k8s\.io", Kind:"ClusterRole", Name:"view"\}: cannot change roleRef/,
    );
    const reconciled = await k(['auth', 'reconcile', '-f', file]);
    assert.match(reconciled.stdout, /rolebinding\.rbac\.authorization\.k8s\.io\/app reconciled/);
    assert.match((await k(['get', 'rolebinding', 'app'])).stdout, /^app\s+ClusterRole\/view\s/m);
  });

  test('auth can-i --list lists every rule, and --as impersonates (nothing is enforced)', async () => {
    const list = await k(['auth', 'can-i', '--list']);
    assert.match(list.stdout, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/m);
    assert.match(list.stdout, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    const whoami = await k(['auth', 'whoami', '--as=jane', '--as-group=devs']);
    assert.match(whoami.stdout, /^Username\s+jane$/m);
    assert.match(whoami.stdout, /^Groups\s+\[devs system:authenticated\]$/m);
  });

  test('invalid roles and bindings are refused with the Kubernetes message', async () => {
    const file = join(hale.dataDir, 'bad-rbac.yaml');
    writeFileSync(file, 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: bad}\nrules:\n- resources: [pods]\n');
    const role = await k(['apply', '-f', file], { expectFail: true });
    assert.match(role.stderr, /rules\[0\]\.verbs: Required value: verbs must contain at least one value/);
    assert.match(role.stderr, /rules\[0\]\.apiGroups: Required value: resource rules must supply at least one api group/);
    writeFileSync(
      file,
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: bad}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: x}\nsubjects:\n- {kind: ServiceAccount, name: ci}\n',
    );
    const binding = await k(['apply', '-f', file], { expectFail: true });
    assert.match(binding.stderr, /roleRef\.kind: Unsupported value: "Role": supported values: "ClusterRole"/);
    assert.match(binding.stderr, /subjects\[0\]\.namespace: Required value/);
    await k(['get', 'role', 'bad'], { expectFail: true });
    await k(['get', 'clusterrolebinding', 'bad'], { expectFail: true });
  });
});
