import { describe, expect, it } from 'vitest';
import { publishedBytes } from '../../../../functions/core/alerts/bodies/index.js';
import { SNS_MESSAGE_LIMIT } from '../../../../functions/core/alerts/text.js';
import { renderNotification, spanText, SUBJECT_MAX_LENGTH, truncateUtf8 } from '../../../../functions/core/alerts/message.js';
import { finding, makeConfig, minutesAfter, runSequence } from './helpers.js';
import type { PlannedItem, PlannedNotification } from '../../../../functions/core/alerts/notice.js';

function planned(
  items: Array<Partial<PlannedItem> & Pick<PlannedItem, 'target' | 'check'>>,
  severity: PlannedNotification['severity'] = 'critical',
): PlannedNotification {
  return {
    id: `health:${severity}`,
    topic: severity,
    severity,
    job: 'health',
    at: '2026-11-23T03:30:00.000Z',
    items: items.map((item) => ({
      key: `${item.target}/${item.check}`,
      kind: 'http',
      change: 'opened',
      severity,
      summary: 'failed',
      failingSince: '2026-11-23T03:20:00.000Z',
      ...item,
    })),
  };
}

function expectSnsSubject(subject: string): void {
  expect(subject.length).toBeLessThan(100);
  expect(subject.length).toBeGreaterThan(0);
  for (const char of subject) {
    const code = char.charCodeAt(0);
    expect(code >= 0x20 && code <= 0x7e, `char ${JSON.stringify(char)} in ${JSON.stringify(subject)}`).toBe(true);
  }
}

describe('subject', () => {
  it('lists severity, count and keys: [CRITICAL] 3 alerts: mycats/api, cafemuji/health, shiojiri/up', () => {
    const n = renderNotification(
      planned([
        { target: 'mycats', check: 'api' },
        { target: 'cafemuji', check: 'health' },
        { target: 'shiojiri', check: 'up' },
      ]),
      makeConfig(),
    );
    expect(n.subject).toBe('[CRITICAL] 3 alerts: mycats/api, cafemuji/health, shiojiri/up');
  });

  it('stays printable ASCII under 100 characters with Japanese summaries', () => {
    const single = renderNotification(
      planned([
        {
          target: 'mycats',
          check: 'api',
          summary: `応答なし: 接続がタイムアウトしました (10秒) connect ETIMEDOUT 203.0.113.5:443 ${'あ'.repeat(200)}`,
        },
      ]),
      makeConfig({ language: 'ja' }),
    );
    expectSnsSubject(single.subject);
    expect(single.subject.startsWith('[CRITICAL] 1 alert: mycats/api - ')).toBe(true);
    expect(single.subject).toContain('ETIMEDOUT');
    const onlyJapanese = renderNotification(
      planned([{ target: 'mycats', check: 'api', summary: 'データベースに接続できません' }]),
      makeConfig(),
    );
    expect(onlyJapanese.subject).toBe('[CRITICAL] 1 alert: mycats/api');
    // What is left of a mostly Japanese summary is noise, so it stays out.
    const residue = renderNotification(planned([{ target: 'mycats', check: 'api', summary: '応答時間 3.2 秒 (閾値 3 秒)' }]), makeConfig());
    expect(residue.subject).toBe('[CRITICAL] 1 alert: mycats/api');
  });

  it('truncates a long key list with +N, and a mixed message counts each kind', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ target: `svc-${i}`, check: 'health' }));
    const n = renderNotification(planned([...items, { target: 'old', check: 'one', change: 'resolved', severity: 'ok' }]), makeConfig());
    expectSnsSubject(n.subject);
    expect(n.subject).toMatch(/^\[CRITICAL\] 30 alerts, 1 resolved: svc-0\/health, svc-1\/health, .* \+\d+$/);
    const listed = n.subject.split(': ')[1]!.split(' +')[0]!.split(', ').length;
    expect(Number(n.subject.split(' +').at(-1))).toBe(31 - listed);
  });

  it('keeps a non-ASCII check name out of the subject (names are ASCII by schema, but be safe)', () => {
    const n = renderNotification(
      planned([
        { target: 'mycats', check: 'ヘルス' },
        { target: 'mycats', check: 'api' },
      ]),
      makeConfig(),
    );
    expectSnsSubject(n.subject);
    expect(n.subject).toContain('mycats/api');
  });
});

