// A malformed continue token is explained as Kubernetes' storage.DecodeContinue explains it
// (kube-apiserver answers 400 "invalid continue token: <reason>").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { continueTokenProblem } from './continue-token.ts';

const token = (json: string) => Buffer.from(json).toString('base64url');

test('tokens Kubernetes would decode have no problem', () => {
  assert.equal(continueTokenProblem(token('{"v":"meta.k8s.io/v1","rv":12,"start":"/registry/configmaps/ns/b"}')), undefined);
  assert.equal(continueTokenProblem(token('{"v":"meta.k8s.io/v1","rv":12,"start":"b\\u0000","n":3}')), undefined);
  // Go skips CR and LF inside base64 and matches JSON field names case-insensitively.
  assert.equal(continueTokenProblem(`${token('{"V":"meta.k8s.io/v1","RV":-1,"start":"b"}')}\n`), undefined);
});

test('each malformed token gets its reason', () => {
  const cases: [string, string][] = [
    ['x', 'continue key is not valid: illegal base64 data at input byte 0'],
    ['abcde', 'continue key is not valid: illegal base64 data at input byte 4'],
    ['ab=', 'continue key is not valid: illegal base64 data at input byte 2'],
    ['a+c/', 'continue key is not valid: illegal base64 data at input byte 1'],
    ['abc', "continue key is not valid: invalid character 'i' looking for beginning of value"],
    [token('{"v":'), 'continue key is not valid: unexpected end of JSON input'],
    [token('[1]'), 'continue key is not valid: json: cannot unmarshal array into Go value of type storage.continueToken'],
    [
      token('{"v":"meta.k8s.io/v1","rv":"5","start":"a"}'),
      'continue key is not valid: json: cannot unmarshal string into Go struct field continueToken.rv of type int64',
    ],
    [
      token('{"v":"meta.k8s.io/v1","rv":1.5,"start":"a"}'),
      'continue key is not valid: json: cannot unmarshal number 1.5 into Go struct field continueToken.rv of type int64',
    ],
    [token('{}'), 'continue key is not valid: server does not recognize this encoded version '],
    [
      token('{"v":"meta.k8s.io/v2","rv":5,"start":"a"}'),
      'continue key is not valid: server does not recognize this encoded version meta.k8s.io/v2',
    ],
    [
      token('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}'),
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    ],
    [token('{"v":"meta.k8s.io/v1","rv":5}'), 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)'],
    [token('{"v":"meta.k8s.io/v1","rv":5,"start":"a/../../b"}'), 'continue key is not valid: a/../../b'],
    [token('{"v":"meta.k8s.io/v1","rv":5,"start":"/a//b"}'), 'continue key is not valid: /a//b'],
  ];
  for (const [input, reason] of cases) assert.equal(continueTokenProblem(input), reason, input);
});
