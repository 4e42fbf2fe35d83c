import { createHash } from 'node:crypto';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { ChatSubscribers } from '../../functions/core/config/chat.js';
import type { Topic } from '../../functions/core/domain/report.js';
import { acknowledgeWildcards } from '../nag/wildcards.js';

export interface ChatChannelsProps {
  /** `config.subscribers.chat`. */
  readonly chat: ChatSubscribers;
  /** The suite's topics, by name. */
  readonly topics: Readonly<Record<Topic, sns.ITopic>>;
}

/** Chatbot configuration names: letters, digits, "-" and "_", at most 128. */
const NAME_MAX = 128;

/**
 * AWS Chatbot channel configurations (Slack and Microsoft Teams) subscribed to the severity topics
 * of `subscribers.chat`. Channels only receive: the one role they share, and the guardrail every
 * channel member is capped by, allow reading CloudWatch alarms and metric images (what Chatbot
 * needs to render the suite's alarm notifications) and nothing else.
 */
export class ChatChannels extends Construct {
  /** The construct, or nothing when the config names no chat channel. */
  static addTo(scope: Construct, chat: ChatSubscribers | undefined, topics: ChatChannelsProps['topics']): ChatChannels | undefined {
    if (!chat?.slack?.length && !chat?.teams?.length) return undefined;
    return new ChatChannels(scope, 'Chat', { chat, topics });
  }

  readonly role: iam.Role;
  readonly guardrail: iam.ManagedPolicy;
  readonly slack: chatbot.SlackChannelConfiguration[] = [];
  readonly teams: chatbot.CfnMicrosoftTeamsChannelConfiguration[] = [];

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const statements = [
      new iam.PolicyStatement({
        sid: 'ReadAlarms',
        actions: ['cloudwatch:DescribeAlarms'],
        resources: [
          stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ],
      }),
      new iam.PolicyStatement({
        sid: 'RenderAlarmCharts',
        actions: ['cloudwatch:GetMetricData', 'cloudwatch:GetMetricWidgetImage'],
        resources: ['*'],
      }),
    ];
    this.guardrail = new iam.ManagedPolicy(this, 'Guardrail', {
      description: 'ops-autopilot chat channels: the most any channel or member may do (read alarms and their charts)',
      statements,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'AWS Chatbot channels of ops-autopilot: render alarm notifications, nothing else',
    });
    for (const statement of statements) this.role.addToPolicy(statement);
    for (const subject of [this.role, this.guardrail]) {
      acknowledgeWildcards(subject, [
        {
          resource: statements[0]!.resources[0],
          reason: "DescribeAlarms on this account's and region's alarms: the notices come from the suite's alarms, named at deploy time.",
        },
        {
          resource: '*',
          reason: 'cloudwatch:GetMetricData and GetMetricWidgetImage have no resource-level permissions; read-only chart rendering.',
        },
      ]);
    }

    const topicsOf = (severities: readonly Topic[]) => severities.map((s) => props.topics[s]);
    for (const channel of props.chat.slack ?? []) {
      this.slack.push(
        new chatbot.SlackChannelConfiguration(this, `Slack${channel.workspaceId}${channel.channelId}`, {
          slackChannelConfigurationName: configurationName(stack.stackName, 'slack', channel.channelId),
          slackWorkspaceId: channel.workspaceId,
          slackChannelId: channel.channelId,
          notificationTopics: topicsOf(channel.severities),
          role: this.role,
          guardrailPolicies: [this.guardrail],
          userRoleRequired: false,
          loggingLevel: chatbot.LoggingLevel.ERROR,
        }),
      );
    }
    for (const channel of props.chat.teams ?? []) {
      // Teams channel IDs carry "%", ":" and "@": a short digest names the construct and the configuration.
      const digest = createHash('sha256').update(`${channel.tenantId}/${channel.teamId}/${channel.channelId}`).digest('hex').slice(0, 10);
      this.teams.push(
        new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, `Teams${digest}`, {
          configurationName: configurationName(stack.stackName, 'teams', digest),
          teamId: channel.teamId,
          teamsTenantId: channel.tenantId,
          teamsChannelId: channel.channelId,
          snsTopicArns: topicsOf(channel.severities).map((topic) => topic.topicArn),
          iamRoleArn: this.role.roleArn,
          guardrailPolicies: [this.guardrail.managedPolicyArn],
          userRoleRequired: false,
          loggingLevel: 'ERROR',
        }),
      );
    }
  }
}

function configurationName(stackName: string, kind: string, id: string): string {
  const name = `${stackName}-${kind}-${id}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return name.length <= NAME_MAX ? name : `${name.slice(0, NAME_MAX - 11)}-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
}
