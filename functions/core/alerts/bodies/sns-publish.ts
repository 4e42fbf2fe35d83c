import type { NotificationBodies } from '../../domain/alert-document.js';
import type { Notification } from '../../domain/report.js';

/*
 * What one notice becomes as an SNS Publish, and what SNS counts of it against its 262,144-byte limit. The SNS
 * channel publishes exactly snsPublishOf(notification); the bodies are sized, and the JSON report's `bytes` is
 * computed, by publishedBytes() of that same object, so the three can never disagree.
 */

/** The SNS protocols with a body of their own; any other (email-json, application) gets `default`. */
export const SNS_MESSAGE_KEYS = ['default', 'email', 'sms', 'https', 'lambda', 'sqs', 'firehose'] as const;

/**
 * Each String.Array attribute (`target`, `check`) holds at most this many bytes of JSON. A small team's notice names
 * all its targets well within it (400 names of 5 characters fit); a mass outage names the first that fit, then
 * ATTRIBUTE_MORE, and counts the rest in `targetsOmitted` / `checksOmitted`.
 */
export const ATTRIBUTE_ARRAY_MAX_BYTES = 4_096;

/**
 * The value standing for the names a summarised attribute leaves out. A subscription filter policy that lists it
 * beside its own targets (`{"target": ["shop", "*"]}`) still receives a mass-outage notice that names `shop` only in
 * its bodies. Target and check names cannot be `*` (the config's name alphabet has no `*`).
 */
export const ATTRIBUTE_MORE = '*';

/** SNS message attributes as the SDK takes them (`MessageAttributes`). */
export interface SnsAttributeValue {
  readonly DataType: 'String' | 'String.Array' | 'Number';
  readonly StringValue: string;
}

/** The parts of a PublishCommand input that come from the notice (TopicArn is the channel's). */
export interface SnsPublish {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageStructure?: 'json';
  readonly MessageAttributes: Readonly<Record<string, SnsAttributeValue>>;
}

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

type Publishable = Pick<Notification, 'subject' | 'message' | 'attributes' | 'bodies'>;

/** The Publish of one notice: each protocol its own body when it has bodies, and the filterable attributes. */
export function snsPublishOf(notification: Publishable): SnsPublish {
  const { attributes } = notification;
  return {
    Subject: notification.subject,
    ...(notification.bodies
      ? { MessageStructure: 'json' as const, Message: snsMessageOf(notification.bodies) }
      : { Message: notification.message }),
    MessageAttributes: {
      severity: { DataType: 'String', StringValue: attributes.severity },
      // SNS reads String.Array values as JSON array text.
      target: { DataType: 'String.Array', StringValue: JSON.stringify(attributes.target) },
      check: { DataType: 'String.Array', StringValue: JSON.stringify(attributes.check) },
      ...(attributes.targetsOmitted ? { targetsOmitted: { DataType: 'Number', StringValue: String(attributes.targetsOmitted) } } : {}),
      ...(attributes.checksOmitted ? { checksOmitted: { DataType: 'Number', StringValue: String(attributes.checksOmitted) } } : {}),
    },
  };
}

/** What SNS counts against its limit: subject, message, and each attribute's name, data type and value, in UTF-8 bytes. */
export function publishedBytesOf(publish: SnsPublish): number {
  let bytes = Buffer.byteLength(publish.Subject) + Buffer.byteLength(publish.Message);
  for (const [name, value] of Object.entries(publish.MessageAttributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType) + Buffer.byteLength(value.StringValue);
  }
  return bytes;
}

/** The size SNS counts of a notice as the SNS channel publishes it (the report's `bytes`). */
export function publishedBytes(notification: Publishable): number {
  return publishedBytesOf(snsPublishOf(notification));
}

/** The first names whose JSON array fits `maxBytes` with room for ATTRIBUTE_MORE, and how many were left out. */
function boundedNames(names: readonly string[], maxBytes: number): { names: string[]; omitted: number } {
  const unique = [...new Set(names)];
  if (Buffer.byteLength(JSON.stringify(unique)) <= maxBytes) return { names: unique, omitted: 0 };
  const kept: string[] = [];
  // `[` + `]` + `,"*"`; each kept name adds its JSON and a comma.
  let bytes = 2 + Buffer.byteLength(JSON.stringify(ATTRIBUTE_MORE));
  for (const name of unique) {
    const size = Buffer.byteLength(JSON.stringify(name)) + 1;
    if (bytes + size > maxBytes) break;
    kept.push(name);
    bytes += size;
  }
  return { names: [...kept, ATTRIBUTE_MORE], omitted: unique.length - kept.length };
}

/**
 * The filterable attributes of a notice about `targets` and `checks` (duplicates removed, order kept), each array
 * within ATTRIBUTE_ARRAY_MAX_BYTES: at scale the first names, ATTRIBUTE_MORE, and the count of the rest.
 */
export function boundedAttributes(
  severity: string,
  targets: readonly string[],
  checks: readonly string[],
  maxBytes = ATTRIBUTE_ARRAY_MAX_BYTES,
): Notification['attributes'] {
  const target = boundedNames(targets, maxBytes);
  const check = boundedNames(checks, maxBytes);
  return {
    severity,
    target: target.names,
    check: check.names,
    ...(target.omitted ? { targetsOmitted: target.omitted } : {}),
    ...(check.omitted ? { checksOmitted: check.omitted } : {}),
  };
}
