// EventBridge's event-pattern operators, each as a table of events that match and events that do
// not (the cases of EventBridge's user guide, on ECR's events), and the patterns PutRule refuses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventPatternError, matchesPattern, parseEventPattern } from './event-patterns.js';

const push = {
  version: '0',
  id: 'e1',
  'detail-type': 'ECR Image Action',
  source: 'aws.ecr',
  account: '123456789012',
  time: '2026-12-07T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    result: 'SUCCESS',
    'repository-name': 'team/app',
    'image-digest': 'sha256:aa',
    'action-type': 'PUSH',
    'image-tag': 'v1.2.3',
    size: 512,
  },
};
const scan = {
  ...push,
  'detail-type': 'ECR Image Scan',
  resources: ['arn:aws:ecr:us-east-1:123456789012:repository/team/app', 'arn:other'],
  detail: { 'scan-status': 'COMPLETE', 'finding-severity-counts': { CRITICAL: 2, HIGH: 0 }, 'image-tags': ['a', 'b'] },
};

/** [pattern, event, expected] */
const cases: Array<[string, object, object, boolean]> = [
  ['exact string', { source: ['aws.ecr'] }, push, true],
  ['exact string, other', { source: ['aws.s3'] }, push, false],
  ['one of several values', { 'detail-type': ['ECR Image Scan', 'ECR Image Action'] }, push, true],
  ['nested field', { detail: { 'action-type': ['PUSH'] } }, push, true],
  ['nested field, other', { detail: { 'action-type': ['DELETE'] } }, push, false],
  ['every field must match', { source: ['aws.ecr'], detail: { result: ['FAILURE'] } }, push, false],
  ['a field missing fails', { detail: { 'image-tag': ['v1.2.3'] } }, scan, false],
  ['array field: one element matches', { resources: ['arn:other'] }, scan, true],
  ['array field: none matches', { resources: ['arn:none'] }, scan, false],
  ['number exact', { detail: { size: [512] } }, push, true],
  ['number is not its string', { detail: { size: ['512'] } }, push, false],
  ['prefix', { detail: { 'repository-name': [{ prefix: 'team/' }] } }, push, true],
  ['prefix, other', { detail: { 'repository-name': [{ prefix: 'ops/' }] } }, push, false],
  [
    'prefix ignoring case',
    { detail: { 'repository-name': [{ prefix: { 'equals-ignore-case': 'TEAM/' } }] } },
    push,
    true,
  ],
  ['suffix', { detail: { 'image-tag': [{ suffix: '.3' }] } }, push, true],
  ['suffix, other', { detail: { 'image-tag': [{ suffix: '-rc' }] } }, push, false],
  ['equals-ignore-case', { detail: { 'action-type': [{ 'equals-ignore-case': 'push' }] } }, push, true],
  ['anything-but a value', { detail: { 'action-type': [{ 'anything-but': 'DELETE' }] } }, push, true],
  ['anything-but the value', { detail: { 'action-type': [{ 'anything-but': 'PUSH' }] } }, push, false],
  ['anything-but a list', { detail: { 'action-type': [{ 'anything-but': ['DELETE', 'EXPIRED'] }] } }, push, true],
  ['anything-but a list with it', { detail: { 'action-type': [{ 'anything-but': ['PUSH', 'DELETE'] }] } }, push, false],
  ['anything-but a prefix', { detail: { 'repository-name': [{ 'anything-but': { prefix: 'ops/' } }] } }, push, true],
  [
    'anything-but its prefix',
    { detail: { 'repository-name': [{ 'anything-but': { prefix: 'team/' } }] } },
    push,
    false,
  ],
  ['anything-but a suffix', { detail: { 'image-tag': [{ 'anything-but': { suffix: '-rc' } }] } }, push, true],
  ['anything-but on a missing field', { detail: { missing: [{ 'anything-but': 'x' }] } }, push, false],
  ['anything-but a number', { detail: { size: [{ 'anything-but': 100 }] } }, push, true],
  ['numeric >', { detail: { size: [{ numeric: ['>', 100] }] } }, push, true],
  ['numeric range', { detail: { size: [{ numeric: ['>=', 512, '<', 1024] }] } }, push, true],
  ['numeric range, outside', { detail: { size: [{ numeric: ['>', 0, '<=', 511] }] } }, push, false],
  ['numeric =', { detail: { size: [{ numeric: ['=', 512] }] } }, push, true],
  ['numeric on a string', { detail: { 'image-tag': [{ numeric: ['>', 0] }] } }, push, false],
  [
    'numeric nested deeper',
    { detail: { 'finding-severity-counts': { CRITICAL: [{ numeric: ['>', 0] }] } } },
    scan,
    true,
  ],
  [
    'numeric nested deeper, none',
    { detail: { 'finding-severity-counts': { HIGH: [{ numeric: ['>', 0] }] } } },
    scan,
    false,
  ],
  ['exists true', { detail: { 'image-tag': [{ exists: true }] } }, push, true],
  ['exists true, missing', { detail: { 'image-tag': [{ exists: true }] } }, scan, false],
  ['exists false, missing', { detail: { 'image-tag': [{ exists: false }] } }, scan, true],
  ['exists false, present', { detail: { 'image-tag': [{ exists: false }] } }, push, false],
  ['exists false under a missing object', { nothing: { here: [{ exists: false }] } }, push, true],
  ['wildcard', { detail: { 'repository-name': [{ wildcard: 'team/*' }] } }, push, true],
  ['wildcard in the middle', { detail: { 'image-tag': [{ wildcard: 'v1.*.3' }] } }, push, true],
  ['wildcard, other', { detail: { 'image-tag': [{ wildcard: 'v2.*' }] } }, push, false],
  ['wildcard matches whole value', { detail: { 'repository-name': [{ wildcard: 'team' }] } }, push, false],
  ['wildcard escapes regex characters', { detail: { 'image-tag': [{ wildcard: 'v1?2*' }] } }, push, false],
  ['array of tags, wildcard', { detail: { 'image-tags': [{ wildcard: 'b*' }] } }, scan, true],
  [
    '$or: one branch',
    { $or: [{ detail: { 'action-type': ['DELETE'] } }, { detail: { 'image-tag': [{ prefix: 'v1' }] } }] },
    push,
    true,
  ],
  ['$or: no branch', { $or: [{ detail: { 'action-type': ['DELETE'] } }, { source: ['aws.s3'] }] }, push, false],
  ['null matches null', { detail: { none: [null] } }, { detail: { none: null } }, true],
  ['null does not match a missing field', { detail: { none: [null] } }, { detail: {} }, false],
  ['boolean', { detail: { flag: [true] } }, { detail: { flag: true } }, true],
];