describe('body', () => {
  it('English: response target, every item with target, check, severity, summary and since', () => {
    const config = makeConfig({ timezone: 'Asia/Tokyo' });
    const n = renderNotification(
      planned([
        { target: 'mycats', check: 'api', summary: '503 from /health' },
        { target: 'cafemuji', check: 'health', summary: 'timeout after 10 s' },
      ]),
      config,
    );
    expect(n.message).toContain('Respond within 15 minutes.');
    expect(n.message).toContain('New alerts (2)');
    expect(n.message).toContain('- mycats/api (http) CRITICAL\n  503 from /health\n  failing since 2026-11-23 12:20 Asia/Tokyo');
    expect(n.message).toContain('- cafemuji/health (http) CRITICAL\n  timeout after 10 s');
    expect(n.message).toContain('ops-autopilot, health job, 2026-11-23 12:30 Asia/Tokyo');
  });

  it('Japanese: response target and labels in Japanese, summaries as given', () => {
    const n = renderNotification(
      planned([{ target: 'mycats', check: 'api', summary: '応答なし' }]),
      makeConfig({ language: 'ja', timezone: 'Asia/Tokyo' }),
    );
    expect(n.message).toContain('15分以内に対応してください。');
    expect(n.message).toContain('新規アラート（1件）');
    expect(n.message).toContain('応答なし');
    expect(n.message).toContain('2026-11-23 12:20 Asia/Tokyo から異常');
    expect(n.message).not.toContain('Respond within');
  });

  it('takes the response target from config.severities', () => {
    const config = makeConfig({ severities: { high: { respondWithin: '30m' } } });
    const en = renderNotification(planned([{ target: 'mycats', check: 'db' }], 'high'), config);
    expect(en.message).toContain('Respond within 30 minutes.');
    const ja = renderNotification(planned([{ target: 'mycats', check: 'db' }], 'high'), { ...config, language: 'ja' });
    expect(ja.message).toContain('30分以内に対応してください。');
    const low = renderNotification(planned([{ target: 'mycats', check: 'cert' }], 'low'), config);
    expect(low.message).toContain('Respond within 1 week.');
  });

  it('repeats say how long the alert has been open; resolved items sit in their own section', () => {
    const results = runSequence(
      makeConfig(),
      [0, 5, 20, 25].map((m) => ({
        at: minutesAfter(m),
        findings: [
          finding('mycats', 'api', 'critical', 'down'),
          finding('cafemuji', 'health', m < 25 ? 'critical' : 'ok', m < 25 ? 'down' : 'OK'),
        ],
      })),
    );
    const repeat = renderNotification(results[2]!.notifications[0]!, makeConfig());
    expect(repeat.message).toContain('Still open (2)');
    expect(repeat.message).toContain('open for 15 minutes');
    const resolvedRun = results[3]!.notifications[0]!;
    expect(resolvedRun.items.map((i) => i.change)).toEqual(['resolved']);
    const resolved = renderNotification(resolvedRun, makeConfig());
    expect(resolved.message).toContain('Resolved (1)\n- cafemuji/health (http) OK\n  OK\n  resolved after 20 minutes (was CRITICAL)');
    const ja = renderNotification(resolvedRun, makeConfig({ language: 'ja' }));
    expect(ja.message).toContain('20分で復旧しました（CRITICAL）');
    expect(ja.message).toContain('対応は不要です。');
    expect(resolved.message).toContain('No action needed.');
    expect(resolved.subject).toBe('[CRITICAL] 1 resolved: cafemuji/health - OK');
  });

  it('attributes carry severity and deduplicated targets and checks', () => {
    const n = renderNotification(
      planned([
        { target: 'mycats', check: 'api' },
        { target: 'mycats', check: 'web' },
        { target: 'cafemuji', check: 'api' },
      ]),
      makeConfig(),
    );
    expect(n.attributes).toEqual({ severity: 'critical', target: ['mycats', 'cafemuji'], check: ['api', 'web'] });
    expect(n.topic).toBe('critical');
  });
});

