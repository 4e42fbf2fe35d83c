import { durationMs } from '../core/config/duration.js';
import { respondWithin } from '../core/alerts/evaluate.js';
import { publishedBytes, SNS_HEADROOM } from '../core/alerts/bodies/index.js';
import { chatbotCard } from '../core/alerts/bodies/chatbot.js';
import type { AlertEntry } from '../core/alerts/state.js';
import { SNS_MESSAGE_LIMIT, truncateChars, truncateUtf8 } from '../core/alerts/text.js';
import {
  DIGEST_DOCUMENT_SCHEMA,
  SMS_MAX_BYTES,
  type ChatbotEvent,
  type DigestDocument,
  type NotificationBodies,
} from '../core/domain/alert-document.js';
import type { Notification } from '../core/domain/report.js';
import { rank, type AlertSeverity } from '../core/domain/severity.js';
import type { DigestConfig } from './digest-data.js';

const WORDS = {
  en: {
    sms: (date: string, notOk: number, open: number, breached: number) =>
      `DIGEST ${date}: ${notOk} not ok, ${open} open${breached ? `, ${breached} past response target` : ''}`,
    smsUnknown: (date: string, jobs: string) => `DIGEST ${date}: counts unknown, alert state unreadable: ${jobs}`,
    title: (date: string) => `📋 ops-autopilot daily digest ${date}`,
    open: (n: number) => `Open alerts (${n})`,
    none: 'No open alerts.',
    more: (n: number) => `… and ${n} more (the e-mail lists every check)`,
    breached: 'past response target',
    dashboard: (url: string) => `Open the dashboard: ${url}`,
    statusPage: (url: string) => `Status page (link valid 7 days): ${url}`,
    truncated: (n: number) => `... [truncated: ${n} more bytes]`,
  },
  ja: {
    sms: (date: string, notOk: number, open: number, breached: number) =>
      `ダイジェスト ${date}: 異常${notOk}件、未解決${open}件${breached ? `、対応目標超過${breached}件` : ''}`,
    smsUnknown: (date: string, jobs: string) => `ダイジェスト ${date}: 件数不明（アラート状態を読めません: ${jobs}）`,
    title: (date: string) => `📋 ops-autopilot 日次ダイジェスト ${date}`,
    open: (n: number) => `未解決のアラート（${n}件）`,
    none: '未解決のアラートはありません。',
    more: (n: number) => `…ほか${n}件（メールに全チェックがあります）`,
    breached: '対応目標時間を超過',
    dashboard: (url: string) => `ダッシュボード: ${url}`,
    statusPage: (url: string) => `ステータスページ（7日間有効）: ${url}`,
    truncated: (n: number) => `…（残り${n}バイト省略）`,
  },
} as const;

/** Like the alert bodies: the largest step whose whole published message fits SNS's 256 KB. */
const LEVELS = [
  { textBytes: 90_000, docBytes: 30_000 },
  { textBytes: 45_000, docBytes: 15_000 },
  { textBytes: 20_000, docBytes: 6_000 },
  { textBytes: 8_000, docBytes: 2_000 },
] as const;
const DESCRIPTION_MAX_CHARS = 3_000;

export interface DigestBodyInput {
  readonly text: string;
  readonly subject: string;
  readonly localDate: string;
  readonly now: Date;
  readonly checks: ReadonlyMap<string, AlertEntry>;
  readonly attributes: Notification['attributes'];
  readonly dashboard?: string;
  /** Jobs whose alert state could not be read: the totals are unknown. */
  readonly unreadable?: readonly string[];
  /** The status page with a token valid 7 days. */
  readonly statusPage?: string;
}

function cutText(text: string, maxBytes: number, language: DigestConfig['language']): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const keep = maxBytes - 200;
  return `${truncateUtf8(text, keep)}\n${WORDS[language].truncated(bytes - Buffer.byteLength(truncateUtf8(text, keep)))}`;
}

