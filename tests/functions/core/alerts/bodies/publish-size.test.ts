import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ATTRIBUTE_ARRAY_MAX_BYTES, ATTRIBUTE_MORE, publishedBytes } from '../../../../../functions/core/alerts/bodies/index.js';
import { renderNotification } from '../../../../../functions/core/alerts/message.js';
import type { Change, PlannedItem, PlannedNotification } from '../../../../../functions/core/alerts/notice.js';
import { renderStateLost } from '../../../../../functions/core/alerts/state-lost.js';
import type { AlertEntry } from '../../../../../functions/core/alerts/state.js';
import { SNS_MESSAGE_LIMIT } from '../../../../../functions/core/alerts/text.js';
import { SnsChannel } from '../../../../../functions/core/delivery/channels/sns/index.js';
import {
  alertDocumentSchema,
  digestDocumentSchema,
  SMS_MAX_BYTES,
  type AlertDocument,
} from '../../../../../functions/core/domain/alert-document.js';
import type { Notification, Topic } from '../../../../../functions/core/domain/report.js';
import type { AlertSeverity } from '../../../../../functions/core/domain/severity.js';
import { renderDigest } from '../../../../../functions/digest/render-digest.js';
import { validateConfig } from '../../../../../functions/kinds/config.js';

/**
 * Issue 19 item 1: every publish fits SNS's limits at any scale. Before, a mass outage (2,000 targets x 2 failing
 * checks) made a 443,663-byte notice, 354 KB of it the `target` and `check` attributes: SNS rejects it and nobody is
 * paged exactly when everything is down. A seeded generator draws notices of 1 to 10,000 items with 64-character check
 * names; each is published through the real SNS channel (the client mocked) and what it sent is measured here,
 * independently of the product's own publishedBytes(), which must agree with it.
 */
const sns = mockClient(SNSClient);
afterEach(() => sns.reset());
const ARNS = Object.fromEntries(
  (['critical', 'high', 'medium', 'low', 'digest'] as const).map((t) => [t, `arn:aws:sns:ap-northeast-1:123456789012:${t}`]),
) as Record<Topic, string>;

/** mulberry32: a small seeded generator, so a failing case is the same case on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-';
const CHANGES: Change[] = ['opened', 'escalated', 'repeat', 'resolved', 'flapping', 'stable'];

function nameOf(rand: () => number, length: number, first = 'a'): string {
  let name = first;
  while (name.length < length) name += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return name;
}

/** A notice of `count` items over a random number of targets, check names of 64 characters, summaries of any length. */
function notice(seed: number, count: number): { planned: PlannedNotification; language: 'en' | 'ja' } {
  const rand = random(seed);
  const severity = (['critical', 'high', 'medium', 'low'] as const)[Math.floor(rand() * 4)]!;
  const targetCount = Math.max(1, Math.floor(rand() * count) + 1);
  const targets = Array.from({ length: targetCount }, (_, i) => `${nameOf(rand, 1 + Math.floor(rand() * 33))}${i}`.slice(0, 40));
  const japanese = rand() < 0.3;
  const items: PlannedItem[] = Array.from({ length: count }, (_, i) => {
    const target = targets[i % targetCount]!;
    const check = `${nameOf(rand, 58, 'c')}${String(i).padStart(6, '0')}`;
    const change = CHANGES[Math.floor(rand() * CHANGES.length)]!;
    const summary = japanese
      ? `接続できません: ${'応答なし'.repeat(Math.floor(rand() * 80))}`
      : `no connection: ${'x'.repeat(Math.floor(rand() * 400))}`;
    return {
      key: `${target}/${check}`,
      target,
      check,
      kind: 'tcp',
      change,
      severity: change === 'resolved' ? 'ok' : severity,
      ...(change === 'resolved' ? { previousSeverity: severity } : {}),
      summary,
      observed: { host: '127.0.0.1', port: 9, error: 'ECONNREFUSED', detail: 'y'.repeat(Math.floor(rand() * 200)) },
      failingSince: '2026-11-23T02:00:00.000Z',
      openedAt: '2026-11-23T02:05:00.000Z',
    };
  });
  return {
    planned: { id: `health:${severity}`, topic: severity, severity, job: 'health', at: '2026-11-23T03:00:00.000Z', items },
    language: japanese ? 'ja' : 'en',
  };
}

