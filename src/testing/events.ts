// One valid input per events action, for the authorization matrix and the model test: a fresh
// rule (with a webhook target where the action needs one) made by `root` first.
export const PATTERN = '{"source":["aws.ecr"],"detail":{"repository-name":[{"prefix":"team/"}]}}';
export const SECRET = 'a-long-enough-signing-secret';

let n = 0;

export function eventsCases(
  root: (action: string, input: object) => Promise<unknown>,
): Record<string, () => Promise<object>> {
  const rule = async (withTarget = false) => {
    const Name = `rule-${++n}`;
    await root('PutRule', { Name, EventPattern: PATTERN });
    if (withTarget) await root('PutTargets', { Rule: Name, Targets: [target('t1')] });
    return Name;
  };
  return {
    PutRule: async () => ({ Name: `new-${++n}`, EventPattern: PATTERN, State: 'ENABLED', Description: 'd' }),
    DescribeRule: async () => ({ Name: await rule() }),
    ListRules: async () => ({ NamePrefix: 'rule-', Limit: 5 }),
    DeleteRule: async () => ({ Name: await rule() }),
    PutTargets: async () => ({ Rule: await rule(), Targets: [target('t2')] }),
    ListTargetsByRule: async () => ({ Rule: await rule(true) }),
    RemoveTargets: async () => ({ Rule: await rule(true), Ids: ['t1'] }),
    ListDeadLetters: async () => ({}),
    ReplayDeadLetters: async () => ({}),
    TestEventPattern: async () => ({
      EventPattern: PATTERN,
      Event: JSON.stringify({
        id: '1',
        'detail-type': 'ECR Image Action',
        source: 'aws.ecr',
        account: '123456789012',
        time: '2026-01-01T00:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { 'repository-name': 'team/app' },
      }),
    }),
  };
}

function target(Id: string) {
  return {
    Id,
    Arn: 'https://hooks.example.com/berth',
    HttpParameters: { HeaderParameters: { 'Berth-Signing-Secret': SECRET } },
  };
}
