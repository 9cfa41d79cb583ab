// Fuzzing of the policy language (src/policy/document.ts, evaluate.ts): any text or JSON makes
// parsePolicy throw only PolicyValidationError; documents drawn from the IAM grammar evaluate
// against arbitrary requests without throwing, and the decision keeps IAM's laws: an explicit
// Deny always wins, no statement is an implicit deny, order does not matter, removing Deny
// statements never takes an Allow away, and nothing allows where every statement denies.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parsePolicy,
  parsePolicyObject,
  PolicyValidationError,
  type PolicyDocument,
  type PolicyKind,
} from '../policy/document.js';
import { evaluate, type EvaluationInput, type NamedPolicy } from '../policy/evaluate.js';
import { check, fc, onlyThrows } from './harness.js';
import { document, junk, request } from './policy-arbitraries.js';

const isValidationError = (err: unknown) => err instanceof PolicyValidationError;
const kind = fc.constantFrom<PolicyKind>('identity', 'resource', 'trust');

/** Parses a generated document, or undefined when the validator refuses it (a random value may be invalid). */
function parsed(raw: unknown, k: PolicyKind): PolicyDocument | undefined {
  return onlyThrows(
    () => parsePolicyObject(raw, k),
    isValidationError,
    `parsePolicyObject(${JSON.stringify(raw)}, ${k})`,
  );
}

const policies = (k: 'identity' | 'resource') =>
  fc.array(document(k), { maxLength: 3 }).map((docs) =>
    docs.flatMap((raw, i): NamedPolicy[] => {
      const doc = parsed(raw, k);
      return doc ? [{ name: `${k}-${i}`, document: doc }] : [];
    }),
  );
const input = fc
  .record({
    req: request,
    identity: policies('identity'),
    resource: policies('resource'),
    grant: fc.constantFrom(undefined, 'principal', 'account') as fc.Arbitrary<EvaluationInput['grant']>,
    keyPolicy: fc.boolean(),
  })
  .map(
    ({ req, identity, resource, grant, keyPolicy }): EvaluationInput => ({
      ...req,
      identityPolicies: identity,
      resourcePolicies: resource,
      ...(grant && { grant }),
      ...(keyPolicy && { rule: 'key-policy' as const }),
    }),
  );
const decide = (i: EvaluationInput) =>
  onlyThrows(
    () => evaluate(i),
    () => false,
    'evaluate',
  )!;
const mapStatements = (
  list: readonly NamedPolicy[],
  f: (s: PolicyDocument['statements']) => PolicyDocument['statements'],
) => list.map((p) => ({ ...p, document: { ...p.document, statements: f(p.document.statements) } }));
/** Callers with identity policies of their own (anonymous and web-identity callers have none). */
const hasIdentity = (i: EvaluationInput) =>
  i.caller.type !== 'Anonymous' && !(i.caller.federated !== undefined && i.caller.accountId === undefined);

describe('fuzz: parsePolicy throws only PolicyValidationError', () => {
  test('arbitrary text', (t) => {
    check(
      t,
      2000,
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
        ),
        kind,
        (text, k) => {
          onlyThrows(
            () => parsePolicy(text, { kind: k, maxLength: 10_240 }),
            isValidationError,
            `parsePolicy(${JSON.stringify(text)})`,
          );
        },
      ),
    );
  });

  test('documents from the grammar with junk (prototype names, wrong types) in any element', (t) => {
    const element = fc.constantFrom(
      'Version',
      'Id',
      'Statement',
      'Sid',
      'Effect',
      'Principal',
      'NotPrincipal',
      'Action',
      'NotAction',
      'Resource',
      'NotResource',
      'Condition',
      'op',
      'key',
      'constructor',
      '__proto__',
    );
    check(
      t,
      3000,
      fc.property(fc.oneof(document('identity'), document('resource')), element, junk, (doc, at, value) => {
        const name = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
        const copy = JSON.parse(JSON.stringify(doc)) as Record<string, any>;
        const statement = copy.Statement[0] as Record<string, any>;
        if (at === 'Version' || at === 'Id' || at === 'Statement') copy[at] = value;
        else if (at === 'op' && statement.Condition)
          statement.Condition = { [name]: Object.values(statement.Condition)[0] };
        else if (at === 'key' && statement.Condition) statement.Condition = { StringEquals: { [name]: 'x' } };
        else statement[at] = value;
        const text = JSON.stringify(copy);
        for (const k of ['identity', 'resource', 'trust'] as const) {
          const doc = onlyThrows(
            () => parsePolicy(text, { kind: k, maxLength: 10_240 }),
            isValidationError,
            `parsePolicy(${text}, ${k})`,
          );
          // What the validator accepts, the evaluator must be able to evaluate.
          if (doc)
            for (const req of SAMPLE_REQUESTS)
              decide({
                ...req,
                identityPolicies: k === 'identity' ? [{ name: 'p', document: doc }] : [],
                resourcePolicies: k === 'identity' ? [] : [{ name: 'p', document: doc }],
              });
        }
      }),
    );
  });
});

