import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatLabels,
  labelSelectorFromObject,
  labelSelectorFromSet,
  labelSelectorToString,
  parseLabelSelector,
} from './label-selector.ts';

const web = { app: 'web', tier: 'frontend', env: 'prod' };

test('equality, inequality and set operators', () => {
  assert.equal(parseLabelSelector('app=web').matches(web), true);
  assert.equal(parseLabelSelector('app==web').matches(web), true);
  assert.equal(parseLabelSelector('app=db').matches(web), false);
  assert.equal(parseLabelSelector('app!=db').matches(web), true);
  assert.equal(parseLabelSelector('app!=web').matches(web), false);
  assert.equal(parseLabelSelector('missing!=x').matches(web), true, '!= matches when the label is absent');
  assert.equal(parseLabelSelector('tier in (frontend, backend)').matches(web), true);
  assert.equal(parseLabelSelector('tier in (backend)').matches(web), false);
  assert.equal(parseLabelSelector('tier notin (backend)').matches(web), true);
  assert.equal(parseLabelSelector('missing notin (x)').matches(web), true);
  assert.equal(parseLabelSelector('missing in (x)').matches(web), false);
  assert.equal(parseLabelSelector('env').matches(web), true);
  assert.equal(parseLabelSelector('!env').matches(web), false);
  assert.equal(parseLabelSelector('!canary').matches(web), true);
  assert.equal(parseLabelSelector('app=web,tier=frontend,!canary').matches(web), true);
  assert.equal(parseLabelSelector('app=web,tier=backend').matches(web), false);
});

test('numeric comparisons', () => {
  assert.equal(parseLabelSelector('gen>2').matches({ gen: '3' }), true);
  assert.equal(parseLabelSelector('gen>2').matches({ gen: '2' }), false);
  assert.equal(parseLabelSelector('gen<2').matches({ gen: '1' }), true);
  assert.equal(parseLabelSelector('gen<2').matches({ gen: 'x' }), false);
  assert.equal(parseLabelSelector('gen<2').matches({}), false);
  assert.throws(() => parseLabelSelector('gen>x'), /for 'Gt', 'Lt' operators, the value must be an integer/);
});

test('empty selector matches everything; empty values are allowed', () => {
  const all = parseLabelSelector('');
  assert.equal(all.empty(), true);
  assert.equal(all.matches(undefined), true);
  assert.equal(all.matches({ a: 'b' }), true);
  assert.equal(parseLabelSelector('   ').empty(), true);
  assert.equal(parseLabelSelector('a=').matches({ a: '' }), true);
  assert.equal(parseLabelSelector('a=').matches({}), false);
  assert.equal(parseLabelSelector('a in ()').matches({ a: '' }), true);
  assert.deepEqual(parseLabelSelector('a in (,x)').requirements[0].values, ['', 'x']);
  assert.deepEqual(parseLabelSelector('a in (x,,y)').requirements[0].values, ['', 'x', 'y']);
  assert.equal(parseLabelSelector('a').empty(), false);
  assert.equal(parseLabelSelector('a').matches(undefined), false);
});

test('keywords are ordinary words where a key or value is expected', () => {
  assert.equal(parseLabelSelector('in=notin').matches({ in: 'notin' }), true);
  assert.equal(parseLabelSelector('a in (in, notin)').matches({ a: 'notin' }), true);
});

test('canonical string form: sorted by key, values sorted and de-duplicated', () => {
  assert.equal(parseLabelSelector('tier in (b, a, b),app = web').toString(), 'app=web,tier in (a,b)');
  assert.equal(parseLabelSelector('x notin (z),!y,w,v==1,u!=2,t>3').toString(), 't>3,u!=2,v==1,w,x notin (z),!y');
  assert.equal(parseLabelSelector('').toString(), '');
  assert.equal(parseLabelSelector('k8s.io/app=web').toString(), 'k8s.io/app=web');
});

test('syntax errors carry Kubernetes messages', () => {
  const cases: [string, string][] = [
    ['a=b,', "found '', expected: identifier after ','"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in x', "unable to parse requirement: found 'x' expected: '('"],
    ['a in (x y)', "unable to parse requirement: found 'y', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    [
      '-a=b',
      "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
  ];
  for (const [input, message] of cases) assert.throws(() => parseLabelSelector(input), { message }, input);
  assert.throws(
    () => parseLabelSelector('a=b_'),
    (e: Error) =>
      e.message.startsWith('unable to parse requirement: values[0][a]: Invalid value: "b_": a valid label must be an empty string'),
  );
});

test('object selectors: nil matches nothing, {} matches everything', () => {
  const none = labelSelectorFromObject(undefined);
  assert.equal(none.matches(web), false);
  assert.equal(none.empty(), false);
  assert.equal(labelSelectorFromObject(null).matches({}), false);
  const all = labelSelectorFromObject({});
  assert.equal(all.matches(web), true);
  assert.equal(all.empty(), true);
  assert.equal(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).empty(), true);
});

test('object selectors: matchLabels and matchExpressions', () => {
  const sel = labelSelectorFromObject({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['frontend', 'backend'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'env', operator: 'Exists' },
      { key: 'zone', operator: 'NotIn', values: ['b'] },
    ],
  });
  assert.equal(sel.matches(web), true);
  assert.equal(sel.matches({ ...web, canary: 'yes' }), false);
  assert.equal(sel.matches({ app: 'web', tier: 'frontend' }), false);
  assert.equal(sel.toString(), 'app=web,!canary,env,tier in (backend,frontend),zone notin (b)');
  assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }), {
    message: '"Equals" is not a valid label selector operator',
  });
  assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), {
    message: "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
  });
});

test('labelSelectorToString as kubectl describe prints it', () => {
  assert.equal(
    labelSelectorToString({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }),
    'app=web,tier in (a,b)',
  );
  assert.equal(labelSelectorToString({}), '<none>');
  assert.equal(labelSelectorToString(undefined), '<none>');
  assert.equal(labelSelectorToString({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
});

test('selector from a label set and label formatting', () => {
  const sel = labelSelectorFromSet({ tier: 'a', app: 'web' });
  assert.equal(sel.toString(), 'app=web,tier=a');
  assert.equal(sel.matches({ app: 'web', tier: 'a', x: 'y' }), true);
  assert.equal(sel.matches({ app: 'web' }), false);
  assert.equal(labelSelectorFromSet({}).matches({}), true);
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabels(undefined), '<none>');
});