/** What the SNS channel sent for `notification`, and its size counted here: subject, message, each attribute's name, type and value. */
async function published(notification: Notification): Promise<{ bytes: number; input: PublishCommand['input'] }> {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  await new SnsChannel(ARNS, new SNSClient({ region: 'ap-northeast-1' })).publish(notification);
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0]!.args[0].input;
  let bytes = Buffer.byteLength(input.Subject ?? '') + Buffer.byteLength(input.Message ?? '');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return { bytes, input };
}

function expectSnsLimits(notification: Notification, sent: { bytes: number; input: PublishCommand['input'] }): void {
  expect(sent.bytes).toBeLessThanOrEqual(SNS_MESSAGE_LIMIT);
  // The report's `bytes` is what the channel sent, to the byte.
  expect(publishedBytes(notification)).toBe(sent.bytes);
  const subject = sent.input.Subject!;
  expect(subject.length).toBeGreaterThan(0);
  expect(subject.length).toBeLessThan(100);
  expect(subject).toMatch(/^[\x20-\x7e]+$/);
  expect(Buffer.byteLength(notification.bodies!.sms)).toBeLessThanOrEqual(SMS_MAX_BYTES);
  for (const name of ['target', 'check'] as const) {
    const value = sent.input.MessageAttributes![name]!;
    expect(value.DataType).toBe('String.Array');
    expect(Buffer.byteLength(value.StringValue!)).toBeLessThanOrEqual(ATTRIBUTE_ARRAY_MAX_BYTES);
  }
}

/** The attribute `name` lists the first unique `names` and, when it had to leave some out, "*" and their count. */
function expectSummarised(attribute: readonly string[], omitted: number | undefined, names: readonly string[]): void {
  const unique = [...new Set(names)];
  if (!omitted) {
    expect(attribute).toEqual(unique);
    return;
  }
  expect(attribute.at(-1)).toBe(ATTRIBUTE_MORE);
  expect(attribute.slice(0, -1)).toEqual(unique.slice(0, attribute.length - 1));
  expect(attribute.length - 1 + omitted).toBe(unique.length);
}

const SIZES = [1, 2, 50, 400, 4_000, 10_000];
const DRAWN = Array.from({ length: 8 }, (_, i) => 1 + Math.floor(random(1_000 + i)() * 10_000));

describe('every publish fits SNS: 1 to 10,000 failing checks with 64-character names (seeded)', () => {
  it.each([...SIZES, ...DRAWN].map((count, i) => ({ count, seed: 19_000 + i })))(
    '$count items (seed $seed): whole message <= 262,144 bytes as sent, subject and SMS within their limits, the rest counted',
    async ({ count, seed }) => {
      const { planned, language } = notice(seed, count);
      const config = validateConfig({ language, targets: { web: {} } });
      const notification = renderNotification(planned, config, { dashboard: 'https://console.aws.amazon.com/cloudwatch/home#dashboards' });
      expectSnsLimits(notification, await published(notification));
      const document = alertDocumentSchema.parse(notification.bodies!.json) as AlertDocument;
      // The document says how many items it left out; with its counts it still covers every one.
      expect(document.alerts.length + document.omitted).toBe(count);
      expect(Object.values(document.counts).reduce((a, b) => a + b, 0)).toBe(count);
      const { attributes } = notification;
      expectSummarised(
        attributes.target,
        attributes.targetsOmitted,
        planned.items.map((item) => item.target),
      );
      expectSummarised(
        attributes.check,
        attributes.checksOmitted,
        planned.items.map((item) => item.check),
      );
    },
    60_000,
  );

  it('2,000 targets x 2 checks: the subject and the e-mail name the first targets and count the rest', async () => {
    const items: PlannedItem[] = [];
    for (let i = 0; i < 2_000; i++) {
      for (const j of [0, 1]) {
        const target = `target-${String(i).padStart(5, '0')}-${'x'.repeat(20)}`;
        const check = `${'check-name-'.padEnd(56, 'c')}-${String(i).padStart(5, '0')}-${j}`;
        items.push({
          key: `${target}/${check}`,
          target,
          check,
          kind: 'tcp',
          change: 'opened',
          severity: 'high',
          summary: 'connection refused',
        });
      }
    }
    const planned: PlannedNotification = {
      id: 'health:high',
      topic: 'high',
      severity: 'high',
      job: 'health',
      at: '2026-11-23T03:00:00.000Z',
      items,
    };
    const notification = renderNotification(planned, validateConfig({ targets: { web: {} } }));
    const sent = await published(notification);
    expectSnsLimits(notification, sent);
    expect(notification.subject).toBe('[HIGH] 4000 alerts on 2000 targets: target-00000-xxxxxxxxxxxxxxxxxxxx +1999');
    expect(notification.message).toMatch(/^Targets \(2000\): target-00000-x{20} \(2\), target-00001-x{20} \(2\), .* and \d+ more$/m);
    expect(notification.message).toMatch(/\.\.\. \[truncated: \d+ more items\]/);
    expect(notification.attributes.targetsOmitted).toBeGreaterThan(1_800);
    expect(sent.input.MessageAttributes!.targetsOmitted).toEqual({
      DataType: 'Number',
      StringValue: String(notification.attributes.targetsOmitted),
    });
    expect(JSON.parse(sent.input.MessageAttributes!.target!.StringValue!).at(-1)).toBe('*');
  });
});