describe('EventBridge event patterns', () => {
  for (const [name, pattern, event, expected] of cases) {
    test(`${name}: ${expected ? 'matches' : 'does not match'}`, () => {
      assert.equal(matchesPattern(parseEventPattern(JSON.stringify(pattern)), event), expected);
    });
  }

  const invalid: Array<[string, string]> = [
    ['not JSON', '{"source": '],
    ['not an object', '["aws.ecr"]'],
    ['a bare value', '{"source": "aws.ecr"}'],
    ['an empty list', '{"source": []}'],
    ['an unknown operator', '{"source": [{"regex": "a.*"}]}'],
    ['two operators in one', '{"source": [{"prefix": "a", "suffix": "b"}]}'],
    ['a prefix that is not a string', '{"source": [{"prefix": 1}]}'],
    ['exists not boolean', '{"source": [{"exists": "yes"}]}'],
    ['numeric with an unknown comparison', '{"n": [{"numeric": ["!=", 1]}]}'],
    ['numeric with a string operand', '{"n": [{"numeric": [">", "1"]}]}'],
    ['numeric odd length', '{"n": [{"numeric": [">"]}]}'],
    ['anything-but a nested list', '{"n": [{"anything-but": [[1]]}]}'],
    ['wildcard with **', '{"n": [{"wildcard": "a**"}]}'],
    ['$or with one branch', '{"$or": [{"source": ["a"]}]}'],
  ];
  for (const [name, text] of invalid) {
    test(`refused: ${name}`, () => {
      assert.throws(() => parseEventPattern(text), EventPatternError);
    });
  }
});
