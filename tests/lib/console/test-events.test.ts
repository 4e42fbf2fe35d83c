import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseInvokeEvent } from '../../../functions/core/run/invoke-event.js';
import { parseServerCheckEvent } from '../../../functions/ssm-checks/handler.js';
import {
  ConsoleTestEvents,
  consoleTestEvents,
  targetsForJob,
  TEST_EVENT_REGISTRY,
  testEventSchemaName,
} from '../../../lib/console/test-events.js';
import { addOperations } from '../../../lib/monitoring/operations.js';
import { FIXTURE_CONFIG, OperationsTestStack } from '../monitoring/operations-fixture.js';
import { testApp } from '../support/cdk-app.js';
import type { Config } from '../../../functions/kinds/config.js';

type Resource = {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

interface SchemaDocument {
  openapi: string;
  components: { schemas: Record<string, unknown>; examples: Record<string, { value: Record<string, unknown> }> };
}

describe('console test events made by the stack', () => {
  let stack: OperationsTestStack;
  let resources: Record<string, Resource>;

  const logicalId = (fn: lambda.Function) => stack.getLogicalId(fn.node.defaultChild as never);
  /** The schema of one function, found by the function its name is joined from. */
  const schemaOf = (fn: lambda.Function): { resource: Resource; document: SchemaDocument } => {
    const found = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::EventSchemas::Schema' &&
        JSON.stringify(r.Properties.SchemaName) === JSON.stringify({ 'Fn::Join': ['', ['_', { Ref: logicalId(fn) }, '-schema']] }),
    );
    expect(found).toHaveLength(1);
    return { resource: found[0]!, document: JSON.parse(found[0]!.Properties.Content) as SchemaDocument };
  };
  const examples = (fn: lambda.Function) => Object.entries(schemaOf(fn).document.components.examples).map(([name, e]) => [name, e.value]);

  beforeAll(() => {
    stack = new OperationsTestStack(testApp({ cfnValidation: false }), 'Ops');
    addOperations(stack, { functions: stack.functions, queues: [stack.deadLetterQueue] });
    resources = Template.fromStack(stack).toJSON().Resources;
  });

  it('puts one OpenApi3 schema per function, named _<function name>-schema, into lambda-testevent-schemas', () => {
    const schemas = Object.values(resources).filter((r) => r.Type === 'AWS::EventSchemas::Schema');
    expect(schemas).toHaveLength(4);
    for (const fn of Object.values(stack.fns)) {
      const { resource, document } = schemaOf(fn);
      expect(resource.Properties).toMatchObject({ RegistryName: 'lambda-testevent-schemas', Type: 'OpenApi3' });
      expect(document.openapi).toBe('3.0.0');
      expect(document.components.schemas).toHaveProperty('Event');
    }
    expect(testEventSchemaName('Ops-HealthFunction19D7-abc')).toBe('_Ops-HealthFunction19D7-abc-schema');
  });

  it('makes sure of the registry with a custom resource that every schema waits for, and no registry resource of its own', () => {
    // The registry belongs to the account: never a resource of the stack, so never deleted with it.
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::EventSchemas::Registry')).toEqual([]);
    const ensured = Object.entries(resources).filter(([, r]) => r.Type === 'Custom::TestEventRegistry');
    expect(ensured).toHaveLength(1);
    const [ensuredId, ensure] = ensured[0]!;
    expect(ensure.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^OperationsTestEventsRegistryFunction/), 'Arn'] },
      RegistryName: TEST_EVENT_REGISTRY,
      Description: 'Shareable Lambda test events (read by the Lambda console)',
    });
    // Kept when removed from the template or the stack goes: CloudFormation then asks the function nothing.
    expect([ensure.DeletionPolicy, ensure.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    const schemas = Object.values(resources).filter((r) => r.Type === 'AWS::EventSchemas::Schema');
    expect(schemas).toHaveLength(4);
    for (const schema of schemas) expect(schema.DependsOn).toContain(ensuredId);
  });

  it("gives the registry's function describe and create on that registry's ARN only, and nothing to delete", () => {
    const [fnId, fn] = Object.entries(resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('OperationsTestEventsRegistryFunction'),
    )!;
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown; Sid?: string }>);
    const schemaStatements = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('schemas:')));
    expect(schemaStatements).toEqual([
      {
        Sid: 'EnsureTheRegistry',
        Effect: 'Allow',
        Action: ['schemas:CreateRegistry', 'schemas:DescribeRegistry'],
        Resource: 'arn:aws:schemas:ap-northeast-1:123456789012:registry/lambda-testevent-schemas',
      },
    ]);
    // Apart from that, only its own log group.
    const others = statements.filter((st) => !schemaStatements.includes(st)).flatMap((st) => [st.Action].flat());
    expect(others.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(resources[roleId]!.Properties.ManagedPolicyArns).toBeUndefined();
    expect(fnId).toBeTruthy();
  });

  it('offers "run now" for every target the job covers, and for all', () => {
    expect(examples(stack.fns.health)).toEqual([
      ['all-now', {}],
      ['mycats-now', { targets: ['mycats'] }],
      ['cafemuji-now', { targets: ['cafemuji'] }],
      ['task-manager-now', { targets: ['task-manager'] }],
      ['quiet-now', { targets: ['quiet'] }],
    ]);
    expect(examples(stack.fns.backup)).toEqual([
      ['backup-all-now', {}],
      ['backup-mycats-now', { targets: ['mycats'] }],
      ['backup-cafemuji-now', { targets: ['cafemuji'] }],
      ['backup-task-manager-now', { targets: ['task-manager'] }],
    ]);
    // One function for both server jobs: one schema with the events of each, naming the job.
    expect(examples(stack.fns.serverChecks)).toEqual([
      ['disk-all-now', { job: 'disk' }],
      ['disk-mycats-now', { job: 'disk', targets: ['mycats'] }],
      ['disk-task-manager-now', { job: 'disk', targets: ['task-manager'] }],
      ['security-all-now', { job: 'security' }],
      ['security-mycats-now', { job: 'security', targets: ['mycats'] }],
      ['security-task-manager-now', { job: 'security', targets: ['task-manager'] }],
    ]);
    expect(examples(stack.fns.digest)).toEqual([['digest-now', {}]]);
  });

  it('offers only events the functions accept', () => {
    for (const fn of [stack.fns.health, stack.fns.backup, stack.fns.digest]) {
      for (const [name, event] of examples(fn)) expect(() => parseInvokeEvent(event, FIXTURE_CONFIG), String(name)).not.toThrow();
    }
    for (const [name, event] of examples(stack.fns.serverChecks)) {
      const request = parseServerCheckEvent(event, FIXTURE_CONFIG);
      expect(request, String(name)).toMatchObject({ kind: 'run', job: String(name).split('-')[0] });
    }
  });

  it("describes the event in the schema: the targets are the config's", () => {
    const event = schemaOf(stack.fns.health).document.components.schemas.Event as {
      properties: { targets: { items: { enum: string[] } } };
    };
    expect(event.properties.targets.items.enum).toEqual(['mycats', 'cafemuji', 'task-manager', 'quiet']);
  });

  it('takes the targets a function entry names instead of the derived ones', () => {
    const other = new OperationsTestStack(testApp({ cfnValidation: false }), 'Chosen');
    const events = new ConsoleTestEvents(other, 'TestEvents', {
      config: other.config,
      functions: [{ job: 'backup', name: 'backup-ssm', fn: other.fns.backup, targets: ['task-manager'] }],
    });
    expect(events.events['backup-ssm']).toEqual([
      { name: 'backup-all-now', event: {} },
      { name: 'backup-task-manager-now', event: { targets: ['task-manager'] } },
    ]);
  });
});

