import type { Config } from '../config/schema.js';
import { durationMs } from '../config/duration.js';
import type { Notification } from '../domain/report.js';
import type { AlertSeverity } from '../domain/severity.js';
import { respondWithin, type Change, type PlannedItem, type PlannedNotification } from './evaluate.js';
import { formatLocal } from './time-zone.js';

/** SNS caps a message at 262144 bytes including subject and attributes; the body stays well under. */
export const MESSAGE_BYTE_CAP = 250_000;
const SNS_MESSAGE_LIMIT = 262_144;
const SNS_HEADROOM = 4_096;
/** SNS subjects: printable ASCII, under 100 characters. */
export const SUBJECT_MAX_LENGTH = 99;
/** One runaway summary must not push every other item out of the message. */
const SUMMARY_MAX_CHARS = 2_000;

export type MessageConfig = Pick<Config, 'language' | 'timezone' | 'severities'>;
type Language = Config['language'];

const SECTIONS: ReadonlyArray<{ changes: readonly Change[]; id: 'new' | 'repeat' | 'flapping' | 'stable' | 'resolved' }> = [
  { id: 'new', changes: ['opened', 'escalated'] },
  { id: 'repeat', changes: ['repeat'] },
  { id: 'flapping', changes: ['flapping'] },
  { id: 'stable', changes: ['stable'] },
  { id: 'resolved', changes: ['resolved'] },
];
type SectionId = (typeof SECTIONS)[number]['id'];

const UNITS = [
  { ms: 604_800_000, en: 'week', ja: '週間' },
  { ms: 86_400_000, en: 'day', ja: '日' },
  { ms: 3_600_000, en: 'hour', ja: '時間' },
  { ms: 60_000, en: 'minute', ja: '分' },
  { ms: 1_000, en: 'second', ja: '秒' },
] as const;

/** "1 hour 30 minutes" / "1時間30分": the two largest units of a span. */
export function spanText(ms: number, language: Language): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms / 1_000) * 1_000);
  for (const unit of UNITS) {
    const count = Math.floor(rest / unit.ms);
    if (count > 0) {
      parts.push(language === 'ja' ? `${count}${unit.ja}` : `${count} ${unit.en}${count === 1 ? '' : 's'}`);
      rest -= count * unit.ms;
    }
    if (parts.length === 2) break;
  }
  if (parts.length === 0) return language === 'ja' ? '0秒' : '0 seconds';
  return parts.join(language === 'ja' ? '' : ' ');
}

const TEXT = {
  en: {
    heading: (sev: string, job: string, counts: string) => `${sev} alert from ops-autopilot (${job} job): ${counts}`,
    count: (section: SectionId, n: number) =>
      ({ new: `${n} new`, repeat: `${n} still open`, flapping: `${n} flapping`, stable: `${n} stable again`, resolved: `${n} resolved` })[
        section
      ],
    countJoin: ', ',
    respond: (within: string) => `Respond within ${within}.`,
    noAction: 'No action needed.',
    section: (section: SectionId, n: number) =>
      ({ new: 'New alerts', repeat: 'Still open', flapping: 'Flapping', stable: 'Stable again', resolved: 'Resolved' })[section] +
      ` (${n})`,
    since: (at: string) => `failing since ${at}`,
    openFor: (span: string) => `open for ${span}`,
    escalated: (from: string) => `escalated from ${from}`,
    flapping: (changes: number, runs: number) =>
      `changed state ${changes} times in the last ${runs} runs; alert and resolve notices are paused until it is stable`,
    stableFailing: 'stable again, still failing',
    stableOk: 'stable again, now OK',
    resolved: (was: string, span: string | undefined) => (span ? `resolved after ${span} (was ${was})` : `resolved (was ${was})`),
    truncated: (n: number) => `... [truncated: ${n} more items]`,
    footer: (job: string, at: string) => `-- ops-autopilot, ${job} job, ${at}`,
    listJoin: ', ',
  },
  ja: {
    heading: (sev: string, job: string, counts: string) => `ops-autopilot（${job}ジョブ）からの ${sev} アラート: ${counts}`,
    count: (section: SectionId, n: number) =>
      ({ new: `新規${n}件`, repeat: `継続中${n}件`, flapping: `フラッピング${n}件`, stable: `安定化${n}件`, resolved: `復旧${n}件` })[
        section
      ],
    countJoin: '、',
    respond: (within: string) => `${within}以内に対応してください。`,
    noAction: '対応は不要です。',
    section: (section: SectionId, n: number) =>
      `${{ new: '新規アラート', repeat: '継続中', flapping: 'フラッピング', stable: '安定化', resolved: '復旧' }[section]}（${n}件）`,
    since: (at: string) => `${at} から異常`,
    openFor: (span: string) => `${span}継続中`,
    escalated: (from: string) => `${from} から悪化`,
    flapping: (changes: number, runs: number) =>
      `直近${runs}回の実行で状態が${changes}回変化しました。安定するまで発報・復旧の通知を止めています`,
    stableFailing: '安定しました（異常のまま）',
    stableOk: '安定しました（正常）',
    resolved: (was: string, span: string | undefined) => (span ? `${span}で復旧しました（${was}）` : `復旧しました（${was}）`),
    truncated: (n: number) => `…（残り${n}件省略）`,
    footer: (job: string, at: string) => `-- ops-autopilot ${job}ジョブ ${at}`,
    listJoin: '、',
  },
} as const;