const SAMPLE_REQUESTS = fc.sample(request, { numRuns: 8, seed: 1 });

describe("fuzz: evaluate keeps IAM's laws", () => {
  test('never throws on grammar documents and arbitrary requests', (t) => {
    check(
      t,
      2000,
      fc.property(input, (i) => {
        const d = decide(i);
        assert.equal(d.allowed, d.effect === 'Allow');
      }),
    );
  });

  test('an explicit Deny always wins: a matching Deny added anywhere makes any decision ExplicitDeny', (t) => {
    check(
      t,
      1500,
      fc.property(input, fc.nat(), fc.boolean(), (i, at, onResource) => {
        const deny = (k: PolicyKind) =>
          parsePolicyObject(
            {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Deny', ...(k === 'resource' && { Principal: '*' }), Action: '*', Resource: '*' }],
            },
            k,
          );
        const withDeny =
          onResource || !hasIdentity(i)
            ? {
                ...i,
                resourcePolicies: [
                  ...i.resourcePolicies.slice(0, at % (i.resourcePolicies.length + 1)),
                  { name: 'deny', document: deny('resource') },
                  ...i.resourcePolicies.slice(at % (i.resourcePolicies.length + 1)),
                ],
              }
            : { ...i, identityPolicies: [...i.identityPolicies, { name: 'deny', document: deny('identity') }] };
        const d = decide(withDeny);
        assert.equal(d.allowed, false);
        assert.equal(d.effect, 'ExplicitDeny');
      }),
    );
  });

  test('no statement is an implicit deny, except the account root in its own account (outside a key policy) and a grant', (t) => {
    check(
      t,
      1500,
      fc.property(input, (i) => {
        const d = decide({ ...i, identityPolicies: [], resourcePolicies: [] });
        const root = i.caller.type === 'Account' && i.caller.accountId === i.resourceAccount && i.rule !== 'key-policy';
        // Grants name principals: they never reach anonymous or web-identity callers.
        if (hasIdentity(i) && (i.grant === 'principal' || (i.grant === 'account' && i.caller.type === 'Account')))
          assert.equal(d.reason, 'grant');
        else if (root) assert.equal(d.reason, 'account-root');
        else assert.deepEqual([d.allowed, d.effect], [false, 'ImplicitDeny']);
      }),
    );
  });

  test('the order of statements and policies does not change the decision', (t) => {
    check(
      t,
      1500,
      fc.property(input, fc.infiniteStream(fc.nat()), (i, keys) => {
        const shuffle = <T>(list: readonly T[]) =>
          list
            .map((v) => [keys.next().value as number, v] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, v]) => v);
        const shuffled = {
          ...i,
          identityPolicies: shuffle(mapStatements(i.identityPolicies, shuffle)),
          resourcePolicies: shuffle(mapStatements(i.resourcePolicies, shuffle)),
        };
        const [a, b] = [decide(i), decide(shuffled)];
        assert.deepEqual([b.allowed, b.effect], [a.allowed, a.effect]);
      }),
    );
  });

  test('removing every Deny never takes an Allow away; turning every Allow into Deny leaves only the root and grants allowed', (t) => {
    check(
      t,
      1500,
      fc.property(input, (i) => {
        const before = decide(i);
        const noDeny = decide({
          ...i,
          identityPolicies: mapStatements(i.identityPolicies, (s) => s.filter((x) => x.effect !== 'Deny')),
          resourcePolicies: mapStatements(i.resourcePolicies, (s) => s.filter((x) => x.effect !== 'Deny')),
        });
        if (before.allowed) assert.equal(noDeny.allowed, true);
        const allDeny = decide({
          ...i,
          identityPolicies: mapStatements(i.identityPolicies, (s) => s.map((x) => ({ ...x, effect: 'Deny' as const }))),
          resourcePolicies: mapStatements(i.resourcePolicies, (s) => s.map((x) => ({ ...x, effect: 'Deny' as const }))),
        });
        if (allDeny.allowed)
          assert.ok(allDeny.reason === 'account-root' || allDeny.reason === 'grant', JSON.stringify(allDeny));
      }),
    );
  });
});