describe('targetsForJob', () => {
  const config: Config = FIXTURE_CONFIG;
  it('picks the targets each job does something for', () => {
    expect(targetsForJob(config, 'health')).toEqual(['mycats', 'cafemuji', 'task-manager', 'quiet']);
    expect(targetsForJob(config, 'backup')).toEqual(['mycats', 'cafemuji', 'task-manager']);
    expect(targetsForJob(config, 'disk')).toEqual(['mycats', 'task-manager']);
    expect(targetsForJob(config, 'security')).toEqual(['mycats', 'task-manager']);
    expect(targetsForJob(config, 'digest')).toEqual([]);
  });

  it('names events by job and target', () => {
    expect(consoleTestEvents(config, 'health', ['mycats']).map((e) => e.name)).toEqual(['all-now', 'mycats-now']);
    expect(consoleTestEvents(config, 'security', []).map((e) => [e.name, e.event])).toEqual([['security-all-now', { job: 'security' }]]);
  });
});

describe('console test event names', () => {
  it('stay within the console limit, shortening only the names that need it', async () => {
    const { consoleTestEvents, MAX_EVENT_NAME } = await import('../../../lib/console/test-events.js');
    const { validateConfig } = await import('../../../functions/kinds/config.js');
    const config = validateConfig({
      targets: {
        'shiojiri-rainbow': { servers: { tags: { System: 's' } } },
        mycats: { servers: { tags: { System: 'm' } } },
      },
    });
    const names = consoleTestEvents(config, 'security').map((e) => e.name);
    expect(names).toEqual(['security-all-now', 'security-shiojiri-rainbow', 'security-mycats-now']);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(MAX_EVENT_NAME);
  });
});

describe('console test event names of targets alike in their first 25 characters (issue 12)', () => {
  it('synthesize one schema with distinct, stable names within the console limit', async () => {
    const { Stack } = await import('aws-cdk-lib');
    const lambdaModule = await import('aws-cdk-lib/aws-lambda');
    const { validateConfig } = await import('../../../functions/kinds/config.js');
    const { MAX_EVENT_NAME } = await import('../../../lib/console/test-events.js');
    // Two valid names (40 characters at most) that share their first 25 characters, and one called "all".
    const a = 'shiojiri-rainbow-seeker-production-a';
    const b = 'shiojiri-rainbow-seeker-production-b';
    const config = validateConfig({
      targets: {
        [a]: { health: [{ url: 'https://a.example/' }] },
        [b]: { health: [{ url: 'https://b.example/' }] },
        all: { health: [{ url: 'https://all.example/' }] },
      },
    });
    const synthNames = () => {
      const stack = new Stack(testApp({ cfnValidation: false }), 'Names');
      const fn = lambdaModule.Function.fromFunctionName(stack, 'Health', 'health-fn');
      new ConsoleTestEvents(stack, 'TestEvents', { config, functions: [{ job: 'health', fn }] });
      const schema = Object.values(Template.fromStack(stack).findResources('AWS::EventSchemas::Schema'))[0]!;
      const document = JSON.parse(schema.Properties.Content) as SchemaDocument;
      return Object.entries(document.components.examples).map(
        ([name, e]) => [name, (e.value.targets as string[] | undefined)?.[0] ?? '*'] as [string, string],
      );
    };
    const names = synthNames();
    expect(names.map(([, target]) => target)).toEqual(['*', a, b, 'all']);
    expect(new Set(names.map(([name]) => name)).size).toBe(4);
    for (const [name] of names) expect(name.length).toBeLessThanOrEqual(MAX_EVENT_NAME);
    expect(names[1]![0]).toMatch(/^shiojiri-rainbow-s[a-z-]*-[0-9a-f]{6}$/);
    expect(synthNames()).toEqual(names);
  });
});
