import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatbotClient, DescribeSlackWorkspacesCommand, ListMicrosoftTeamsConfiguredTeamsCommand } from '@aws-sdk/client-chatbot';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { DescribeRegistryCommand, SchemasClient } from '@aws-sdk/client-schemas';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetSMSSandboxAccountStatusCommand,
  ListSMSSandboxPhoneNumbersCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { DescribeInstanceInformationCommand, DescribeParametersCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../../bin/cli/doctor/clients.js';
import { examine, formatDoctor } from '../../../bin/cli/doctor/index.js';
import { validateConfig } from '../../../functions/kinds/config.js';
import { runAutopilot } from '../../support/cli.js';

// The doctor against a mocked account: every AWS call it makes is asserted, and none of them may change anything.
const mocks = {
  sts: mockClient(STSClient),
  cloudFormation: mockClient(CloudFormationClient),
  ssm: mockClient(SSMClient),
  sns: mockClient(SNSClient),
  schemas: mockClient(SchemasClient),
  // The Chatbot client is an older SDK release (the newest on the registry): its types differ, its calls do not.
  chatbot: mockClient(ChatbotClient as any) as AwsStub<any, any, any>,
  ec2: mockClient(EC2Client),
  rds: mockClient(RDSClient),
  secrets: mockClient(SecretsManagerClient),
};

const ACCOUNT = '123456789012';
const TOPIC = (t: string) => `arn:aws:sns:ap-northeast-1:${ACCOUNT}:OpsAutopilot-${t}`;
const SLACK = 'T07ABCDEF12';

/** Everything the doctor looks at: SMS, e-mail, Slack, servers, a VPC, a parameter, a secret, an IAM-auth database. */
const config = validateConfig({
  timezone: 'Asia/Tokyo',
  subscribers: {
    critical: ['oncall@shop.jp', '+819012345678'],
    high: ['oncall@shop.jp'],
    digest: ['team@shop.jp'],
    chat: { slack: [{ workspaceId: SLACK, channelId: 'C07ABCDEF12', severities: ['critical'] }] },
  },
  network: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'] },
  targets: {
    shop: {
      postgres: [
        { host: 'shop.cluster-abc.ap-northeast-1.rds.amazonaws.com', database: 'shop', user: 'app', passwordParameter: '/shop/db' },
        {
          name: 'ledger',
          host: 'ledger.abc.ap-northeast-1.rds.amazonaws.com',
          database: 'ledger',
          user: 'iam_user',
          iamAuth: { resourceId: 'db-ABCDEFGHIJKL' },
        },
      ],
      health: [{ url: 'https://shop.jp/', headers: { Authorization: { secret: 'shop/api-token', field: 'token' } } }],
      servers: { tags: { System: 'shop' }, disk: { warning: 80, critical: 90 } },
    },
  },
});

/** A healthy account for this config. */
function healthyAccount(): void {
  for (const mock of Object.values(mocks)) mock.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ops` });
  mocks.cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
    Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }],
  });
  mocks.cloudFormation.on(DescribeStacksCommand, { StackName: 'OpsAutopilot' }).resolves({
    Stacks: [
      {
        StackName: 'OpsAutopilot',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: ['Critical', 'High', 'Medium', 'Low', 'Digest'].map((t) => ({ OutputKey: `${t}TopicArn`, OutputValue: TOPIC(t) })),
      },
    ],
  });
  mocks.ssm.on(GetParameterCommand, { Name: '/cdk-bootstrap/hnb659fds/version' }).resolves({ Parameter: { Value: '27' } });
  mocks.schemas.on(DescribeRegistryCommand).resolves({ RegistryName: 'lambda-testevent-schemas' });
  mocks.sns.on(GetSMSSandboxAccountStatusCommand).resolves({ IsInSandbox: false });
  const confirmed = (endpoint: string, t: string) => ({
    Protocol: 'email',
    Endpoint: endpoint,
    SubscriptionArn: `${TOPIC(t)}:${endpoint}`,
    TopicArn: TOPIC(t),
  });
  mocks.sns.on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC('Critical') }).resolves({
    Subscriptions: [confirmed('oncall@shop.jp', 'Critical'), { Protocol: 'sms', Endpoint: '+819012345678', SubscriptionArn: 'x' }],
  });
  mocks.sns
    .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC('High') })
    .resolves({ Subscriptions: [confirmed('oncall@shop.jp', 'High')] });
  mocks.sns
    .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC('Digest') })
    .resolves({ Subscriptions: [confirmed('team@shop.jp', 'Digest')] });
  mocks.chatbot.on(DescribeSlackWorkspacesCommand as any).resolves({ SlackWorkspaces: [{ SlackTeamId: SLACK, SlackTeamName: 'shop' }] });
  mocks.ssm.on(DescribeInstanceInformationCommand).resolves({
    InstanceInformationList: [
      { InstanceId: 'i-0aaa', PingStatus: 'Online' },
      { InstanceId: 'i-0bbb', PingStatus: 'Online' },
    ],
  });
  mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-0123456789abcdef0' }] });
  mocks.ec2.on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsSupport' }).resolves({ EnableDnsSupport: { Value: true } });
  mocks.ec2.on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsHostnames' }).resolves({ EnableDnsHostnames: { Value: true } });
  mocks.ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [
      { SubnetId: 'subnet-0aaaaaaaaaaaaaaa1', AvailabilityZone: 'ap-northeast-1a' },
      { SubnetId: 'subnet-0bbbbbbbbbbbbbbb2', AvailabilityZone: 'ap-northeast-1c' },
    ],
  });
  mocks.ec2.on(DescribeRouteTablesCommand).resolves({
    RouteTables: [
      {
        RouteTableId: 'rtb-0private',
        Associations: [{ SubnetId: 'subnet-0aaaaaaaaaaaaaaa1' }, { SubnetId: 'subnet-0bbbbbbbbbbbbbbb2' }],
        Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0123', State: 'active' }],
      },
    ],
  });
  mocks.ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
  mocks.ssm.on(DescribeParametersCommand).resolves({ Parameters: [{ Name: '/shop/db', Type: 'SecureString', Version: 3 }] });
  mocks.secrets.on(DescribeSecretCommand).resolves({ Name: 'shop/api-token', RotationEnabled: true });
  mocks.rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [{ DBInstanceIdentifier: 'ledger', DbiResourceId: 'db-ABCDEFGHIJKL', IAMDatabaseAuthenticationEnabled: true }],
  });
}

/** Every call the doctor sent, as `Command {input}`, in no particular order. */
function sent(): string[] {
  return Object.values(mocks as Record<string, AwsStub<any, any, any>>)
    .flatMap((mock) => mock.calls())
    .map((call) => `${call.args[0].constructor.name} ${JSON.stringify(call.args[0].input)}`)
    .sort();
}

const run = (options: { config?: typeof config } = { config }) =>
  examine({ config: options.config, stack: 'OpsAutopilot', clients: createClients('ap-northeast-1') });

const statusOf = (result: Awaited<ReturnType<typeof run>>) => Object.fromEntries(result.checks.map((c) => [c.check, c.status]));
const line = (result: Awaited<ReturnType<typeof run>>, check: string) => result.checks.find((c) => c.check === check);

beforeEach(healthyAccount);

describe('autopilot doctor on a healthy account', () => {
  it('reports every check ok, through exactly these read-only calls', async () => {
    const result = await run();
    expect(result.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(statusOf(result)).toEqual({
      credentials: 'ok',
      bootstrap: 'ok',
      'test events': 'ok',
      sms: 'ok',
      'email oncall@shop.jp': 'ok',
      'email team@shop.jp': 'ok',
      [`slack ${SLACK}`]: 'ok',
      'servers shop': 'ok',
      vpc: 'ok',
      subnets: 'ok',
      egress: 'ok',
      'parameter /shop/db': 'ok',
      'secret shop/api-token': 'ok',
      'iam auth shop/ledger.abc.ap-northeast-1.rds.amazonaws.com': 'ok',
    });
    expect(result.counts).toEqual({ ok: 14, warn: 0, fail: 0 });
    expect(sent()).toEqual(
      [
        'DescribeDBInstancesCommand {"Filters":[{"Name":"dbi-resource-id","Values":["db-ABCDEFGHIJKL"]}]}',
        'DescribeInstanceInformationCommand {"Filters":[{"Key":"tag:System","Values":["shop"]}]}',
        'DescribeParametersCommand {"ParameterFilters":[{"Key":"Name","Option":"Equals","Values":["/shop/db"]}]}',
        'DescribeRegistryCommand {"RegistryName":"lambda-testevent-schemas"}',
        'DescribeRouteTablesCommand {"Filters":[{"Name":"vpc-id","Values":["vpc-0123456789abcdef0"]}]}',
        'DescribeSecretCommand {"SecretId":"shop/api-token"}',
        'DescribeSlackWorkspacesCommand {}',
        'DescribeStacksCommand {"StackName":"CDKToolkit"}',
        'DescribeStacksCommand {"StackName":"OpsAutopilot"}',
        'DescribeSubnetsCommand {"Filters":[{"Name":"vpc-id","Values":["vpc-0123456789abcdef0"]}]}',
        'DescribeVpcAttributeCommand {"VpcId":"vpc-0123456789abcdef0","Attribute":"enableDnsHostnames"}',
        'DescribeVpcAttributeCommand {"VpcId":"vpc-0123456789abcdef0","Attribute":"enableDnsSupport"}',
        'DescribeVpcEndpointsCommand {"Filters":[{"Name":"vpc-id","Values":["vpc-0123456789abcdef0"]}]}',
        'DescribeVpcsCommand {"VpcIds":["vpc-0123456789abcdef0"]}',
        'GetCallerIdentityCommand {}',
        'GetParameterCommand {"Name":"/cdk-bootstrap/hnb659fds/version"}',
        'GetSMSSandboxAccountStatusCommand {}',
        `ListSubscriptionsByTopicCommand {"TopicArn":"${TOPIC('Critical')}"}`,
        `ListSubscriptionsByTopicCommand {"TopicArn":"${TOPIC('Digest')}"}`,
        `ListSubscriptionsByTopicCommand {"TopicArn":"${TOPIC('High')}"}`,
      ].sort(),
    );
    const text = formatDoctor(result);
    expect(text.split('\n')[0]).toBe('autopilot doctor: account 123456789012, region ap-northeast-1, stack OpsAutopilot');
    expect(text).toMatch(/^ {2}ok {4}egress +s3 by NAT, sns by NAT, ssm by NAT; subnet-0aaaaaaaaaaaaaaa1 via nat-0123, /m);
    expect(text.split('\n').at(-1)).toBe('14 ok, 0 warning(s), 0 failed');
  });

  it('never calls an API that changes anything: every command is a Get, List or Describe, in the calls and in the source', async () => {
    await run();
    const names = sent().map((s) => s.split(' ')[0]!.replace(/Command$/, ''));
    expect(names.length).toBeGreaterThan(15);
    expect(names.filter((name) => !/^(Get|List|Describe)/.test(name))).toEqual([]);
    // Every command class any doctor module imports, whether this config reaches it or not.
    const root = new URL('../../../bin/cli/doctor/', import.meta.url).pathname;
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const imported = files.flatMap((f) =>
      [...readFileSync(join(root, f), 'utf8').matchAll(/\b([A-Z][A-Za-z]+)Command\b/g)].map((m) => m[1]!),
    );
    expect(imported.length).toBeGreaterThan(15);
    expect([...new Set(imported)].filter((name) => !/^(Get|List|Describe)/.test(name))).toEqual([]);
    // Nor does it read a secret's value: no GetSecretValue, no GetParameter of a configured name, no decryption.
    expect(
      sent().filter((s) => /GetSecretValue|WithDecryption|"Name":"\/shop\/db"/.test(s) && !s.startsWith('DescribeParameters')),
    ).toEqual([]);
  });
});

describe('autopilot doctor: each check that fails says what to do', () => {
  it('not bootstrapped', async () => {
    mocks.cloudFormation
      .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
      .rejects(Object.assign(new Error('Stack with id CDKToolkit does not exist'), { name: 'ValidationError' }));
    const result = await run();
    expect(line(result, 'bootstrap')).toEqual({
      check: 'bootstrap',
      status: 'fail',
      detail:
        'ap-northeast-1 is not bootstrapped for the CDK (no CDKToolkit stack): run `npx cdk bootstrap aws://123456789012/ap-northeast-1`',
    });
    expect(result.counts.fail).toBe(1);
  });

  it('a bootstrap too old, and a toolkit stack that rolled back', async () => {
    mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '4' } });
    expect(line(await run(), 'bootstrap')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^bootstrap version 4 is older than the 6/),
    });
    mocks.cloudFormation
      .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
      .resolves({ Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'UPDATE_ROLLBACK_COMPLETE', CreationTime: new Date() }] });
    expect(line(await run(), 'bootstrap')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/is UPDATE_ROLLBACK_COMPLETE/) });
  });

  it('no test-event registry yet: ok, the stack creates it', async () => {
    mocks.schemas.on(DescribeRegistryCommand).rejects(Object.assign(new Error('not found'), { name: 'NotFoundException' }));
    expect(line(await run(), 'test events')).toMatchObject({
      status: 'ok',
      detail: 'no lambda-testevent-schemas registry in ap-northeast-1 yet: the stack creates it on deploy',
    });
  });

  it('an e-mail subscription pending, and one missing', async () => {
    mocks.sns.on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC('Digest') }).resolves({
      Subscriptions: [{ Protocol: 'email', Endpoint: 'team@shop.jp', SubscriptionArn: 'PendingConfirmation' }],
    });
    mocks.sns.on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC('High') }).resolves({ Subscriptions: [] });
    const result = await run();
    expect(line(result, 'email team@shop.jp')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^pending confirmation on digest: nothing reaches it until then; open the "AWS Notification/),
    });
    expect(line(result, 'email oncall@shop.jp')).toMatchObject({
      status: 'fail',
      detail: 'not subscribed to the high topic(s) of OpsAutopilot: deploy this config (`npx cdk deploy`)',
    });
  });

  it('before the first deploy: nothing to confirm yet', async () => {
    mocks.cloudFormation
      .on(DescribeStacksCommand, { StackName: 'OpsAutopilot' })
      .rejects(Object.assign(new Error('Stack with id OpsAutopilot does not exist'), { name: 'ValidationError' }));
    const result = await run();
    expect(line(result, 'confirmations')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^stack OpsAutopilot is not deployed yet/),
    });
    expect(sent().filter((s) => s.startsWith('ListSubscriptionsByTopic'))).toEqual([]);
  });

  it('a Slack workspace not authorised for Chatbot', async () => {
    mocks.chatbot.on(DescribeSlackWorkspacesCommand as any).resolves({ SlackWorkspaces: [] });
    expect(line(await run(), `slack ${SLACK}`)).toMatchObject({
      status: 'fail',
      detail: 'workspace not authorised for AWS Chatbot: authorise it in the AWS Chatbot console (Configure new client), then deploy',
    });
  });

  it('a Teams team not authorised for Chatbot, beside one that is', async () => {
    const team = (teamId: string) => ({
      teamId,
      tenantId: '11111111-2222-3333-4444-555555555555',
      channelId: '19%3aabc%40thread.tacv2',
      severities: ['critical'],
    });
    const teams = validateConfig({
      subscribers: {
        chat: { teams: [team('aaaaaaaa-0000-0000-0000-000000000001'), team('aaaaaaaa-0000-0000-0000-000000000002')] },
      },
      targets: { a: {} },
    });
    mocks.chatbot.on(ListMicrosoftTeamsConfiguredTeamsCommand as any).resolves({
      ConfiguredTeams: [
        { TeamId: 'aaaaaaaa-0000-0000-0000-000000000001', TenantId: '11111111-2222-3333-4444-555555555555', TeamName: 'Ops' },
      ],
    });
    const result = await run({ config: teams });
    expect(result.checks.filter((c) => c.check.startsWith('teams')).map((c) => [c.check, c.status])).toEqual([
      ['teams aaaaaaaa-0000-0000-0000-000000000001', 'ok'],
      ['teams aaaaaaaa-0000-0000-0000-000000000002', 'fail'],
    ]);
    expect(sent()).toContain('ListMicrosoftTeamsConfiguredTeamsCommand {}');
  });

  it('no managed instance with the tags, and some offline', async () => {
    mocks.ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    expect(line(await run(), 'servers shop')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^no SSM managed instance in ap-northeast-1 has the tags System=shop/),
    });
    mocks.ssm.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [
        { InstanceId: 'i-0aaa', PingStatus: 'Online' },
        { InstanceId: 'i-0bbb', PingStatus: 'ConnectionLost' },
      ],
    });
    expect(line(await run(), 'servers shop')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^1 online \(i-0aaa\), 1 not: i-0bbb \(ConnectionLost\)/),
    });
  });

  it('a VPC without NAT or endpoints, DNS off, and all subnets in one zone', async () => {
    mocks.ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        {
          RouteTableId: 'rtb-0main',
          Associations: [{ Main: true }],
          Routes: [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0123' }],
        },
      ],
    });
    mocks.ec2.on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsHostnames' }).resolves({ EnableDnsHostnames: { Value: false } });
    mocks.ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        { SubnetId: 'subnet-0aaaaaaaaaaaaaaa1', AvailabilityZone: 'ap-northeast-1a' },
        { SubnetId: 'subnet-0bbbbbbbbbbbbbbb2', AvailabilityZone: 'ap-northeast-1a' },
      ],
    });
    const result = await run();
    expect(line(result, 'egress')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^subnet\(s\) subnet-0aaaaaaaaaaaaaaa1, subnet-0bbbbbbbbbbbbbbb2 have no NAT route and s3, sns, ssm have no endpoint/,
      ),
    });
    expect(line(result, 'vpc')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/DNS hostnames OFF/) });
    expect(line(result, 'subnets')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/all in ap-northeast-1a/) });
  });

  it('a VPC that does not exist', async () => {
    mocks.ec2
      .on(DescribeVpcsCommand)
      .rejects(Object.assign(new Error("The vpc ID 'vpc-0123456789abcdef0' does not exist"), { name: 'InvalidVpcID.NotFound' }));
    expect(line(await run(), 'vpc')).toMatchObject({
      status: 'fail',
      detail: 'vpc-0123456789abcdef0 does not exist in ap-northeast-1: check network.vpcId (and the region)',
    });
  });

  it('a missing parameter, a parameter in clear, a missing secret, a secret being deleted', async () => {
    mocks.ssm.on(DescribeParametersCommand).resolves({ Parameters: [] });
    mocks.secrets.on(DescribeSecretCommand).rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
    let result = await run();
    expect(line(result, 'parameter /shop/db')).toMatchObject({
      status: 'fail',
      detail:
        'not found in ap-northeast-1 (targets.shop.postgres[0].passwordParameter): ' +
        "`aws ssm put-parameter --type SecureString --name /shop/db --value '...'`",
    });
    expect(line(result, 'secret shop/api-token')).toMatchObject({
      status: 'fail',
      detail: 'not found in ap-northeast-1 (targets.shop.health[0].headers.Authorization): create it, or fix the name',
    });
    mocks.ssm.on(DescribeParametersCommand).resolves({ Parameters: [{ Name: '/shop/db', Type: 'String' }] });
    mocks.secrets.on(DescribeSecretCommand).resolves({ Name: 'shop/api-token', DeletedDate: new Date('2026-12-10T00:00:00Z') });
    result = await run();
    expect(line(result, 'parameter /shop/db')).toMatchObject({ status: 'warn' });
    expect(line(result, 'secret shop/api-token')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^scheduled for deletion on 2026-12-10/),
    });
  });

  it('iamAuth: a database with IAM authentication off, and one found by its host to name its resource id', async () => {
    mocks.rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceIdentifier: 'ledger', DbiResourceId: 'db-ABCDEFGHIJKL', IAMDatabaseAuthenticationEnabled: false }],
    });
    expect(line(await run(), 'iam auth shop/ledger.abc.ap-northeast-1.rds.amazonaws.com')).toMatchObject({
      status: 'fail',
      detail: 'ledger has IAM database authentication off: turn it on (Modify, Database authentication)',
    });
    const byHost = validateConfig({
      targets: { shop: { postgres: [{ host: 'ledger.abc.ap-northeast-1.rds.amazonaws.com', database: 'l', user: 'u', iamAuth: true }] } },
    });
    mocks.rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'ledger',
          DbiResourceId: 'db-ABCDEFGHIJKL',
          IAMDatabaseAuthenticationEnabled: true,
          Endpoint: { Address: 'ledger.abc.ap-northeast-1.rds.amazonaws.com' },
        },
      ],
    });
    mocks.rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    expect(line(await run({ config: byHost }), 'iam auth shop/ledger.abc.ap-northeast-1.rds.amazonaws.com')).toMatchObject({
      status: 'warn',
      detail:
        "ledger (db-ABCDEFGHIJKL): set targets.shop.postgres[0].iamAuth to { resourceId: 'db-ABCDEFGHIJKL' } to grant this database only",
    });
  });

  it('a call the caller may not make is a warning naming it, and the other checks go on', async () => {
    mocks.ec2
      .on(DescribeVpcsCommand)
      .rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' }));
    const result = await run();
    expect(line(result, 'vpc')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^cannot tell: the caller may not read this \(UnauthorizedOperation/),
    });
    expect(line(result, 'bootstrap')?.status).toBe('ok');
  });
});

