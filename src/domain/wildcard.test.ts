// ECR's `*` wildcard filters: any run of characters, the rest literal, the whole name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wildcardMatches } from './wildcard.js';

test('`*` is any run of characters, none included, and the filter matches the whole name', () => {
  assert.ok(wildcardMatches('prod-*', 'prod-1'));
  assert.ok(wildcardMatches('prod-*', 'prod-'));
  assert.ok(wildcardMatches('team/*', 'team/a/b'));
  assert.ok(wildcardMatches('*', ''));
  assert.ok(wildcardMatches('a*b*c', 'a-x-b-y-c'));
  assert.ok(!wildcardMatches('prod-*', 'xprod-1'), 'anchored at the start');
  assert.ok(!wildcardMatches('prod', 'prod-1'), 'anchored at the end');
  assert.ok(wildcardMatches('app', 'app'));
});

test("every other character stands for itself, a regular expression's too", () => {
  assert.ok(wildcardMatches('v1.0', 'v1.0'));
  assert.ok(!wildcardMatches('v1.0', 'v1x0'));
  for (const literal of ['a+b', 'a?b', '(a)', '[a]', '{1}', 'a|b', '^a$', 'a\\b', 'a-b'])
    assert.ok(wildcardMatches(literal, literal) && !wildcardMatches(literal, literal.replace(/[^a-z]/g, '')), literal);
});