function documentOf(input: DigestBodyInput, config: DigestConfig, maxBytes: number): DigestDocument {
  const entries = [...input.checks.entries()];
  const open = entries
    .filter(([, e]) => e.open)
    .map(([key, e]) => {
      const severity = e.open!.severity as AlertSeverity;
      const within = respondWithin(config, severity);
      return {
        key,
        target: e.target,
        check: e.check,
        kind: e.kind,
        severity,
        summary: truncateChars(e.summary, 300, '…'),
        openedAt: e.open!.openedAt,
        respondWithin: within,
        breached: input.now.getTime() - Date.parse(e.open!.openedAt) > durationMs(within),
      };
    })
    .sort((a, b) => rank(b.severity) - rank(a.severity) || Date.parse(a.openedAt) - Date.parse(b.openedAt));
  const all = entries
    .map(([key, e]) => ({
      key,
      target: e.target,
      check: e.check,
      kind: e.kind,
      severity: e.severity,
      summary: truncateChars(e.summary, 200, '…'),
    }))
    .sort((a, b) => rank(b.severity) - rank(a.severity) || a.key.localeCompare(b.key));
  const base: DigestDocument = {
    schema: DIGEST_DOCUMENT_SCHEMA,
    version: 1,
    id: `digest:${input.localDate}`,
    job: 'digest',
    at: input.now.toISOString(),
    localDate: input.localDate,
    language: config.language,
    subject: input.subject,
    dashboard: input.dashboard ?? null,
    ...(input.statusPage ? { statusPage: input.statusPage } : {}),
    counts: {
      checks: all.length,
      notOk: all.filter((c) => c.severity !== 'ok').length,
      open: open.length,
      breached: open.filter((o) => o.breached).length,
    },
    ...(input.unreadable?.length ? { stateUnreadable: [...input.unreadable] } : {}),
    open: [],
    checks: [],
    omitted: all.length,
  };
  let bytes = Buffer.byteLength(JSON.stringify(base));
  const kept: { open: DigestDocument['open']; checks: DigestDocument['checks'] } = { open: [], checks: [] };
  for (const o of open) {
    const size = Buffer.byteLength(JSON.stringify(o)) + 1;
    if (bytes + size > maxBytes) break;
    kept.open.push(o);
    bytes += size;
  }
  for (const c of all) {
    const size = Buffer.byteLength(JSON.stringify(c)) + 1;
    if (bytes + size > maxBytes) break;
    kept.checks.push(c);
    bytes += size;
  }
  return { ...base, ...kept, omitted: all.length - kept.checks.length };
}

function chatbotOf(document: DigestDocument, config: DigestConfig): ChatbotEvent {
  const w = WORDS[config.language];
  return chatbotCard({
    id: document.id,
    title: w.title(document.localDate),
    header: [document.open.length ? w.open(document.counts.open) : w.none],
    lines: document.open.map(
      (o) => `• [${o.severity.toUpperCase()}] \`${o.key}\`: ${truncateChars(o.summary, 200, '…')}${o.breached ? ` (${w.breached})` : ''}`,
    ),
    // The document may hold fewer open alerts than there are (it is cut to fit SNS's limit).
    total: document.counts.open,
    more: w.more,
    descriptionChars: DESCRIPTION_MAX_CHARS,
    nextSteps: [
      ...(document.dashboard ? [w.dashboard(document.dashboard)] : []),
      ...(document.statusPage ? [w.statusPage(document.statusPage)] : []),
    ],
    keywords: ['DIGEST', document.localDate],
    summary: document.subject,
    eventType: 'ops-autopilot-digest',
    dashboard: document.dashboard,
    context: {
      schema: document.schema,
      version: String(document.version),
      localDate: document.localDate,
      notOk: document.stateUnreadable ? 'unknown' : String(document.counts.notOk),
      open: document.stateUnreadable ? 'unknown' : String(document.counts.open),
      breached: String(document.counts.breached),
      dashboard: document.dashboard ?? '',
    },
    document,
  });
}

/** The digest's body for each SNS protocol, the whole message under SNS's limit. */
export function digestBodies(input: DigestBodyInput, config: DigestConfig): NotificationBodies {
  const w = WORDS[config.language];
  const { notOk, open, breached } = documentOf(input, config, 0).counts;
  const sms = truncateUtf8(
    input.unreadable?.length ? w.smsUnknown(input.localDate, input.unreadable.join(', ')) : w.sms(input.localDate, notOk, open, breached),
    SMS_MAX_BYTES,
  );
  let bodies: NotificationBodies | undefined;
  for (const level of LEVELS) {
    const json = documentOf(input, config, level.docBytes);
    bodies = { email: cutText(input.text, level.textBytes, config.language), sms, json, https: chatbotOf(json, config) };
    if (
      publishedBytes({ subject: input.subject, message: bodies.email, attributes: input.attributes, bodies }) <=
      SNS_MESSAGE_LIMIT - SNS_HEADROOM
    ) {
      return bodies;
    }
  }
  return bodies!;
}
