import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SnsChannel } from '../../../../functions/core/delivery/channels/sns/index.js';
import { SNS_MESSAGE_KEYS } from '../../../../functions/core/alerts/bodies/index.js';
import { smsText } from '../../../../functions/core/alerts/bodies/sms.js';
import { processFindings } from '../../../../functions/core/alerts/process-findings.js';
import { renderNotification } from '../../../../functions/core/alerts/message.js';
import {
  ALERT_DOCUMENT_SCHEMA,
  alertDocumentSchema,
  chatbotEventSchema,
  SMS_MAX_BYTES,
  type AlertDocument,
} from '../../../../functions/core/domain/alert-document.js';
import type { Finding } from '../../../../functions/core/domain/finding.js';
import type { Topic } from '../../../../functions/core/domain/report.js';
import { makeConfig, minutesAfter } from './helpers.js';
import { MemoryObjectStore } from './memory-store.js';
import type { PlannedItem, PlannedNotification } from '../../../../functions/core/alerts/notice.js';

const ARNS: Record<Topic, string> = {
  critical: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-critical',
  high: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-high',
  medium: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-medium',
  low: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-low',
  digest: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-digest',
};
const SNS_LIMIT = 262_144;

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

type Language = 'en' | 'ja';

function httpFinding(target: string, check: string, severity: Finding['severity'], summary: string): Finding {
  return {
    target,
    check,
    kind: 'http',
    severity,
    summary,
    observed: severity === 'ok' ? { status: 200, responseTimeMs: 80 } : { error: 'timeout', timeoutMs: 10_000 },
  };
}

/** Runs the engine with a real SnsChannel over a mocked SNS client: each run's Publish inputs. */
function harness(language: Language) {
  const store = new MemoryObjectStore();
  const notifier = new SnsChannel(ARNS, new SNSClient({ region: 'ap-northeast-1' }));
  const config = makeConfig({ language });
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  return async (minutes: number, findings: Finding[]): Promise<PublishCommandInput[]> => {
    sns.resetHistory();
    const result = await processFindings({ job: 'health', findings, config, store, notifier, now: minutesAfter(minutes) });
    expect(result.failed).toEqual([]);
    return sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
  };
}

interface Published {
  readonly keys: string[];
  readonly email: string;
  readonly sms: string;
  readonly https: unknown;
  readonly json: AlertDocument;
  readonly bytes: number;
}

/** Parses one Publish the way SNS does: a JSON object of one string per protocol; counts what SNS counts. */
function parsePublish(input: PublishCommandInput): Published {
  expect(input.MessageStructure).toBe('json');
  const message = JSON.parse(input.Message!) as Record<string, string>;
  for (const value of Object.values(message)) expect(typeof value).toBe('string');
  expect(message.default).toBe(message.email);
  expect(message.lambda).toBe(message.sqs);
  expect(message.firehose).toBe(message.sqs);
  const attributes = Object.entries(input.MessageAttributes ?? {}).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value.DataType!) + Buffer.byteLength(value.StringValue ?? ''),
    0,
  );
  return {
    keys: Object.keys(message),
    email: message.email!,
    sms: message.sms!,
    https: JSON.parse(message.https!),
    json: alertDocumentSchema.parse(JSON.parse(message.lambda!)),
    bytes: Buffer.byteLength(input.Subject ?? '') + Buffer.byteLength(input.Message!) + attributes,
  };
}

