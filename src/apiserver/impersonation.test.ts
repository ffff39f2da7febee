import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import type { UserInfo } from './auth.ts';
import { StatusError } from './errors.ts';
import { impersonatedUser } from './impersonation.ts';

const admin: UserInfo = { name: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
const request = (...rawHeaders: string[]) => ({ rawHeaders }) as unknown as IncomingMessage;

test('without Impersonate-* headers the request is the authenticated user', () => {
  assert.equal(impersonatedUser(request('Authorization', 'Bearer x'), admin), admin);
});

test('Impersonate-User, -Group (repeated), -Uid and -Extra-* replace the user', () => {
  const user = impersonatedUser(
    request(
      'Impersonate-User',
      'jane',
      'Impersonate-Group',
      'devs',
      'impersonate-group',
      'ops',
      'Impersonate-Uid',
      'u-1',
      'Impersonate-Extra-scopes%2Fv1',
      'view',
    ),
    admin,
  );
  assert.deepEqual(user, { name: 'jane', groups: ['devs', 'ops', 'system:authenticated'], uid: 'u-1', extra: { 'scopes/v1': ['view'] } });
});

test('a service account user brings its groups', () => {
  assert.deepEqual(impersonatedUser(request('Impersonate-User', 'system:serviceaccount:ci:bot'), admin)?.groups, [
    'system:serviceaccounts',
    'system:serviceaccounts:ci',
    'system:authenticated',
  ]);
});

test('groups without a user are refused; anonymous requests cannot impersonate', () => {
  assert.throws(() => impersonatedUser(request('Impersonate-Group', 'devs'), admin), StatusError);
  assert.equal(impersonatedUser(request('Impersonate-User', 'jane'), undefined), undefined);
});
