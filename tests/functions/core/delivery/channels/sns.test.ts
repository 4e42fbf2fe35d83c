import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SnsChannel } from '../../../../../functions/core/delivery/channels/sns/index.js';
import { processFindings } from '../../../../../functions/core/alerts/process-findings.js';
import { alertStateKey, parseAlertState } from '../../../../../functions/core/alerts/state.js';
import type { Notification, Topic } from '../../../../../functions/core/domain/report.js';
import { finding, makeConfig, minutesAfter } from '../../alerts/helpers.js';
import { MemoryObjectStore } from '../../alerts/memory-store.js';

const ARNS: Record<Topic, string> = {
  critical: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-critical',
  high: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-high',
  medium: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-medium',
  low: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-low',
  digest: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-digest',
};

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

const notification: Notification = {
  topic: 'high',
  severity: 'high',
  subject: '[HIGH] 2 alerts: mycats/db, cafemuji/db',
  message: 'HIGH alert ...\n- mycats/db (postgres) HIGH\n  接続できません',
  attributes: { severity: 'high', target: ['mycats', 'cafemuji'], check: ['db'] },
};

describe('SnsChannel', () => {
  it('publishes to the topic ARN of the notice with subject, message and filterable attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await new SnsChannel(ARNS, new SNSClient({ region: 'ap-northeast-1' })).publish(notification);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      TopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-high',
      Subject: '[HIGH] 2 alerts: mycats/db, cafemuji/db',
      Message: 'HIGH alert ...\n- mycats/db (postgres) HIGH\n  接続できません',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'high' },
        target: { DataType: 'String.Array', StringValue: '["mycats","cafemuji"]' },
        check: { DataType: 'String.Array', StringValue: '["db"]' },
      },
    });
  });

  it('rejects when SNS does, and when the topic has no ARN', async () => {
    sns.on(PublishCommand).rejects(new Error('Rate exceeded'));
    const notifier = new SnsChannel(ARNS, new SNSClient({ region: 'ap-northeast-1' }));
    await expect(notifier.publish(notification)).rejects.toThrow('Rate exceeded');
    sns.reset();
    const partial = new SnsChannel({ ...ARNS, high: '' }, new SNSClient({ region: 'ap-northeast-1' }));
    await expect(partial.publish(notification)).rejects.toThrow('no SNS topic ARN for topic "high"');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('through processFindings: one Publish per severity, and a rejected topic is retried next run', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'ok' });
    sns.on(PublishCommand, { TopicArn: ARNS.high }).rejects(new Error('Throttling'));
    const store = new MemoryObjectStore();
    const notifier = new SnsChannel(ARNS, new SNSClient({ region: 'ap-northeast-1' }));
    const config = makeConfig({ language: 'ja' });
    const findings = [
      ...Array.from({ length: 50 }, (_, i) => finding(`svc${i}`, 'health', 'critical', `応答なし ${i}`)),
      finding('mycats', 'db', 'high', '接続できません'),
    ];
    const go = (m: number) => processFindings({ job: 'health', findings, config, store, notifier, now: minutesAfter(m) });
    await go(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);

    const second = await go(5);
    const calls = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.TopicArn)).toEqual([ARNS.critical, ARNS.high]);
    expect(calls[0]!.Subject).toMatch(/^\[CRITICAL\] 50 alerts: svc0\/health, svc1\/health, .* \+\d+$/);
    expect(calls[0]!.MessageAttributes!.target!.StringValue).toBe(JSON.stringify(Array.from({ length: 50 }, (_, i) => `svc${i}`)));
    // MessageStructure json: the e-mail subscribers' text is the `email` member.
    expect(calls[0]!.MessageStructure).toBe('json');
    const email = (JSON.parse(calls[0]!.Message!) as { email: string }).email;
    expect(email).toContain('15分以内に対応してください。');
    for (let i = 0; i < 50; i++) expect(email).toContain(`応答なし ${i}\n`);
    expect(second.failed.map((f) => [f.notification.topic, f.error])).toEqual([['high', 'Throttling']]);
    const state = parseAlertState((await store.get(alertStateKey('health')))!.body.toString('utf8'));
    // The notice stays in the outbox, on this channel, with the error: the next run publishes it again.
    expect(state.outbox!.map((e) => [e.channel, e.planned?.topic, e.attempts, e.lastError])).toEqual([['sns', 'high', 1, 'Throttling']]);

    sns.resetHistory();
    sns.on(PublishCommand, { TopicArn: ARNS.high }).resolves({ MessageId: 'ok' });
    const third = await go(10);
    expect(third.failed).toEqual([]);
    expect(sns.commandCalls(PublishCommand).map((c) => [c.args[0].input.TopicArn, c.args[0].input.Subject])).toEqual([
      [ARNS.high, '[HIGH] 1 alert: mycats/db'],
    ]);
    const settled = parseAlertState((await store.get(alertStateKey('health')))!.body.toString('utf8'));
    expect(settled.outbox).toEqual([]);
  });
});