/** Printable ASCII only (SNS subjects): other characters are dropped, whitespace collapsed. */
export function asciiOnly(text: string): string {
  return text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\(\s*\)|\[\s*\]|\{\s*\}/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[\s:;,.-]+|[\s:;,-]+$/g, '');
}

/** What is left of a summary in ASCII, if enough is left to mean something (a Japanese one often is not). */
function subjectSummary(summary: string): string {
  const ascii = asciiOnly(summary);
  const wasAscii = !/[^\x20-\x7e\s]/.test(summary);
  return wasAscii || (ascii.match(/[A-Za-z]/g)?.length ?? 0) >= 3 ? ascii : '';
}

function truncateChars(text: string, max: number, ellipsis: string): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - [...ellipsis].length).join('') + ellipsis;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes on a character boundary. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

function sectionOf(change: Change): SectionId {
  return SECTIONS.find((s) => s.changes.includes(change))!.id;
}

function subjectOf(planned: PlannedNotification): string {
  const order = SECTIONS.map((section) => section.id);
  const items = [...planned.items].sort((a, b) => order.indexOf(sectionOf(a.change)) - order.indexOf(sectionOf(b.change)));
  const counts = new Map<string, number>();
  for (const item of items) {
    const label = ['opened', 'escalated', 'repeat'].includes(item.change) ? 'alert' : item.change;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const parts = [...counts].map(([label, n]) => (label === 'alert' ? `${n} alert${n === 1 ? '' : 's'}` : `${n} ${label}`));
  const head = asciiOnly(`[${planned.severity.toUpperCase()}] ${parts.join(', ')}`);
  const keys = [...new Set(items.map((item) => asciiOnly(item.key)).filter(Boolean))];
  if (keys.length === 1) {
    const summary = subjectSummary(items[0]!.summary);
    const full = summary ? `${head}: ${keys[0]} - ${summary}` : `${head}: ${keys[0]}`;
    return truncateChars(full, SUBJECT_MAX_LENGTH, '...');
  }
  let subject = `${head}:`;
  let listed = 0;
  for (const key of keys) {
    const rest = keys.length - listed - 1;
    const candidate = `${subject}${listed ? ',' : ''} ${key}`;
    const suffix = rest > 0 ? ` +${rest}` : '';
    if (candidate.length + suffix.length > SUBJECT_MAX_LENGTH) break;
    subject = candidate;
    listed++;
  }
  if (listed < keys.length) subject += ` +${keys.length - listed}`;
  return truncateChars(subject, SUBJECT_MAX_LENGTH, '...');
}

function itemText(item: PlannedItem, planned: PlannedNotification, config: MessageConfig): string {
  const t = TEXT[config.language];
  const now = Date.parse(planned.at);
  const head = `- ${item.key} (${item.kind}) ${item.severity.toUpperCase()}`;
  const summary = truncateChars(item.summary.replace(/\r?\n/g, ' '), SUMMARY_MAX_CHARS, '…');
  const details: string[] = [];
  if (item.change === 'escalated' && item.previousSeverity) details.push(t.escalated(item.previousSeverity.toUpperCase()));
  if (item.change === 'flapping') details.push(t.flapping(item.flapChanges ?? 0, item.flapRuns ?? 0));
  if (item.change === 'stable') details.push(item.severity === 'ok' ? t.stableOk : t.stableFailing);
  const openFor = item.openedAt === undefined ? undefined : spanText(now - Date.parse(item.openedAt), config.language);
  if (item.change === 'resolved') details.push(t.resolved((item.previousSeverity ?? planned.severity).toUpperCase(), openFor));
  if (item.failingSince && item.severity !== 'ok') details.push(t.since(formatLocal(new Date(item.failingSince), config.timezone)));
  if (openFor && (item.change === 'repeat' || item.change === 'escalated')) details.push(t.openFor(openFor));
  return [head, `  ${summary}`, ...(details.length ? [`  ${details.join(t.listJoin)}`] : [])].join('\n');
}

function attributesOf(planned: PlannedNotification): Notification['attributes'] {
  return {
    severity: planned.severity,
    target: [...new Set(planned.items.map((item) => item.target))],
    check: [...new Set(planned.items.map((item) => item.check))],
  };
}

function attributeBytes(attributes: Notification['attributes']): number {
  return (
    Buffer.byteLength(`severityString${attributes.severity}`) +
    Buffer.byteLength(`targetString.Array${JSON.stringify(attributes.target)}`) +
    Buffer.byteLength(`checkString.Array${JSON.stringify(attributes.check)}`)
  );
}

export interface RenderOptions {
  /** Body cap in UTF-8 bytes; default MESSAGE_BYTE_CAP (lowered further if attributes are large). */
  readonly maxBytes?: number;
}

/** Renders one grouped notice: ASCII subject, body in the configured language, SNS attributes. */
export function renderNotification(planned: PlannedNotification, config: MessageConfig, options: RenderOptions = {}): Notification {
  const t = TEXT[config.language];
  const severity: AlertSeverity = planned.severity;
  const subject = subjectOf(planned);
  const attributes = attributesOf(planned);
  const cap = Math.min(
    options.maxBytes ?? MESSAGE_BYTE_CAP,
    SNS_MESSAGE_LIMIT - SNS_HEADROOM - Buffer.byteLength(subject) - attributeBytes(attributes),
  );

  const bySection = new Map<SectionId, PlannedItem[]>();
  for (const item of planned.items) {
    const id = sectionOf(item.change);
    bySection.set(id, [...(bySection.get(id) ?? []), item]);
  }
  const sections = SECTIONS.filter((s) => bySection.has(s.id)).map((s) => ({ id: s.id, items: bySection.get(s.id)! }));
  const counts = sections.map((s) => t.count(s.id, s.items.length)).join(t.countJoin);
  const needsAction = planned.items.some((item) => item.severity !== 'ok' && item.change !== 'resolved');
  const within = spanText(durationMs(respondWithin(config, severity)), config.language);
  const header = [t.heading(severity.toUpperCase(), planned.job, counts), needsAction ? t.respond(within) : t.noAction].join('\n');
  const footer = `\n\n${t.footer(planned.job, formatLocal(new Date(planned.at), config.timezone))}`;
  const reserve = Buffer.byteLength(`\n\n${t.truncated(planned.items.length)}`) + Buffer.byteLength(footer);

  const blocks: string[] = [header];
  let bytes = Buffer.byteLength(header);
  let included = 0;
  fill: for (const section of sections) {
    let titled = false;
    for (const item of section.items) {
      const block = `${titled ? '' : `\n\n${t.section(section.id, section.items.length)}`}\n${itemText(item, planned, config)}`;
      const size = Buffer.byteLength(block);
      if (bytes + size + reserve > cap) break fill;
      blocks.push(block);
      bytes += size;
      titled = true;
      included++;
    }
  }
  const omitted = planned.items.length - included;
  if (omitted > 0) blocks.push(`\n\n${t.truncated(omitted)}`);
  blocks.push(footer);
  return { topic: planned.topic, severity, subject, message: truncateUtf8(blocks.join(''), cap), attributes };
}