describe('size cap', () => {
  const many = (count: number) =>
    planned(
      Array.from({ length: count }, (_, i) => ({
        target: `t${i}`,
        check: 'api',
        summary: `障害${i}: ${'データベース接続エラー'.repeat(150)}`,
      })),
    );

  it.each(['en', 'ja'] as const)('caps the body at %s without splitting a character, and says how many items were left out', (language) => {
    const source = many(400);
    const n = renderNotification(source, makeConfig({ language }));
    // The e-mail text is one of seven protocol bodies in one SNS message (see bodies.test.ts), so it gets a share of it.
    const bytes = Buffer.byteLength(n.message);
    expect(bytes).toBeLessThanOrEqual(48_000);
    expect(bytes).toBeGreaterThan(40_000);
    expect(publishedBytes(n)).toBeLessThanOrEqual(SNS_MESSAGE_LIMIT);
    expect(n.message).not.toContain('\uFFFD');
    expect(Buffer.from(Buffer.from(n.message).toString('utf8')).equals(Buffer.from(n.message))).toBe(true);
    const shown = source.items.filter((item) => n.message.includes(`- ${item.key} (`)).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(400);
    const marker = language === 'en' ? `... [truncated: ${400 - shown} more items]` : `…（残り${400 - shown}件省略）`;
    expect(n.message).toContain(marker);
    // Attributes still name every target, so filters keep working.
    expect(n.attributes.target).toHaveLength(400);
  });

  it('a small message is not truncated', () => {
    const n = renderNotification(many(3), makeConfig());
    expect(n.message).not.toContain('truncated');
  });

  it('honours a lower cap', () => {
    const n = renderNotification(many(10), makeConfig(), { maxBytes: 5_000 });
    expect(Buffer.byteLength(n.message)).toBeLessThanOrEqual(5_000);
    // Summaries are shortened before whole items are left out: all ten fit, each cut with an ellipsis.
    for (let i = 0; i < 10; i++) expect(n.message).toMatch(new RegExp(`- t${i}/api \\(http\\) CRITICAL\\n  障害${i}: データベース.*…\\n`));
    const tiny = renderNotification(many(40), makeConfig(), { maxBytes: 5_000 });
    expect(Buffer.byteLength(tiny.message)).toBeLessThanOrEqual(5_000);
    expect(tiny.message).toMatch(/\[truncated: \d+ more items\]/);
  });

  it('truncateUtf8 cuts on character boundaries', () => {
    expect(truncateUtf8('あいう', 4)).toBe('あ');
    expect(truncateUtf8('a😀b', 4)).toBe('a');
    expect(truncateUtf8('a😀b', 5)).toBe('a😀');
    expect(truncateUtf8('abc', 10)).toBe('abc');
  });
});

describe('spanText', () => {
  it('renders the two largest units', () => {
    expect(spanText(15 * 60_000, 'en')).toBe('15 minutes');
    expect(spanText(90 * 60_000, 'en')).toBe('1 hour 30 minutes');
    expect(spanText(26 * 3_600_000, 'ja')).toBe('1日2時間');
    expect(spanText(604_800_000, 'ja')).toBe('1週間');
  });
  it('SUBJECT_MAX_LENGTH is under the SNS limit', () => {
    expect(SUBJECT_MAX_LENGTH).toBeLessThan(100);
  });
});
