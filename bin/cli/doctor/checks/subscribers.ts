import { DescribeSlackWorkspacesCommand, ListMicrosoftTeamsConfiguredTeamsCommand } from '@aws-sdk/client-chatbot';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSMSSandboxAccountStatusCommand, ListSMSSandboxPhoneNumbersCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import type { Topic } from '../../../../functions/core/domain/report.js';
import { ALERT_SEVERITIES } from '../../../../functions/core/domain/severity.js';
import { topicArnOutput } from '../../../../functions/core/layout.js';
import type { Config } from '../../../../functions/kinds/config.js';
import { allPages, type CheckLine, type DoctorContext, errorName, errorText, fail, ok, warn } from '../report.js';

const TOPICS: readonly Topic[] = [...ALERT_SEVERITIES, 'digest'];

/** Every subscriber of the config, with the topics it is on. */
function subscribersOf(config: Config): Map<string, Topic[]> {
  const all = new Map<string, Topic[]>();
  for (const topic of TOPICS) {
    for (const subscriber of config.subscribers[topic] ?? []) all.set(subscriber, [...(all.get(subscriber) ?? []), topic]);
  }
  return all;
}

/** Domains reserved for examples (RFC 2606, 6761): an address there reaches nobody. */
const RESERVED = /@(?:[^@]*\.)?(?:example\.(?:com|net|org)|example|invalid|test|localhost)$/i;

/** The starter config's placeholder addresses left in: the alerts would go nowhere. */
export async function placeholders({ config }: DoctorContext): Promise<CheckLine[]> {
  if (!config) return [];
  const reserved = [...subscribersOf(config).keys()].filter((s) => RESERVED.test(s));
  if (!reserved.length) return [];
  return [
    warn(
      'subscribers',
      `${reserved.join(', ')} ${reserved.length > 1 ? 'are placeholders' : 'is a placeholder'} (a reserved example domain): ` +
        'put in real addresses',
    ),
  ];
}

/**
 * SMS subscribers: an account in the SMS sandbox texts only the numbers verified in it. One line per number, failing
 * for each the sandbox would not deliver to.
 */
export async function smsSandbox({ config, clients, region }: DoctorContext): Promise<CheckLine[]> {
  const numbers = config ? [...subscribersOf(config).keys()].filter((s) => s.startsWith('+')) : [];
  if (!numbers.length) return [];
  const status = await clients.sns.send(new GetSMSSandboxAccountStatusCommand({}));
  if (!status.IsInSandbox)
    return [ok('sms', `the account is out of the SMS sandbox in ${region}: ${numbers.length} number(s) can be texted`)];
  const verified = await allPages(async (NextToken) => {
    const page = await clients.sns.send(new ListSMSSandboxPhoneNumbersCommand({ NextToken }));
    return { items: page.PhoneNumbers ?? [], next: page.NextToken };
  });
  const leave = 'or move the account out of the sandbox (SNS console, Text messaging (SMS), Exit SMS sandbox)';
  return numbers.map((number) => {
    const entry = verified.find((v) => v.PhoneNumber === number);
    if (entry?.Status === 'Verified') return ok(`sms ${number}`, `verified in the SMS sandbox of ${region}: it receives texts`);
    if (entry) {
      return fail(
        `sms ${number}`,
        'waiting for its code in the SMS sandbox: ' +
          `\`aws sns verify-sms-sandbox-phone-number --phone-number ${number} --one-time-password <code>\`, ${leave}`,
      );
    }
    return fail(
      `sms ${number}`,
      `the account is in the SMS sandbox of ${region} and this number is not verified, so it gets no text: ` +
        `\`aws sns create-sms-sandbox-phone-number --phone-number ${number}\` and verify the code, ${leave}`,
    );
  });
}

/**
 * After a deploy: each e-mail and https subscriber must confirm its subscription before it receives anything. Reads the
 * stack's topic outputs and each topic's subscriptions; before the first deploy there is nothing to read yet.
 */
