import { describe, expect, it } from 'vitest';
import { ConsoleChannel } from '../../../../../functions/core/delivery/channels/console/index.js';
import type { Notification } from '../../../../../functions/core/domain/report.js';

describe('ConsoleChannel', () => {
  it('prints each notice as a readable block and keeps it', async () => {
    const written: string[] = [];
    const notifier = new ConsoleChannel({ write: (text: string) => written.push(text) });
    const notice: Notification = {
      topic: 'critical',
      severity: 'critical',
      subject: '[CRITICAL] 1 alert: mycats/api',
      message: 'CRITICAL alert\n- mycats/api (http) CRITICAL\n  応答なし',
      attributes: { severity: 'critical', target: ['mycats'], check: ['api'] },
    };
    await notifier.publish(notice);
    await notifier.publish({ ...notice, topic: 'low', severity: 'low', subject: '[LOW] 1 alert: x/y' });
    expect(notifier.published.map((n) => n.subject)).toEqual(['[CRITICAL] 1 alert: mycats/api', '[LOW] 1 alert: x/y']);
    expect(written).toHaveLength(2);
    const block = written[0]!;
    expect(block).toContain('notification -> critical topic\n');
    expect(block).toContain('Subject: [CRITICAL] 1 alert: mycats/api\n');
    expect(block).toContain('Attributes: severity=critical target=mycats check=api\n');
    expect(block).toContain('\n  応答なし\n');
    expect(block.startsWith('-'.repeat(72))).toBe(true);
    expect(block.endsWith(`${'-'.repeat(72)}\n`)).toBe(true);
  });

  it('prints the SMS line a phone subscriber gets, with its size, above the e-mail text', async () => {
    const written: string[] = [];
    const notifier = new ConsoleChannel({ write: (text: string) => written.push(text) });
    const sms = 'CRITICAL mycats/api: 応答なし';
    await notifier.publish({
      topic: 'critical',
      severity: 'critical',
      subject: '[CRITICAL] 1 alert: mycats/api',
      message: 'the e-mail text',
      bodies: { email: 'the e-mail text', sms, json: {} as never, https: {} as never },
      attributes: { severity: 'critical', target: ['mycats'], check: ['api'] },
    });
    const block = written[0]!;
    expect(block).toContain(`\nSMS (${Buffer.byteLength(sms)} bytes): ${sms}\n`);
    expect(block.indexOf('SMS (')).toBeLessThan(block.indexOf('the e-mail text'));
  });

  it('defaults to stderr', () => {
    const notifier = new ConsoleChannel();
    expect((notifier as unknown as { out: unknown }).out).toBe(process.stderr);
  });
});
