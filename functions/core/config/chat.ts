import { z } from 'zod';

/** The topics a chat channel can follow: the four severities and the daily digest. */
const chatTopics = z
  .array(z.enum(['critical', 'high', 'medium', 'low', 'digest']))
  .min(1, 'name at least one of critical, high, medium, low, digest')
  .refine((list) => new Set(list).size === list.length, 'lists a topic twice')
  .describe('the topics the channel follows');

const uuid = /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$/;

/** Slack: the workspace (team) ID from the Chatbot console, T..., and the channel ID from the channel's details, C.... */
export const slackChannelSchema = z
  .strictObject({
    workspaceId: z
      .string()
      .regex(/^[0-9A-Z]{1,255}$/, 'a Slack workspace ID such as T07ABCDEF12 (capital letters and digits)')
      .describe('the workspace ID the Chatbot console shows once the workspace is authorised (T...)'),
    channelId: z
      .string()
      .regex(/^[A-Za-z0-9]{1,256}$/, 'a Slack channel ID such as C07ABCDEF12 (letters and digits; not the #name)')
      .describe("the channel ID from the channel's details (C..., not its #name)"),
    severities: chatTopics,
  })
  .describe('Slack channels fed by AWS Chatbot');

/**
 * Microsoft Teams: team and tenant IDs (UUIDs) and the channel ID as it appears URL-encoded in the channel link
 * (19%3a...%40thread.tacv2).
 */
export const teamsChannelSchema = z
  .strictObject({
    teamId: z.string().regex(uuid, 'a Microsoft Teams team ID (a UUID)').describe('the team ID (a UUID) the Chatbot console shows'),
    tenantId: z.string().regex(uuid, 'a Microsoft 365 tenant ID (a UUID)').describe('the Microsoft 365 tenant ID (a UUID)'),
    channelId: z
      .string()
      .max(256)
      .regex(
        /^[a-zA-Z0-9\-_=+/.,]*%3[aA][a-zA-Z0-9\-_=+/.,]*%40[a-zA-Z0-9\-_=+/.,]*$/,
        'a Teams channel ID as in the channel link, URL-encoded (19%3a...%40thread.tacv2)',
      )
      .describe('the channel ID as it appears, URL-encoded, in the channel link (19%3a...%40thread.tacv2)'),
    severities: chatTopics,
  })
  .describe('Microsoft Teams channels fed by AWS Chatbot');

/**
 * `subscribers.chat`: Slack and Teams channels that AWS Chatbot feeds from the severity topics.
 * Each workspace or team is authorised once in the Chatbot console before deploying (docs/alerts.md).
 */
export const chatSubscribersSchema = z
  .strictObject({
    slack: z.array(slackChannelSchema).optional(),
    teams: z.array(teamsChannelSchema).optional(),
  })
  .describe('chat channels (Slack, Microsoft Teams) that AWS Chatbot feeds from the topics')
  .superRefine((chat, ctx) => {
    const seen = new Map<string, string>();
    const check = (key: string, path: Array<string | number>) => {
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path, message: `the same channel as ${seen.get(key)}` });
      else seen.set(key, `subscribers.chat.${path.join('.').replace(/\.(\d+)/g, '[$1]')}`);
    };
    for (const [i, s] of (chat.slack ?? []).entries()) check(`slack:${s.workspaceId}/${s.channelId}`, ['slack', i]);
    for (const [i, t] of (chat.teams ?? []).entries()) check(`teams:${t.tenantId}/${t.teamId}/${t.channelId.toLowerCase()}`, ['teams', i]);
  });

export type ChatSubscribers = z.output<typeof chatSubscribersSchema>;
