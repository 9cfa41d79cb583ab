// VPC endpoint policies in the decision: they bound every caller, the root included; an explicit
// deny or no allow refuses, in AWS's words; an allow naming the caller's account suffices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePolicy } from './document.js';
import { denialMessage, evaluate, type EvaluationInput } from './evaluate.js';
import { buildContext, type Caller } from './request.js';

const A = '111111111111';
const REPO = `arn:aws:ecr:us-east-1:${A}:repository/app`;
const root: Caller = { type: 'Account', arn: `arn:aws:iam::${A}:root`, accountId: A, userId: A };

function input(action: string, endpoint: object[] | undefined, caller: Caller = root): EvaluationInput {
  return {
    caller,
    action,
    resource: REPO,
    resourceAccount: A,
    context: buildContext(caller, { sourceVpce: 'vpce-1', sourceVpc: 'vpc-1' }, Date.now()),
    identityPolicies: [],
    resourcePolicies: [],
    ...(endpoint && {
      endpointPolicies: [
        {
          name: 'endpoint vpce-1',
          document: parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: endpoint }), {
            kind: 'resource',
            maxLength: 20_480,
          }),
        },
      ],
    }),
  };
}

test('without an endpoint policy the root is allowed as before', () => {
  assert.equal(evaluate(input('ecr:PutImage', undefined)).reason, 'account-root');
});

test('an explicit deny in the endpoint policy refuses the root, naming a VPC endpoint policy', () => {
  const request = input('ecr:PutImage', [
    { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
    { Effect: 'Deny', Principal: '*', Action: 'ecr:PutImage', Resource: '*' },
  ]);
  const decision = evaluate(request);
  assert.deepEqual([decision.effect, decision.statement?.kind], ['ExplicitDeny', 'endpoint']);
  assert.match(denialMessage(request, decision), /with an explicit deny in a VPC endpoint policy$/);
});

test('an action the endpoint policy does not allow is refused; an allowed one goes on to the other policies', () => {
  const only = [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'ecr:BatchGetImage', Resource: '*' },
  ];
  const refused = input('ecr:PutImage', only);
  const decision = evaluate(refused);
  assert.equal(decision.reason, 'no-endpoint-allow');
  assert.match(denialMessage(refused, decision), /because no VPC endpoint policy allows the ecr:PutImage action$/);
  assert.equal(evaluate(input('ecr:BatchGetImage', only)).reason, 'account-root');
});

test('aws:SourceVpce and aws:SourceVpc are condition keys of the request', () => {
  const allowed = input('ecr:BatchGetImage', [
    {
      Effect: 'Allow',
      Principal: '*',
      Action: '*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1', 'aws:SourceVpc': 'vpc-1' } },
    },
  ]);
  assert.equal(evaluate(allowed).allowed, true);
  const other = input('ecr:BatchGetImage', [
    { Effect: 'Allow', Principal: '*', Action: '*', Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-2' } } },
  ]);
  assert.equal(evaluate(other).reason, 'no-endpoint-allow');
});
