import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.js';
import { createApp } from '../../../lib/ops-autopilot-app.js';
import { CDK_CONTEXT, scratch } from '../support/cdk-app.js';
import { validateConfig } from '../../../functions/kinds/config.js';

const ACCOUNT = '123456789012';
const REGION = 'ap-northeast-1';
const TEAM = '5f2c9a1e-1b2c-4d3e-8f90-a1b2c3d4e5f6';
const TENANT = '0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';
const TEAMS_CHANNEL = '19%3a0123456789abcdef0123456789abcdef%40thread.tacv2';

const raw = (chat: unknown) => ({
  language: 'ja',
  subscribers: { critical: ['oncall@example.com'], chat },
  targets: { mycats: { health: [{ name: 'api', url: 'https://mycats.example.com/health' }] } },
});

const CHAT = {
  slack: [
    { workspaceId: 'T07ABCDEF12', channelId: 'C07OPS00001', severities: ['critical', 'high'] },
    { workspaceId: 'T07ABCDEF12', channelId: 'C07DIGEST01', severities: ['digest'] },
  ],
  teams: [{ teamId: TEAM, tenantId: TENANT, channelId: TEAMS_CHANNEL, severities: ['critical'] }],
};

type Resource = { Type: string; Properties: Record<string, any> };

describe('subscribers.chat in the stack', () => {
  const dirs = scratch();
  let resources: Record<string, Resource>;
  let assemblyDir: string;
  let template: Template;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const topicId = (name: string) => {
    const found = ofType('AWS::SNS::Topic').filter(([id]) => id.startsWith(`Alerts${name}`));
    expect(found).toHaveLength(1);
    return found[0]![0];
  };

  beforeAll(() => {
    const built = createApp({
      config: validateConfig(raw(CHAT), { forDeployment: true }),
      entriesDir: dirs.entriesDir,
      env: { account: ACCOUNT, region: REGION },
      appProps: { context: CDK_CONTEXT, outdir: dirs.outdir },
    });
    const assembly = built.app.synth();
    assemblyDir = assembly.directory;
    const artifact = assembly.getStackByName(built.stack.stackName);
    template = Template.fromJSON(artifact.template);
    resources = artifact.template.Resources;
    // A whole stack's synth (every function bundled, cdk-nag) timed out at the 120 s default in a full run on a loaded 2-core machine.
  }, 300_000);
  afterAll(() => dirs.cleanup());

  it('creates one Slack configuration per channel, subscribed to exactly its severity topics', () => {
    const slack = ofType('AWS::Chatbot::SlackChannelConfiguration').map(([, r]) => r.Properties);
    expect(slack.map((p) => [p.SlackWorkspaceId, p.SlackChannelId, p.SnsTopicArns])).toEqual([
      ['T07ABCDEF12', 'C07OPS00001', [{ Ref: topicId('Critical') }, { Ref: topicId('High') }]],
      ['T07ABCDEF12', 'C07DIGEST01', [{ Ref: topicId('Digest') }]],
    ]);
    expect(slack.map((p) => p.ConfigurationName)).toEqual(['OpsAutopilot-slack-C07OPS00001', 'OpsAutopilot-slack-C07DIGEST01']);
    for (const p of slack) {
      expect(p.UserRoleRequired).toBe(false);
      expect(p.LoggingLevel).toBe('ERROR');
    }
  });

  it('creates the Teams configuration on the critical topic', () => {
    const teams = ofType('AWS::Chatbot::MicrosoftTeamsChannelConfiguration').map(([, r]) => r.Properties);
    expect(teams).toHaveLength(1);
    expect(teams[0]).toMatchObject({
      TeamId: TEAM,
      TeamsTenantId: TENANT,
      TeamsChannelId: TEAMS_CHANNEL,
      SnsTopicArns: [{ Ref: topicId('Critical') }],
      UserRoleRequired: false,
    });
    expect(teams[0]!.ConfigurationName).toMatch(/^OpsAutopilot-teams-[0-9a-f]{10}$/);
  });

  it('every channel uses one role Chatbot assumes and one guardrail, both limited to reading alarms and charts', () => {
    const [[roleId, role]] = ofType('AWS::IAM::Role').filter(([id]) => id.startsWith('ChatRole')) as [[string, Resource]];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const guardrails = ofType('AWS::IAM::ManagedPolicy').filter(([id]) => id.startsWith('ChatGuardrail'));
    expect(guardrails).toHaveLength(1);
    const [guardrailId, guardrail] = guardrails[0]!;
    const expected = [
      {
        Sid: 'ReadAlarms',
        Effect: 'Allow',
        Action: 'cloudwatch:DescribeAlarms',
        Resource: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:*`,
      },
      { Sid: 'RenderAlarmCharts', Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'cloudwatch:GetMetricWidgetImage'], Resource: '*' },
    ];
    expect(guardrail.Properties.PolicyDocument.Statement).toEqual(expected);
    const rolePolicies = ofType('AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles?.some((r: { Ref: string }) => r.Ref === roleId));
    expect(rolePolicies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement)).toEqual(expected);

    const configurations = [
      ...ofType('AWS::Chatbot::SlackChannelConfiguration'),
      ...ofType('AWS::Chatbot::MicrosoftTeamsChannelConfiguration'),
    ].map(([, r]) => r.Properties);
    expect(configurations).toHaveLength(3);
    for (const p of configurations) {
      expect(p.IamRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
      expect(p.GuardrailPolicies).toEqual([{ Ref: guardrailId }]);
    }
    template.resourceCountIs('AWS::SNS::Subscription', 1); // the e-mail one: Chatbot subscribes itself
  });

  it('gives every job function the screen link its alert bodies carry: the saved queries, as the QueriesUrl output (no dashboard)', () => {
    expect(ofType('AWS::CloudWatch::Dashboard')).toEqual([]);
    expect(ofType('AWS::Logs::QueryDefinition').length).toBeGreaterThan(0);
    const url = `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#logsV2:logs-insights`;
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.QueriesUrl!.Value).toBe(url);
    expect(outputs.DashboardUrl).toBeUndefined();
    const functions = ofType('AWS::Lambda::Function').filter(([id]) => /^(Health|Digest)Function/.test(id));
    expect(functions).toHaveLength(2);
    for (const [, fn] of functions) expect(fn.Properties.Environment.Variables.AUTOPILOT_DASHBOARD_URL).toBe(url);
  });

  it('cdk-nag: no unacknowledged finding', () => {
    const report = JSON.parse(readFileSync(join(assemblyDir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ violations?: unknown[] }>;
    };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });
});

describe('subscribers.chat config errors', () => {
  const errorOf = (chat: unknown): string => {
    try {
      validateConfig(raw(chat));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('names the field path', () => {
    expect(errorOf({ slack: [{ workspaceId: 'T07ABCDEF12', channelId: '#ops', severities: ['critical'] }] })).toContain(
      'subscribers.chat.slack[0].channelId: a Slack channel ID such as C07ABCDEF12',
    );
    expect(errorOf({ slack: [{ workspaceId: 'T07ABCDEF12', channelId: 'C07OPS00001', severities: ['urgent'] }] })).toContain(
      'subscribers.chat.slack[0].severities[0]',
    );
    expect(errorOf({ slack: [{ workspaceId: 'T07ABCDEF12', channelId: 'C07OPS00001', severities: [] }] })).toContain(
      'subscribers.chat.slack[0].severities: name at least one of critical, high, medium, low, digest',
    );
    expect(errorOf({ teams: [{ teamId: 'x', tenantId: TENANT, channelId: TEAMS_CHANNEL, severities: ['critical'] }] })).toContain(
      'subscribers.chat.teams[0].teamId: a Microsoft Teams team ID (a UUID)',
    );
    expect(errorOf({ teams: [{ teamId: TEAM, tenantId: TENANT, channelId: '19:abc@thread.tacv2', severities: ['low'] }] })).toContain(
      'subscribers.chat.teams[0].channelId: a Teams channel ID as in the channel link, URL-encoded',
    );
    expect(errorOf({ discord: [] })).toMatch(/subscribers\.chat.*discord/);
    const twice = { workspaceId: 'T07ABCDEF12', channelId: 'C07OPS00001', severities: ['critical'] };
    expect(errorOf({ slack: [twice, { ...twice, severities: ['low'] }] })).toContain(
      'subscribers.chat.slack[1]: the same channel as subscribers.chat.slack[0]',
    );
  });
});