export async function confirmations({ config, clients, stack }: DoctorContext): Promise<CheckLine[]> {
  const subscribers = config ? [...subscribersOf(config)].filter(([s]) => s.includes('@') || s.startsWith('https://')) : [];
  if (!subscribers.length) return [];
  let outputs: Map<string, string>;
  try {
    const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stack }));
    outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    if (errorName(error) === 'ValidationError' && /does not exist/.test(errorText(error))) {
      return [
        ok('confirmations', `stack ${stack} is not deployed yet: after \`cdk deploy\`, each e-mail subscriber confirms the mail from AWS`),
      ];
    }
    throw error;
  }
  const topics = [...new Set(subscribers.flatMap(([, t]) => t))];
  const byTopic = new Map<Topic, Array<{ Endpoint?: string; Protocol?: string; SubscriptionArn?: string }>>();
  const missing: Topic[] = [];
  await Promise.all(
    topics.map(async (topic) => {
      const arn = outputs.get(topicArnOutput(topic));
      if (!arn) {
        missing.push(topic);
        return;
      }
      byTopic.set(
        topic,
        await allPages(async (NextToken) => {
          const page = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn, NextToken }));
          return { items: page.Subscriptions ?? [], next: page.NextToken };
        }),
      );
    }),
  );
  const lines: CheckLine[] = [];
  if (missing.length)
    lines.push(warn('confirmations', `stack ${stack} has no ${missing.map(topicArnOutput).join(', ')} output: deploy this version`));
  for (const [subscriber, on] of subscribers) {
    const protocol = subscriber.startsWith('https://') ? 'https' : 'email';
    const states = on.flatMap((topic) => {
      const subscriptions = byTopic.get(topic);
      if (!subscriptions) return [];
      const found = subscriptions.find((s) => s.Protocol === protocol && s.Endpoint?.toLowerCase() === subscriber.toLowerCase());
      return [{ topic, state: !found ? 'missing' : found.SubscriptionArn === 'PendingConfirmation' ? 'pending' : 'confirmed' }];
    });
    const of = (state: string) => states.filter((s) => s.state === state).map((s) => s.topic);
    const check = `${protocol} ${subscriber}`;
    if (of('missing').length) {
      lines.push(
        fail(check, `not subscribed to the ${of('missing').join(', ')} topic(s) of ${stack}: deploy this config (\`npx cdk deploy\`)`),
      );
    } else if (of('pending').length) {
      const how =
        protocol === 'email'
          ? 'open the "AWS Notification - Subscription Confirmation" mail and follow its link'
          : 'the endpoint must answer the SubscriptionConfirmation message by visiting its SubscribeURL';
      lines.push(warn(check, `pending confirmation on ${of('pending').join(', ')}: nothing reaches it until then; ${how}`));
    } else if (states.length) {
      lines.push(ok(check, `confirmed on ${of('confirmed').join(', ')}`));
    }
  }
  return lines;
}

/** Chat channels: AWS Chatbot can only deliver to a Slack workspace or Teams team that was authorised in its console first. */
export async function chatWorkspaces({ config, clients }: DoctorContext): Promise<CheckLine[]> {
  const slack = config?.subscribers.chat?.slack ?? [];
  const teams = config?.subscribers.chat?.teams ?? [];
  const lines: CheckLine[] = [];
  const console = 'in the AWS Chatbot console (Configure new client), then deploy';
  if (slack.length) {
    const authorised = await allPages(async (NextToken) => {
      const page = await clients.chatbot.send(new DescribeSlackWorkspacesCommand({ NextToken }));
      return { items: page.SlackWorkspaces ?? [], next: page.NextToken };
    });
    for (const workspace of new Set(slack.map((s) => s.workspaceId))) {
      const found = authorised.find((w) => w.SlackTeamId === workspace);
      lines.push(
        found
          ? ok(`slack ${workspace}`, `workspace ${found.SlackTeamName ?? workspace} is authorised for AWS Chatbot`)
          : fail(`slack ${workspace}`, `workspace not authorised for AWS Chatbot: authorise it ${console}`),
      );
    }
  }
  if (teams.length) {
    const configured = await allPages(async (NextToken) => {
      const page = await clients.chatbot.send(new ListMicrosoftTeamsConfiguredTeamsCommand({ NextToken }));
      return { items: page.ConfiguredTeams ?? [], next: page.NextToken };
    });
    const seen = new Set<string>();
    for (const team of teams) {
      const key = `${team.tenantId}/${team.teamId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const found = configured.find((t) => t.TeamId === team.teamId && t.TenantId === team.tenantId);
      lines.push(
        found
          ? ok(`teams ${team.teamId}`, `team ${found.TeamName ?? team.teamId} is authorised for AWS Chatbot`)
          : fail(`teams ${team.teamId}`, `team not authorised for AWS Chatbot (tenant ${team.tenantId}): authorise it ${console}`),
      );
    }
  }
  return lines;
}
