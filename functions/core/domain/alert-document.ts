import { z } from 'zod';
import { JOBS } from '../jobs.js';
import { SEVERITIES } from './severity.js';

/**
 * What machine subscribers (https, lambda, sqs, firehose) receive, and its AWS Chatbot wrapping.
 * Public contract: docs/alerts.md ("Alert bodies") documents these fields. Add fields freely; a change that
 * removes or retypes one bumps ALERT_DOCUMENT_VERSION.
 */
export const ALERT_DOCUMENT_SCHEMA = 'ops-autopilot/alert';
export const ALERT_DOCUMENT_VERSION = 1;

const alertSeverity = z.enum(['critical', 'high', 'medium', 'low']);
const isoTime = z.iso.datetime({ offset: true });

/** alert: newly failing or escalated; repeat: still open, reminded; resolved: ok again; flapping: notices paused. */
export const ALERT_STATES = ['alert', 'repeat', 'resolved', 'flapping'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const alertDocumentItemSchema = z.strictObject({
  /** `<target>/<check>`: the alert key, stable across runs. */
  key: z.string(),
  target: z.string(),
  check: z.string(),
  kind: z.string(),
  /** This run's severity of the check (`ok` when resolved). */
  severity: z.enum(SEVERITIES),
  state: z.enum(ALERT_STATES),
  /** The engine's finer reason: opened, escalated, repeat, flapping, stable, resolved. */
  change: z.enum(['opened', 'escalated', 'repeat', 'flapping', 'stable', 'resolved']),
  /** escalated: the severity announced before; resolved: the severity that was open. */
  previousSeverity: alertSeverity.nullable(),
  summary: z.string(),
  /** The probe's measurements (status, responseTimeMs, usedPct, ...); null when it gave none or they were cut for size. */
  observed: z.record(z.string(), z.unknown()).nullable(),
  /** The response target of this check's severity (a duration such as "15m"); null when nothing is to be done. */
  respondWithin: z.string().nullable(),
  /** When this failure episode was first seen; null once resolved. */
  firstSeenAt: isoTime.nullable(),
  /** When subscribers were first told; null before that. */
  openedAt: isoTime.nullable(),
});

export const alertDocumentSchema = z.strictObject({
  schema: z.literal(ALERT_DOCUMENT_SCHEMA),
  version: z.literal(ALERT_DOCUMENT_VERSION),
  /** `<job>:<topic>:<at>`: unique per notice, for de-duplication by receivers. */
  id: z.string(),
  job: z.enum(JOBS),
  topic: alertSeverity,
  severity: alertSeverity,
  at: isoTime,
  language: z.enum(['en', 'ja']),
  /** The e-mail subject (printable ASCII). */
  subject: z.string(),
  /** Whether any item still needs someone (false when every item resolved or is ok again). */
  needsAction: z.boolean(),
  /** The response target of the topic's severity; null when nothing needs action. */
  respondWithin: z.string().nullable(),
  /** The CloudWatch dashboard of the deployment; null in --local runs. */
  dashboard: z.url().nullable(),
  /** The status page, with a token valid 7 days; absent in --local runs and where no page function is deployed. */
  statusPage: z.url().optional(),
  counts: z.strictObject({
    alert: z.number().int().min(0),
    repeat: z.number().int().min(0),
    resolved: z.number().int().min(0),
    flapping: z.number().int().min(0),
  }),
  alerts: z.array(alertDocumentItemSchema),
  /** Items left out to stay under the SNS size limit (counts and the attributes still cover them). */
  omitted: z.number().int().min(0),
});

export type AlertDocument = z.output<typeof alertDocumentSchema>;
export type AlertDocumentItem = z.output<typeof alertDocumentItemSchema>;

/**
 * AWS Chatbot (Amazon Q Developer in chat applications) custom notification: `version` "1.0" and
 * `source` "custom" are required, `content.description` is the message. additionalContext values
 * are strings, so the alert document travels there as JSON text (`document`).
 */
export const chatbotEventSchema = z.strictObject({
  version: z.literal('1.0'),
  source: z.literal('custom'),
  id: z.string().optional(),
  content: z.strictObject({
    textType: z.literal('client-markdown'),
    title: z.string().min(1),
    description: z.string().min(1),
    nextSteps: z.array(z.string()).optional(),
    keywords: z.array(z.string()).optional(),
  }),
  metadata: z.strictObject({
    threadId: z.string().optional(),
    summary: z.string(),
    eventType: z.string(),
    relatedResources: z.array(z.string()),
    additionalContext: z.record(z.string(), z.string()),
  }),
});

export type ChatbotEvent = z.output<typeof chatbotEventSchema>;

/** The daily digest for machine subscribers: every check's state and the open alerts against their response target. */
export const DIGEST_DOCUMENT_SCHEMA = 'ops-autopilot/digest';

const digestCheckSchema = z.strictObject({
  key: z.string(),
  target: z.string(),
  check: z.string(),
  kind: z.string(),
  severity: z.enum(SEVERITIES),
  summary: z.string(),
});

export const digestDocumentSchema = z.strictObject({
  schema: z.literal(DIGEST_DOCUMENT_SCHEMA),
  version: z.literal(1),
  /** `digest:<local date>`. */
  id: z.string(),
  job: z.literal('digest'),
  at: isoTime,
  localDate: z.string(),
  language: z.enum(['en', 'ja']),
  subject: z.string(),
  dashboard: z.url().nullable(),
  statusPage: z.url().optional(),
  counts: z.strictObject({
    checks: z.number().int().min(0),
    notOk: z.number().int().min(0),
    open: z.number().int().min(0),
    breached: z.number().int().min(0),
  }),
  /**
   * Jobs whose alert state could not be read: `counts` then cover only the other jobs, and the totals are unknown
   * (the text, subject and SMS say "unknown"). Absent when every state was read.
   */
  stateUnreadable: z.array(z.string()).min(1).optional(),
  /** Open alerts, worst first, with their age against the response target. */
  open: z.array(
    digestCheckSchema.extend({
      severity: alertSeverity,
      openedAt: isoTime,
      respondWithin: z.string(),
      breached: z.boolean(),
    }),
  ),
  /** Every check's latest state, not-ok first; cut for size last (then counted in `omitted`). */
  checks: z.array(digestCheckSchema),
  omitted: z.number().int().min(0),
});

export type DigestDocument = z.output<typeof digestDocumentSchema>;

/** What each SNS protocol receives for one notice (the report's `bodies`, docs/cli.md). */
export interface NotificationBodies {
  /** email (and `default`, for protocols without their own key): the full text. */
  readonly email: string;
  /** sms: one line, at most SMS_MAX_BYTES UTF-8 bytes. */
  readonly sms: string;
  /** lambda, sqs, firehose: the alert document (the digest's own document for the daily digest). */
  readonly json: AlertDocument | DigestDocument;
  /** https (AWS Chatbot subscribes over https): the custom-notification event around the same fields. */
  readonly https: ChatbotEvent;
}

/** One SMS segment. */
export const SMS_MAX_BYTES = 140;