describe('the other notices fit too', () => {
  it.each([1, 10_000])('"state lost" naming %i targets of 40 characters', async (count) => {
    const targets = Array.from({ length: count }, (_, i) => `t${String(i).padStart(6, '0')}-${'s'.repeat(32)}`);
    const notification = renderStateLost(
      { job: 'health', key: 'state/alerts/health.json', location: 's3://bucket', reason: 'missing', at: '2026-11-23T03:00:00.000Z' },
      validateConfig({ targets: { web: {} } }),
      targets,
    );
    expectSnsLimits(notification, await published(notification));
    expectSummarised(notification.attributes.target, notification.attributes.targetsOmitted, targets);
  });

  it('the digest of 5,000 targets and 10,000 checks, half of them open', async () => {
    const now = new Date('2026-11-23T03:00:00.000Z');
    const targets = Array.from({ length: 5_000 }, (_, i) => `t${String(i).padStart(5, '0')}-${'d'.repeat(33)}`);
    const config = validateConfig({ targets: Object.fromEntries(targets.map((t) => [t, {}])) });
    const entries: Record<string, AlertEntry> = {};
    for (const [i, target] of targets.entries()) {
      for (const j of [0, 1]) {
        const check = `${'c'.repeat(60)}-${j}-${String(i % 10)}`;
        const failing = j === 0;
        const severity: AlertSeverity = 'high';
        entries[`${target}/${check}`] = {
          target,
          check,
          kind: 'tcp',
          severity: failing ? severity : 'ok',
          consecutiveFailures: failing ? 3 : 0,
          consecutiveOks: failing ? 0 : 3,
          history: [],
          summary: failing ? `no connection: ${'e'.repeat(120)}` : 'connected in 1 ms',
          lastSeenAt: now.toISOString(),
          open: failing
            ? { severity, openedAt: '2026-11-23T01:00:00.000Z', lastNotifiedAt: '2026-11-23T02:00:00.000Z', notifiedSeverity: severity }
            : null,
          flapping: null,
        };
      }
    }
    const digest = renderDigest({ now, states: [{ version: 1, entries }], backups: [] }, config);
    const notification: Notification = {
      topic: 'digest',
      severity: 'digest',
      subject: digest.subject,
      message: digest.message,
      attributes: digest.attributes,
      bodies: digest.bodies,
    };
    expectSnsLimits(notification, await published(notification));
    const document = digestDocumentSchema.parse(digest.bodies.json);
    expect(document.counts).toMatchObject({ checks: 10_000, open: 5_000 });
    expect(document.checks.length + document.omitted).toBe(10_000);
    expectSummarised(digest.attributes.target, digest.attributes.targetsOmitted, targets);
  }, 60_000);
});