describe.each(['en', 'ja'] as const)('per-protocol SNS messages (%s)', (language) => {
  const down = language === 'en' ? 'no answer: timeout after 10 s' : '応答なし: 10 秒でタイムアウトしました';

  it('one Publish with MessageStructure json: e-mail text, one SMS line, the JSON document, a Chatbot event', async () => {
    const run = harness(language);
    await run(0, [httpFinding('mycats', 'api', 'critical', down)]);
    const [input] = await run(5, [httpFinding('mycats', 'api', 'critical', down)]);
    expect(input!.TopicArn).toBe(ARNS.critical);
    // Message attributes stay as they were: subscription filter policies keep working.
    expect(input!.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'critical' },
      target: { DataType: 'String.Array', StringValue: '["mycats"]' },
      check: { DataType: 'String.Array', StringValue: '["api"]' },
    });
    const published = parsePublish(input!);
    expect(published.keys).toEqual([...SNS_MESSAGE_KEYS]);
    expect(published.keys).toEqual(expect.arrayContaining(['default', 'email', 'sms', 'https', 'lambda', 'sqs']));

    expect(published.email).toContain(down);
    expect(published.email).toContain(language === 'en' ? 'Respond within 15 minutes.' : '15分以内に対応してください。');

    expect(Buffer.byteLength(published.sms)).toBeLessThanOrEqual(SMS_MAX_BYTES);
    expect(published.sms).not.toContain('\n');
    expect(published.sms.startsWith('CRITICAL mycats/api: ')).toBe(true);

    const doc = published.json;
    expect(doc).toMatchObject({
      schema: ALERT_DOCUMENT_SCHEMA,
      version: 1,
      job: 'health',
      topic: 'critical',
      severity: 'critical',
      at: minutesAfter(5).toISOString(),
      needsAction: true,
      respondWithin: '15m',
      dashboard: null,
      counts: { alert: 1, repeat: 0, resolved: 0, flapping: 0 },
      omitted: 0,
    });
    expect(doc.alerts).toEqual([
      {
        key: 'mycats/api',
        target: 'mycats',
        check: 'api',
        kind: 'http',
        severity: 'critical',
        state: 'alert',
        change: 'opened',
        previousSeverity: null,
        summary: down,
        observed: { error: 'timeout', timeoutMs: 10_000 },
        respondWithin: '15m',
        firstSeenAt: minutesAfter(0).toISOString(),
        openedAt: minutesAfter(5).toISOString(),
      },
    ]);

    // Chatbot's custom-notification format, with the same document in its metadata.
    const chat = chatbotEventSchema.parse(published.https);
    expect(chat.version).toBe('1.0');
    expect(chat.source).toBe('custom');
    expect(chat.content.textType).toBe('client-markdown');
    expect(chat.content.title).toMatch(/^🔴 /);
    expect(chat.content.description).toContain('`mycats/api` (http) CRITICAL');
    expect(chat.content.description).toContain(down);
    expect(chat.content.keywords).toEqual(['CRITICAL', 'health', 'mycats']);
    expect(chat.metadata.additionalContext).toMatchObject({ schema: ALERT_DOCUMENT_SCHEMA, job: 'health', severity: 'critical' });
    expect(JSON.parse(chat.metadata.additionalContext.document!)).toEqual(doc);
  });

  it('links the dashboard the stack names in AUTOPILOT_DASHBOARD_URL', async () => {
    const url =
      'https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#dashboards/dashboard/Ops-ap-northeast-1';
    vi.stubEnv('AUTOPILOT_DASHBOARD_URL', url);
    try {
      const run = harness(language);
      await run(0, [httpFinding('mycats', 'api', 'critical', down)]);
      const published = parsePublish((await run(5, [httpFinding('mycats', 'api', 'critical', down)]))[0]!);
      expect(published.json.dashboard).toBe(url);
      expect(published.email).toContain(url);
      expect(chatbotEventSchema.parse(published.https).metadata.relatedResources).toEqual([url]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('the states: repeat, then resolved with no action asked, each with its SMS line under 140 bytes', async () => {
    const run = harness(language);
    await run(0, [httpFinding('mycats', 'api', 'critical', down)]);
    await run(5, [httpFinding('mycats', 'api', 'critical', down)]);
    const [repeat] = await run(25, [httpFinding('mycats', 'api', 'critical', down)]);
    const repeated = parsePublish(repeat!);
    expect(repeated.json.alerts[0]).toMatchObject({ state: 'repeat', change: 'repeat', firstSeenAt: minutesAfter(0).toISOString() });
    expect(repeated.sms).toMatch(language === 'en' ? /^CRITICAL still open mycats\/api: / : /^CRITICAL 継続中 mycats\/api: /);

    const [resolved] = await run(30, [httpFinding('mycats', 'api', 'ok', '200 in 80 ms')]);
    const done = parsePublish(resolved!);
    expect(done.json).toMatchObject({ needsAction: false, respondWithin: null, counts: { resolved: 1, alert: 0 } });
    expect(done.json.alerts[0]).toMatchObject({
      state: 'resolved',
      severity: 'ok',
      previousSeverity: 'critical',
      observed: { status: 200, responseTimeMs: 80 },
      respondWithin: null,
      firstSeenAt: null,
    });
    expect(done.sms).toBe(
      language === 'en' ? 'RESOLVED (was CRITICAL) mycats/api: 200 in 80 ms' : '復旧（CRITICAL） mycats/api: 200 in 80 ms',
    );
    expect(chatbotEventSchema.parse(done.https).content.title).toMatch(/^✅ /);
    for (const body of [repeated, done]) expect(Buffer.byteLength(body.sms)).toBeLessThanOrEqual(SMS_MAX_BYTES);
  });

  it('a grouped notice of 50 checks stays under 256 KB in every protocol, even with long summaries', async () => {
    const long = (i: number) =>
      `${down} #${i} ${(language === 'en' ? 'connection reset by peer; ' : '接続がリセットされました。').repeat(120)}`;
    for (const summary of [(i: number) => `${down} #${i}`, long]) {
      const run = harness(language);
      const findings = Array.from({ length: 50 }, (_, i) =>
        httpFinding(`system-${String(i).padStart(2, '0')}`, 'health', 'critical', summary(i)),
      );
      await run(0, findings);
      const [input] = await run(5, findings);
      const published = parsePublish(input!);
      expect(published.bytes).toBeLessThan(SNS_LIMIT);
      expect(Buffer.byteLength(published.sms)).toBeLessThanOrEqual(SMS_MAX_BYTES);
      expect(published.sms).toMatch(/^CRITICAL 50(件| alerts) system-00\/health,/);
      expect(published.json.counts.alert).toBe(50);
      // Nothing is dropped: every check is in the text, and in the document unless cut for size (then counted).
      const missing = Array.from({ length: 50 }, (_, i) => `system-${String(i).padStart(2, '0')}/health (http)`).filter(
        (line) => !published.email.includes(line),
      );
      expect(missing).toEqual([]);
      expect(published.json.alerts.length + published.json.omitted).toBe(50);
      if (summary !== long) expect(published.json.omitted).toBe(0);
      const chat = chatbotEventSchema.parse(published.https);
      expect(chat.content.description.length).toBeLessThanOrEqual(3_000);
      expect(JSON.parse(chat.metadata.additionalContext.document!)).toEqual(published.json);
      console.log(
        `[figures] ${language} 50 checks (${summary === long ? 'long' : 'short'} summaries): published ${published.bytes} B, ` +
          `email ${Buffer.byteLength(published.email)} B, json ${Buffer.byteLength(JSON.stringify(published.json))} B, ` +
          `https ${Buffer.byteLength(JSON.stringify(published.https))} B, sms ${Buffer.byteLength(published.sms)} B`,
      );
    }
  });
});

describe('SMS line', () => {
  function planned(items: Array<Partial<PlannedItem> & Pick<PlannedItem, 'target' | 'check'>>): PlannedNotification {
    return {
      id: 'health:high',
      topic: 'high',
      severity: 'high',
      job: 'health',
      at: '2026-11-23T03:30:00.000Z',
      items: items.map((item) => ({
        key: `${item.target}/${item.check}`,
        kind: 'http',
        change: 'opened',
        severity: 'high',
        summary: 'x',
        ...item,
      })),
    };
  }

  it('cuts English at a word and Japanese at a character, never past 140 bytes', () => {
    const en = smsText(planned([{ target: 'shiojiri', check: 'db', summary: 'connections 187 of 200 (94%) '.repeat(10) }]), 'en');
    expect(Buffer.byteLength(en)).toBeLessThanOrEqual(SMS_MAX_BYTES);
    expect(en).toMatch(/^HIGH shiojiri\/db: connections 187 of 200 \(94%\) .*\(94%\)\.\.\.$/);
    const ja = smsText(planned([{ target: 'shiojiri', check: 'db', summary: '接続数が上限の94%に達しました。'.repeat(10) }]), 'ja');
    expect(Buffer.byteLength(ja)).toBeLessThanOrEqual(SMS_MAX_BYTES);
    expect(Buffer.byteLength(ja)).toBeGreaterThan(SMS_MAX_BYTES - 6);
    expect(ja).toMatch(/^HIGH shiojiri\/db: 接続数が上限の94%に達しました。.*…$/);
    expect(ja).not.toContain('\uFFFD');
  });

  it('names the most urgent item first, as many keys as fit and +N, and a long key is cut', () => {
    const many = smsText(
      planned([
        { target: 'old', check: 'api', change: 'resolved', severity: 'ok', summary: '200' },
        ...Array.from({ length: 9 }, (_, i) => ({ target: `t${i}`, check: 'health', summary: `down ${i}` })),
      ]),
      'en',
    );
    expect(many).toMatch(/^HIGH 9 alerts, 1 resolved t0\/health,t1\/health(,\S+)* \+\d+: down 0$/);
    const longKey = smsText(planned([{ target: 'a'.repeat(40), check: `i-0123456789abcdef0/disk:${'/var'.repeat(20)}` }]), 'en');
    expect(Buffer.byteLength(longKey)).toBeLessThanOrEqual(SMS_MAX_BYTES);
    expect(longKey).toMatch(/^HIGH a{40}\/.*: x$/);
  });

  it('renderNotification links the dashboard from the e-mail, the document and the Chatbot event', () => {
    const dashboard = 'https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#dashboards/dashboard/ops-ap';
    const n = renderNotification(planned([{ target: 'mycats', check: 'api' }]), makeConfig(), { dashboard });
    expect(n.message).toContain(`Dashboard: ${dashboard}`);
    expect(n.bodies!.json.dashboard).toBe(dashboard);
    expect(n.bodies!.https.metadata.relatedResources).toEqual([dashboard]);
    expect(n.bodies!.https.content.nextSteps).toEqual([
      'Respond within 1 hour.',
      `Open the dashboard: ${dashboard}`,
      'Re-check now: `npx autopilot invoke health --target mycats`',
    ]);
    expect(alertDocumentSchema.parse(n.bodies!.json)).toEqual(n.bodies!.json);
  });
});
