import type { NotificationBodies } from '../../domain/alert-document.js';
import type { Notification } from '../../domain/report.js';
import { SNS_MESSAGE_LIMIT } from '../text.js';
import { chatbotEvent, CHAT_DESCRIPTION_MAX_CHARS } from './chatbot.js';
import { alertDocument } from './document.js';
import { emailText, type MessageConfig } from './email.js';
import { smsText } from './sms.js';
import type { PlannedNotification } from '../notice.js';

export { stateOf } from './document.js';
export type { MessageConfig } from './email.js';

/** The SNS protocols with a body of their own; any other (email-json, application) gets `default`. */
export const SNS_MESSAGE_KEYS = ['default', 'email', 'sms', 'https', 'lambda', 'sqs', 'firehose'] as const;

/** Room left for SNS's own accounting of the request, beyond subject, message and attributes. */
const SNS_HEADROOM = 4_096;

/**
 * Size steps, largest first: a notice takes the first whose whole published message fits. The
 * message carries the text twice (default, email) and the document four times (three protocols
 * and the Chatbot event), so each copy gets a share, and long summaries and `observed` go first.
 */
const LEVELS = [
  { textBytes: 48_000, docBytes: 32_000, summaryChars: 2_000, descriptionChars: CHAT_DESCRIPTION_MAX_CHARS, withoutObserved: false },
  { textBytes: 24_000, docBytes: 16_000, summaryChars: 1_000, descriptionChars: CHAT_DESCRIPTION_MAX_CHARS, withoutObserved: false },
  { textBytes: 12_000, docBytes: 8_000, summaryChars: 400, descriptionChars: CHAT_DESCRIPTION_MAX_CHARS, withoutObserved: true },
  { textBytes: 6_000, docBytes: 4_000, summaryChars: 200, descriptionChars: 2_000, withoutObserved: true },
  { textBytes: 3_000, docBytes: 2_000, summaryChars: 100, descriptionChars: 1_000, withoutObserved: true },
  { textBytes: 1_000, docBytes: 1_000, summaryChars: 60, descriptionChars: 500, withoutObserved: true },
] as const;

/** The `Message` of a Publish with `MessageStructure: 'json'`: one string per protocol. */
export function snsMessageOf(bodies: NotificationBodies): string {
  const document = JSON.stringify(bodies.json);
  const message: Record<(typeof SNS_MESSAGE_KEYS)[number], string> = {
    default: bodies.email,
    email: bodies.email,
    sms: bodies.sms,
    https: JSON.stringify(bodies.https),
    lambda: document,
    sqs: document,
    firehose: document,
  };
  return JSON.stringify(message);
}

/** What SNS counts against its 256 KB: subject, message, and each attribute's name, type and value. */
export function publishedBytes(subject: string, message: string, attributes: Notification['attributes']): number {
  return (
    Buffer.byteLength(subject) +
    Buffer.byteLength(message) +
    Buffer.byteLength(`severityString${attributes.severity}`) +
    Buffer.byteLength(`targetString.Array${JSON.stringify(attributes.target)}`) +
    Buffer.byteLength(`checkString.Array${JSON.stringify(attributes.check)}`)
  );
}

export interface BodyOptions {
  /** Upper bound for the e-mail text in UTF-8 bytes. */
  readonly maxTextBytes?: number;
  /** The deployment's CloudWatch dashboard, linked from every body that has room for it. */
  readonly dashboard?: string;
}

/** Every protocol's body of one notice, the largest that keep the whole published message under SNS's limit. */
export function renderBodies(
  planned: PlannedNotification,
  config: MessageConfig,
  subject: string,
  attributes: Notification['attributes'],
  options: BodyOptions = {},
): NotificationBodies {
  const limit = SNS_MESSAGE_LIMIT - SNS_HEADROOM;
  let bodies: NotificationBodies | undefined;
  for (const level of LEVELS) {
    const email = emailText(
      planned,
      config,
      { maxBytes: Math.min(level.textBytes, options.maxTextBytes ?? Number.POSITIVE_INFINITY), summaryChars: level.summaryChars },
      options.dashboard,
    );
    const json = alertDocument(planned, config, subject, { maxBytes: level.docBytes, ...level }, options.dashboard);
    const https = chatbotEvent(planned, config, json, level);
    bodies = { email, sms: smsText(planned, config.language), json, https };
    if (publishedBytes(subject, snsMessageOf(bodies), attributes) <= limit) return bodies;
  }
  // Only pathological attributes (thousands of check names) get here; the smallest step is the best there is.
  return bodies!;
}
