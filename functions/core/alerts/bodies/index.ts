import type { NotificationBodies } from '../../domain/alert-document.js';
import type { Notification } from '../../domain/report.js';
import { SNS_MESSAGE_LIMIT } from '../text.js';
import { chatbotEvent, CHAT_DESCRIPTION_MAX_CHARS } from './chatbot.js';
import { alertDocument } from './document.js';
import { emailText, type MessageConfig } from './email.js';
import { smsText } from './sms.js';
import { publishedBytes } from './sns-publish.js';
import type { PlannedNotification } from '../notice.js';

export { stateOf } from './document.js';
export {
  ATTRIBUTE_ARRAY_MAX_BYTES,
  ATTRIBUTE_MORE,
  boundedAttributes,
  publishedBytes,
  publishedBytesOf,
  SNS_MESSAGE_KEYS,
  snsMessageOf,
  snsPublishOf,
  type SnsPublish,
} from './sns-publish.js';
export type { MessageConfig } from './email.js';

/** Room kept below SNS's limit beyond what publishedBytes() counts (subject, message and attributes), in case SNS counts more. */
export const SNS_HEADROOM = 4_096;

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

export interface BodyOptions {
  /** Upper bound for the e-mail text in UTF-8 bytes. */
  readonly maxTextBytes?: number;
  /** The deployment's CloudWatch dashboard, linked from every body that has room for it. */
  readonly dashboard?: string;
  /** The status page with its token, linked from the e-mail text, the document and the chat card (an SMS has no room). */
  readonly statusPage?: string;
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
      options.statusPage,
    );
    const json = alertDocument(planned, config, subject, { maxBytes: level.docBytes, ...level }, options.dashboard, options.statusPage);
    const https = chatbotEvent(planned, config, json, level);
    bodies = { email, sms: smsText(planned, config.language), json, https };
    if (publishedBytes({ subject, message: email, attributes, bodies }) <= limit) return bodies;
  }
  // The smallest step is a few kilobytes and attributes are bounded (boundedAttributes): it always fits.
  return bodies!;
}