describe('autopilot doctor and the SMS sandbox', () => {
  const sms = validateConfig({ subscribers: { critical: ['+819011111111', '+819022222222', '+819033333333'] }, targets: { a: {} } });

  it('names each configured number the sandbox would not text: pending, or not verified at all', async () => {
    mocks.sns.on(GetSMSSandboxAccountStatusCommand).resolves({ IsInSandbox: true });
    mocks.sns
      .on(ListSMSSandboxPhoneNumbersCommand)
      .resolvesOnce({
        PhoneNumbers: [{ PhoneNumber: '+819011111111', Status: 'Verified' }],
        NextToken: 'page2',
      })
      .resolvesOnce({ PhoneNumbers: [{ PhoneNumber: '+819022222222', Status: 'Pending' }] });
    const result = await run({ config: sms });
    expect(result.checks.filter((c) => c.check.startsWith('sms')).map((c) => [c.check, c.status])).toEqual([
      ['sms +819011111111', 'ok'],
      ['sms +819022222222', 'fail'],
      ['sms +819033333333', 'fail'],
    ]);
    expect(line(result, 'sms +819033333333')?.detail).toMatch(
      /not verified, so it gets no text: `aws sns create-sms-sandbox-phone-number --phone-number \+819033333333`/,
    );
    expect(line(result, 'sms +819022222222')?.detail).toMatch(
      /^waiting for its code in the SMS sandbox: `aws sns verify-sms-sandbox-phone-number/,
    );
    // Both pages of the sandbox's list were read.
    expect(sent().filter((s) => s.startsWith('ListSMSSandboxPhoneNumbers'))).toEqual([
      'ListSMSSandboxPhoneNumbersCommand {"NextToken":"page2"}',
      'ListSMSSandboxPhoneNumbersCommand {}',
    ]);
  });

  it('without SMS subscribers, does not ask', async () => {
    await run({ config: validateConfig({ subscribers: { critical: ['a@shop.jp'] }, targets: { a: {} } }) });
    expect(sent().filter((s) => /SMS/.test(s))).toEqual([]);
  });
});

describe('autopilot doctor from the command line', () => {
  const noAws = {
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  };

  it.each([
    [
      'no credentials',
      { ...noAws, AWS_REGION: 'ap-northeast-1' },
      /^autopilot: doctor: no AWS credentials found .*CredentialsProviderError/,
    ],
    [
      'no region',
      { ...noAws, AWS_REGION: '', AWS_DEFAULT_REGION: '' },
      /^autopilot: doctor: no AWS region \(set AWS_REGION or AWS_PROFILE\)$/,
    ],
  ])('%s: one line, exit 4, in seconds', async (_name, env, message) => {
    const started = Date.now();
    const result = await runAutopilot(
      ['doctor', '--config', new URL('../../../examples/runbooks.config.ts', import.meta.url).pathname],
      env,
    );
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(result.stdout).toBe('');
    // Generous for a loaded machine (the CLI may compile itself first): the point is that it does not hang on a
    // provider chain or a retry loop. Measured by hand on a quiet run: about 2 s.
    expect(Date.now() - started).toBeLessThan(90_000);
  });
});
