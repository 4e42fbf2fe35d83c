import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { SnsChannel } from '../../../functions/core/delivery/channels/sns/index.js';
import { chatbotEventSchema, digestDocumentSchema } from '../../../functions/core/domain/alert-document.js';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import { ConsoleChannel } from '../../../functions/core/delivery/channels/console/index.js';
import { alertStateKey, serializeAlertState, type AlertEntry } from '../../../functions/core/alerts/state.js';
import type { Notification } from '../../../functions/core/domain/report.js';
import type { AlertSeverity, Severity } from '../../../functions/core/domain/severity.js';
import { DIGEST_SNAPSHOT_KEY, runDigestJob } from '../../../functions/digest/run-digest.js';
import { validateConfig } from '../../../functions/kinds/config.js';
import { DIGEST_CLAIM_KEY } from '../../../functions/core/layout.js';

const root = mkdtempSync(join(tmpdir(), 'autopilot-digest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NOW = new Date('2026-11-23T00:00:00Z'); // 09:00 in Tokyo
const HOUR = 3_600_000;

const configFor = (language: 'en' | 'ja') =>
  validateConfig({
    timezone: 'Asia/Tokyo',
    language,
    targets: {
      mycats: {
        health: [{ name: 'api', url: 'http://127.0.0.1/health' }],
        postgres: [{ host: '127.0.0.1', database: 'mycats', user: 'u', backup: {} }],
        sqlite: [{ name: 'tasks', path: '/srv/tasks.db', backup: { via: 'ssm' } }],
        servers: { tags: { System: 'mycats' }, disk: { warning: 80, critical: 90 } },
      },
      cafemuji: { health: [{ name: 'health', url: 'http://127.0.0.1/' }] },
    },
  });

function entry(
  target: string,
  check: string,
  kind: AlertEntry['kind'],
  severity: Severity,
  summary: string,
  openedHoursAgo?: number,
): AlertEntry {
  const openedAt = openedHoursAgo === undefined ? undefined : new Date(NOW.getTime() - openedHoursAgo * HOUR).toISOString();
  return {
    target,
    check,
    kind,
    severity,
    summary,
    consecutiveFailures: severity === 'ok' ? 0 : 3,
    consecutiveOks: severity === 'ok' ? 5 : 0,
    history: [],
    lastSeenAt: new Date(NOW.getTime() - 60_000).toISOString(),
    open: openedAt
      ? { severity: severity as AlertSeverity, openedAt, lastNotifiedAt: openedAt, notifiedSeverity: severity as AlertSeverity }
      : null,
    flapping: null,
  };
}

async function seed(store: LocalObjectStore): Promise<void> {
  const health = {
    version: 1 as const,
    entries: {
      // Critical's response target is 15 minutes: open 2 hours is a breach.
      'mycats/api': entry('mycats', 'api', 'http', 'critical', 'timeout after 10 s', 2),
      'mycats/db': entry('mycats', 'db', 'postgres', 'high', 'connections 85% of max_connections', 0.5),
      'cafemuji/health': entry('cafemuji', 'health', 'http', 'low', 'certificate expires in 20 days', 1),
    },
  };
  const disk = {
    version: 1 as const,
    entries: {
      'mycats/i-0abc/disk:/': entry('mycats', 'i-0abc/disk:/', 'disk', 'medium', '/ 84% used (warning 80%)', 3),
      'mycats/i-0abc/disk:/var': entry('mycats', 'i-0abc/disk:/var', 'disk', 'ok', '/var 40% used'),
      'mycats/i-0def/disk:/': entry('mycats', 'i-0def/disk:/', 'disk', 'ok', '/ 31% used'),
      'cafemuji/i-0abc/disk:/': entry('cafemuji', 'i-0abc/disk:/', 'disk', 'ok', '/ 12% used'),
      // The disk job's resources check: CPU since the run before, memory, swap and load per CPU, next to disk.
      'mycats/i-0abc/load': entry('mycats', 'i-0abc/load', 'resources', 'ok', 'load 0.21 per CPU'),
      'mycats/i-0abc/cpu': entry('mycats', 'i-0abc/cpu', 'resources', 'ok', 'CPU 23.4% busy on average over the last 1h'),
      'mycats/i-0abc/swap': entry('mycats', 'i-0abc/swap', 'resources', 'ok', 'no swap configured'),
      'mycats/i-0abc/memory': entry('mycats', 'i-0abc/memory', 'resources', 'ok', 'memory 64.1% in use'),
      'mycats/i-0abc/process:backend': entry('mycats', 'i-0abc/process:backend', 'process', 'ok', 'systemd unit mycats-backend'),
    },
  };
  await store.put(alertStateKey('health'), serializeAlertState(health));
  await store.put(alertStateKey('disk'), serializeAlertState(disk));
  for (let day = 1; day <= 7; day++) {
    const at = new Date(NOW.getTime() - day * 24 * HOUR + 2 * HOUR);
    const stamp = at
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const key = `backups/mycats/mycats/${at.toISOString().slice(0, 10).replace(/-/g, '/')}/mycats-mycats-${stamp}`;
    await store.put(
      `${key}.json`,
      JSON.stringify({
        version: 1,
        target: 'mycats',
        database: 'mycats',
        source: 'mycats',
        kind: 'postgres',
        via: 'lambda',
        format: 'pg_dump-custom',
        key: `${key}.dump`,
        size: (100 + (7 - day) * 10) * 1024 * 1024,
        sha256: 'a'.repeat(64),
        startedAt: new Date(at.getTime() - 60_000).toISOString(),
        finishedAt: at.toISOString(),
        durationMs: 60_000,
        toolVersion: 'pg_dump (PostgreSQL) 17.2',
        tables: 12,
        tableList: [],
        retentionDays: 30,
        verification: 'passed',
      }),
    );
  }
  await store.put(
    DIGEST_SNAPSHOT_KEY,
    JSON.stringify({
      localDate: '2026-11-22',
      sentAt: new Date(NOW.getTime() - 24 * HOUR).toISOString(),
      checks: {
        'mycats/api': { severity: 'ok', summary: '200 in 80 ms' },
        'mycats/db': { severity: 'high', summary: 'x' },
        'old/check': { severity: 'ok', summary: 'y' },
      },
    }),
  );
}

async function digestIn(language: 'en' | 'ja'): Promise<{ notification: Notification; store: LocalObjectStore }> {
  // A store of its own per call: the day's digest claim stays in a store once sent.
  const store = new LocalObjectStore(mkdtempSync(join(root, `${language}-`)));
  await seed(store);
  const notifier = new ConsoleChannel({ write: () => true } as unknown as NodeJS.WritableStream);
  const report = await runDigestJob(
    configFor(language),
    { force: false },
    { config: configFor(language), store, notifier, now: () => NOW },
  );
  expect(report.job).toBe('digest');
  expect(notifier.published).toHaveLength(1);
  return { notification: notifier.published[0]!, store };
}

describe('daily digest', () => {
  it('in English: open alerts of each severity with their age, the breach marked, backups with trend, disk, changes', async () => {
    const { notification } = await digestIn('en');
    const text = notification.message;
    expect(notification.topic).toBe('digest');
    expect(text).toMatch(
      /\[CRITICAL\] mycats\/api: timeout after 10 s - open 2 hours \(respond within 15 minutes\) \*\*\* RESPONSE TARGET BREACHED \*\*\*/,
    );
    expect(text).toMatch(/\[HIGH\] mycats\/db: .* - open 30 minutes \(respond within 1 hour\)$/m);
    expect(text).toMatch(/\[MEDIUM\] mycats\/i-0abc\/disk:\/: .* - open 3 hours \(respond within 8 hours\)$/m);
    expect(text).toMatch(/\[LOW\] cafemuji\/health: .* - open 1 hour \(respond within 1 week\)$/m);
    expect(text.match(/BREACHED/g)).toHaveLength(1);
    expect(text).toContain('mycats/mycats: newest 2026-11-22 11:00');
    expect(text).toContain('mycats/tasks: no verified backup in the last 7 days');
    expect(text).toContain('7 days: 7 backup(s), sizes 100 MiB > 110 MiB > 120 MiB > 130 MiB > 140 MiB > 150 MiB > 160 MiB (+60.0%)');
    expect(text).toContain('mycats/api: OK -> CRITICAL (timeout after 10 s)');
    expect(text).toContain('old/check: no longer reported');
    expect(text).toContain('cafemuji/health: new check (LOW)');
    expect(text).toContain('/ 84% used (warning 80%)');
    expect(Buffer.byteLength(text)).toBeLessThan(262_144);
    expect(notification.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
  });

  it('in Japanese: the same facts in Japanese', async () => {
    const { notification } = await digestIn('ja');
    const text = notification.message;
    expect(text).toContain('未解決のアラート');
    expect(text).toMatch(/\[CRITICAL\] mycats\/api: .* - 発生から2時間（15分以内に対応） \*\*\* 対応目標時間を超過 \*\*\*/);
    expect(text).toMatch(/\[HIGH\] mycats\/db: .* - 発生から30分（1時間以内に対応）$/m);
    expect(text).toMatch(/\[LOW\] cafemuji\/health: .*（1週間以内に対応）$/m);
    expect(text).toContain('7日間: 7件、サイズ 100 MiB > 110 MiB');
    expect(text).toContain('昨日からの変化');
    expect(Buffer.byteLength(text)).toBeLessThan(262_144);
    expect(notification.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
  });

  it.each(['en', 'ja'] as const)(
    'names the target on every line (%s), and groups disk and resources by target and server',
    async (language) => {
      const { notification } = await digestIn(language);
      const lines = notification.message.split('\n');
      const [title, overview] = lines;
      // Item lines are indented; section titles, the title and the overview are not, and "none" names nothing.
      const items = lines.filter((line) => /^\s+\S/.test(line) && !/^\s+(none|なし)$/.test(line));
      expect(items.length).toBeGreaterThan(15);
      const unnamed = items.filter((line) => !/\b(mycats|cafemuji|old)\b/.test(line));
      expect(unnamed).toEqual([]);
      expect(title).toMatch(language === 'en' ? /daily digest/ : /日次ダイジェスト/);
      expect(overview).toMatch(language === 'en' ? /^12 checks, / : /^チェック 12件/);

      const section = language === 'en' ? 'Disk and resources per target and server' : 'システム・サーバーごとのディスク使用率とリソース';
      const start = lines.indexOf(section);
      const disk = lines.slice(start + 1, lines.indexOf('', start));
      const heading = (target: string, server: string) =>
        language === 'en' ? `  ${target}, server ${server}:` : `  ${target} のサーバー ${server}:`;
      expect(disk).toEqual([
        heading('cafemuji', 'i-0abc'),
        '    OK       cafemuji/i-0abc/disk:/: / 12% used',
        heading('mycats', 'i-0abc'),
        '    MEDIUM   mycats/i-0abc/disk:/: / 84% used (warning 80%)',
        '    OK       mycats/i-0abc/disk:/var: /var 40% used',
        '    OK       mycats/i-0abc/cpu: CPU 23.4% busy on average over the last 1h',
        '    OK       mycats/i-0abc/memory: memory 64.1% in use',
        '    OK       mycats/i-0abc/swap: no swap configured',
        '    OK       mycats/i-0abc/load: load 0.21 per CPU',
        heading('mycats', 'i-0def'),
        '    OK       mycats/i-0def/disk:/: / 31% used',
      ]);
      // The per-check list names target/check on each line too.
      expect(lines).toContain('    CRITICAL mycats/api (http): timeout after 10 s');
      expect(lines).toContain('    LOW      cafemuji/health (http): certificate expires in 20 days');
    },
  );

  it('goes out once a day: a scheduler retry the same day sends nothing, a manual invoke sends again', async () => {
    const { store } = await digestIn('en');
    const config = configFor('en');
    const notifier = new ConsoleChannel({ write: () => true } as unknown as NodeJS.WritableStream);
    const later = new Date(NOW.getTime() + HOUR);
    const again = await runDigestJob(config, { force: false }, { config, store, notifier, now: () => later });
    expect(again.notifications).toHaveLength(0);
    const forced = await runDigestJob(config, { force: true }, { config, store, notifier, now: () => later });
    expect(forced.notifications).toHaveLength(1);
    // The comparison base stays yesterday's snapshot on a same-day re-send.
    expect(forced.notifications[0]!.message).toContain('mycats/api: OK -> CRITICAL');
  });

  it('6 overlapping runs, scheduled or manual, send one digest; the others say why they sent none', async () => {
    const store = new LocalObjectStore(mkdtempSync(join(root, 'overlap-')));
    await seed(store);
    const config = configFor('en');
    const notifiers = Array.from({ length: 6 }, () => new ConsoleChannel({ write: () => true } as unknown as NodeJS.WritableStream));
    // Before (issue 19): six digests, each run deciding from the snapshot before any had written it.
    const reports = await Promise.all(
      notifiers.map((notifier, i) => runDigestJob(config, { force: i % 2 === 1 }, { config, store, notifier, now: () => NOW })),
    );
    expect(notifiers.flatMap((n) => n.published)).toHaveLength(1);
    expect(reports.flatMap((r) => r.notifications)).toHaveLength(1);
    const quiet = reports.filter((r) => r.notifications.length === 0);
    expect(quiet).toHaveLength(5);
    for (const report of quiet) {
      expect(report.warnings?.at(-1)).toMatch(
        /today's digest \(2026-11-23\) went out at .*: not sent again|another run is sending today's digest/,
      );
    }
    // A manual invoke an hour later still sends one.
    const later = new Date(NOW.getTime() + HOUR);
    const manual = await runDigestJob(config, { force: true }, { config, store, notifier: notifiers[0]!, now: () => later });
    expect(manual.notifications).toHaveLength(1);
  });

  it('every run that finds the day sent names the one time it went out (the claim and the snapshot agree)', async () => {
    const store = new LocalObjectStore(mkdtempSync(join(root, 'sent-at-')));
    await seed(store);
    const config = configFor('en');
    const notifier = new ConsoleChannel({ write: () => true } as unknown as NodeJS.WritableStream);
    // The run starts at NOW and its publish ends 5 s later. Before: the snapshot said NOW, the claim NOW + 5 s.
    let calls = 0;
    const clock = () => (calls++ === 0 ? NOW : new Date(NOW.getTime() + 5_000));
    expect((await runDigestJob(config, { force: false }, { config, store, notifier, now: clock })).notifications).toHaveLength(1);
    const claim = JSON.parse((await store.get(DIGEST_CLAIM_KEY))!.body.toString('utf8')) as { sentAt: string };
    expect(claim.sentAt).toBe(new Date(NOW.getTime() + 5_000).toISOString());
    const again = await runDigestJob(config, { force: false }, { config, store, notifier, now: () => new Date(NOW.getTime() + HOUR) });
    expect(again.warnings?.at(-1)).toBe(`today's digest (2026-11-23) went out at ${claim.sentAt}: not sent again`);
  });

  it('keeps the snapshot when publishing fails, so the retry sends it', async () => {
    const store = new LocalObjectStore(join(root, 'fail'));
    await seed(store);
    const config = configFor('en');
    const failing = {
      publish: async () => {
        throw new Error('SNS throttled');
      },
    };
    const report = await runDigestJob(config, { force: false }, { config, store, notifier: failing, now: () => NOW });
    expect(report.undelivered).toEqual([{ topic: 'digest', error: 'SNS throttled' }]);
    const snapshot = JSON.parse((await store.get(DIGEST_SNAPSHOT_KEY))!.body.toString());
    expect(snapshot.localDate).toBe('2026-11-22');
    // The day's claim was released: the retry sends at once, not after the failed run's lease.
    const notifier = new ConsoleChannel({ write: () => true } as unknown as NodeJS.WritableStream);
    const retry = await runDigestJob(config, { force: false }, { config, store, notifier, now: () => new Date(NOW.getTime() + 60_000) });
    expect(retry.notifications).toHaveLength(1);
  });

  it('stays under the SNS limit with thousands of checks, marking the cut', async () => {
    const store = new LocalObjectStore(join(root, 'big'));
    const entries = Object.fromEntries(
      Array.from({ length: 6000 }, (_, i) => [
        `mycats/c${i}`,
        entry('mycats', `c${i}`, 'http', 'critical', 'ネットワーク到達不能 '.repeat(5), 1),
      ]),
    );
    await store.put(alertStateKey('health'), serializeAlertState({ version: 1, entries }));
    const config = configFor('ja');
    const notifier = new ConsoleChannel({ write: () => true } as unknown as NodeJS.WritableStream);
    await runDigestJob(config, { force: true }, { config, store, notifier, now: () => NOW });
    const text = notifier.published[0]!.message;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(250_000);
    expect(text).toMatch(/…（残り\d+バイト省略）$/);
  });

  it.each(['en', 'ja'] as const)(
    'publishes per-protocol bodies (%s): one SMS line, the digest document, a Chatbot card, under 256 KB',
    async (language) => {
      const sns = mockClient(SNSClient);
      sns.on(PublishCommand).resolves({ MessageId: 'm' });
      try {
        const arn = 'arn:aws:sns:ap-northeast-1:123456789012:autopilot-digest';
        const channel = new SnsChannel(
          { critical: arn, high: arn, medium: arn, low: arn, digest: arn },
          new SNSClient({ region: 'ap-northeast-1' }),
        );
        const config = configFor(language);
        for (const size of ['small', 'huge'] as const) {
          const store = new LocalObjectStore(join(root, `sns-${language}-${size}`));
          await seed(store);
          if (size === 'huge') {
            const entries = Object.fromEntries(
              Array.from({ length: 6000 }, (_, i) => [
                `mycats/c${i}`,
                entry('mycats', `c${i}`, 'http', 'critical', 'ネットワーク到達不能 '.repeat(5), 1),
              ]),
            );
            await store.put(alertStateKey('health'), serializeAlertState({ version: 1, entries }));
          }
          sns.resetHistory();
          const report = await runDigestJob(config, { force: true }, { config, store, notifier: channel, now: () => NOW });
          const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
          expect(input.MessageStructure).toBe('json');
          const bytes = Buffer.byteLength(input.Subject!) + Buffer.byteLength(input.Message!) + 200;
          expect(bytes).toBeLessThan(262_144);
          const message = JSON.parse(input.Message!) as Record<string, string>;
          expect(message.email).toBe(report.notifications[0]!.bodies!.email);
          expect(Buffer.byteLength(message.sms!)).toBeLessThanOrEqual(140);
          const doc = digestDocumentSchema.parse(JSON.parse(message.lambda!));
          const chat = chatbotEventSchema.parse(JSON.parse(message.https!));
          expect(JSON.parse(chat.metadata.additionalContext.document!)).toEqual(doc);
          if (size === 'small') {
            expect(message.sms).toBe(
              language === 'en'
                ? 'DIGEST 2026-11-23: 4 not ok, 4 open, 1 past response target'
                : 'ダイジェスト 2026-11-23: 異常4件、未解決4件、対応目標超過1件',
            );
            expect(doc.counts).toEqual({ checks: 12, notOk: 4, open: 4, breached: 1 });
            expect(doc.open.map((o) => [o.key, o.breached])).toEqual([
              ['mycats/api', true],
              ['mycats/db', false],
              ['mycats/i-0abc/disk:/', false],
              ['cafemuji/health', false],
            ]);
            expect(doc.omitted).toBe(0);
            expect(chat.content.description).toContain('`mycats/api`');
          } else {
            // 6,000 health checks and the disk job's 9 (4 filesystems, 4 resources, 1 process).
            expect(doc.counts.checks).toBe(6009);
            expect(doc.checks.length + doc.omitted).toBe(6009);
            expect(chat.content.description.length).toBeLessThanOrEqual(3_000);
          }
          console.log(`[figures] digest ${language} ${size}: published ~${bytes} B, sms ${Buffer.byteLength(message.sms!)} B`);
        }
      } finally {
        sns.restore();
      }
    },
  );
});

describe('daily digest over a damaged alert state', () => {
  async function digestOf(dir: string) {
    const store = new LocalObjectStore(join(root, dir));
    const notifier = new ConsoleChannel({ write: () => true } as unknown as NodeJS.WritableStream);
    const config = configFor('en');
    const report = await runDigestJob(config, { force: true }, { config, store, notifier, now: () => NOW });
    return { report, notification: notifier.published[0]! };
  }

  it('says which state it could not read instead of counting its alerts as none', async () => {
    const store = new LocalObjectStore(join(root, 'damaged'));
    await seed(store);
    // Written over without a conditional write: no earlier copy is kept beside it.
    await store.put(alertStateKey('health'), '{"version":1,"entries":{"mycats/api": {');
    const { report, notification } = await digestOf('damaged');
    // The totals over an unreadable state are unknown, never "0 open" (nor the readable jobs' counts as if they were all).
    expect(notification.subject).toBe('[DIGEST] ops-autopilot 2026-11-23: counts unknown, state unreadable: health');
    expect(notification.message).toContain('Not ok and open alerts: unknown. The alert state of health could not be read;');
    expect(notification.message).not.toMatch(/\d+ open alert\(s\)/);
    expect(notification.bodies?.sms).toBe('DIGEST 2026-11-23: counts unknown, alert state unreadable: health');
    expect(notification.bodies?.json).toMatchObject({ stateUnreadable: ['health'] });
    expect(report.warnings).toEqual([
      expect.stringMatching(/state\/alerts\/health\.json: alert state is not JSON: .*health's open alerts/),
    ]);
  });

  it('reads the earlier copy of a damaged state, with a warning, and counts its open alerts', async () => {
    const store = new LocalObjectStore(join(root, 'recovered'));
    await seed(store);
    const current = await store.get(alertStateKey('health'));
    // A conditional write keeps the version it replaces (.prev): the damage lands on top of a good copy.
    await store.put(alertStateKey('health'), 'garbage', { ifMatch: current!.etag });
    const { report, notification } = await digestOf('recovered');
    expect(notification.subject).toBe('[DIGEST] ops-autopilot 2026-11-23: 4 not ok, 4 open');
    expect(report.warnings).toEqual([expect.stringMatching(/health\.json: alert state is not JSON: .*the digest read the earlier copy$/)]);
  });

  it('a deleted state is read from its earlier copy; gone without one from a store that kept it, its counts are unknown', async () => {
    const store = new LocalObjectStore(join(root, 'deleted'));
    await seed(store);
    const current = await store.get(alertStateKey('health'));
    await store.put(alertStateKey('health'), current!.body, { ifMatch: current!.etag });
    await store.put(
      'state/store.json',
      JSON.stringify({ version: 1, id: 'x', createdAt: NOW.toISOString(), jobs: { health: NOW.toISOString() } }),
    );
    await rm(join(root, 'deleted', 'state', 'alerts', 'health.json'));
    // Before: a missing state counted as none, "0 open" beside the open alerts of its .prev.
    const recovered = await digestOf('deleted');
    expect(recovered.notification.subject).toBe('[DIGEST] ops-autopilot 2026-11-23: 4 not ok, 4 open');
    expect(recovered.report.warnings).toEqual([expect.stringMatching(/health\.json: missing; the digest read the earlier copy$/)]);
    await rm(join(root, 'deleted', 'state', 'alerts', 'health.json.prev'));
    await store.delete(DIGEST_CLAIM_KEY);
    const lost = await digestOf('deleted');
    expect(lost.notification.subject).toBe('[DIGEST] ops-autopilot 2026-11-23: counts unknown, state unreadable: health');
  });
});

describe('a digest of some targets (run digest --target x)', () => {
  it('reports those targets only, says so, and leaves the day snapshot to the full digest', async () => {
    const store = new LocalObjectStore(join(root, 'only-cafemuji'));
    await seed(store);
    const snapshotBefore = (await store.get(DIGEST_SNAPSHOT_KEY))!.body.toString('utf8');
    const notifier = new ConsoleChannel({ write: () => true } as unknown as NodeJS.WritableStream);
    const config = configFor('en');
    await runDigestJob(config, { force: true, targets: ['cafemuji'] }, { config, store, notifier, now: () => NOW });
    const notification = notifier.published[0]!;
    const text = notification.message;
    // Before, every target was reported whatever --target said.
    expect(text).not.toMatch(/mycats/);
    expect(text).toContain('[LOW] cafemuji/health: certificate expires in 20 days');
    expect(text).toContain('cafemuji/i-0abc/disk:/: / 12% used');
    expect(text).toMatch(/^2 checks, 1 not ok, 1 open alert\(s\)\.$/m);
    expect(text).toContain('Only cafemuji: the other targets are left out of this digest.');
    expect(notification.subject).toMatch(/^\[DIGEST\] ops-autopilot 2026-11-23 \(cafemuji\): 1 not ok, 1 open$/);
    expect(notification.attributes.target).toEqual(['cafemuji']);
    expect((await store.get(DIGEST_SNAPSHOT_KEY))!.body.toString('utf8')).toBe(snapshotBefore);
  });

  it('names an unknown target by its field', async () => {
    const store = new LocalObjectStore(join(root, 'unknown-target'));
    const notifier = new ConsoleChannel({ write: () => true } as unknown as NodeJS.WritableStream);
    const config = configFor('en');
    await expect(runDigestJob(config, { force: true, targets: ['nope'] }, { config, store, notifier, now: () => NOW })).rejects.toThrow(
      /targets\[0\]: unknown target "nope"/,
    );
  });
});
