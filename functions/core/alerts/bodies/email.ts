import type { CoreConfig } from '../../config/schema.js';
import { durationMs } from '../../config/duration.js';
import { respondWithin } from '../evaluate.js';
import { spanText, truncateChars, truncateUtf8 } from '../text.js';
import { formatLocal } from '../time-zone.js';
import { needsAction, orderedItems, SECTIONS, sectionOf, type SectionId } from './sections.js';
import type { PlannedItem, PlannedNotification } from '../notice.js';

export type MessageConfig = Pick<CoreConfig, 'language' | 'timezone' | 'severities'>;

export const TEXT = {
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
    targets: (n: number, listed: string) => `Targets (${n}): ${listed}`,
    moreTargets: (n: number) => `and ${n} more`,
    dashboard: (url: string) => `Dashboard: ${url}`,
    statusPage: (url: string) => `Status page (link valid 7 days): ${url}`,
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
    targets: (n: number, listed: string) => `対象（${n}件）: ${listed}`,
    moreTargets: (n: number) => `ほか${n}件`,
    dashboard: (url: string) => `ダッシュボード: ${url}`,
    statusPage: (url: string) => `ステータスページ（リンクは7日間有効）: ${url}`,
    footer: (job: string, at: string) => `-- ops-autopilot ${job}ジョブ ${at}`,
    listJoin: '、',
  },
} as const;

export interface TextLimits {
  /** The whole text, in UTF-8 bytes. */
  readonly maxBytes: number;
  /** One item's summary, in characters: one runaway summary must not push every other item out. */
  readonly summaryChars: number;
}

/** The notice's heading line and whether it asks for a response ("Respond within 15 minutes."). */
export function headingOf(planned: PlannedNotification, config: MessageConfig): { heading: string; respond: string } {
  const t = TEXT[config.language];
  const counts = SECTIONS.map((s) => [s.id, planned.items.filter((item) => sectionOf(item.change) === s.id).length] as const)
    .filter(([, n]) => n > 0)
    .map(([id, n]) => t.count(id, n))
    .join(t.countJoin);
  const within = spanText(durationMs(respondWithin(config, planned.severity)), config.language);
  return {
    heading: t.heading(planned.severity.toUpperCase(), planned.job, counts),
    respond: planned.items.some(needsAction) ? t.respond(within) : t.noAction,
  };
}

/** The detail line of one item: escalated from, flapping, resolved after, failing since, open for. */
export function itemDetails(item: PlannedItem, planned: PlannedNotification, config: MessageConfig): string[] {
  const t = TEXT[config.language];
  const now = Date.parse(planned.at);
  const details: string[] = [];
  if (item.change === 'escalated' && item.previousSeverity) details.push(t.escalated(item.previousSeverity.toUpperCase()));
  if (item.change === 'flapping') details.push(t.flapping(item.flapChanges ?? 0, item.flapRuns ?? 0));
  if (item.change === 'stable') details.push(item.severity === 'ok' ? t.stableOk : t.stableFailing);
  const openFor = item.openedAt === undefined ? undefined : spanText(now - Date.parse(item.openedAt), config.language);
  if (item.change === 'resolved') details.push(t.resolved((item.previousSeverity ?? planned.severity).toUpperCase(), openFor));
  if (item.failingSince && item.severity !== 'ok') details.push(t.since(formatLocal(new Date(item.failingSince), config.timezone)));
  if (openFor && (item.change === 'repeat' || item.change === 'escalated')) details.push(t.openFor(openFor));
  return details;
}

export function oneLine(summary: string, maxChars: number): string {
  return truncateChars(summary.replace(/\s*\r?\n\s*/g, ' '), maxChars, '…');
}

function itemText(item: PlannedItem, planned: PlannedNotification, config: MessageConfig, summaryChars: number): string {
  const t = TEXT[config.language];
  const head = `- ${item.key} (${item.kind}) ${item.severity.toUpperCase()}`;
  const details = itemDetails(item, planned, config);
  return [head, `  ${oneLine(item.summary, summaryChars)}`, ...(details.length ? [`  ${details.join(t.listJoin)}`] : [])].join('\n');
}

/** Summaries get shorter, down to this, before whole items are left out. */
export const MIN_SUMMARY_CHARS = 80;

/**
 * The e-mail text of one grouped notice: every item by section within `limits.maxBytes`, with
 * summaries shortened (halving, down to MIN_SUMMARY_CHARS) before whole items are left out.
 */
export function emailText(
  planned: PlannedNotification,
  config: MessageConfig,
  limits: TextLimits,
  dashboard?: string,
  statusPage?: string,
): string {
  let summaryChars = limits.summaryChars;
  for (;;) {
    const { text, omitted } = emailTextWith(planned, config, { ...limits, summaryChars }, dashboard, undefined, statusPage);
    if (omitted === 0) return text;
    if (summaryChars <= MIN_SUMMARY_CHARS) {
      // Items are left out: say which targets the notice is about, with counts, before the items that fit.
      const overview = targetOverview(planned, config, Math.min(OVERVIEW_MAX_BYTES, Math.floor(limits.maxBytes / 4)));
      return overview ? emailTextWith(planned, config, { ...limits, summaryChars }, dashboard, overview, statusPage).text : text;
    }
    summaryChars = Math.max(MIN_SUMMARY_CHARS, Math.floor(summaryChars / 2));
  }
}

/** The overview line of a notice too large to list: at most this many bytes. */
const OVERVIEW_MAX_BYTES = 2_000;

/**
 * "Targets (2000): web-1 (2), web-2 (2), ... and 1990 more": every target of the notice with its number of items,
 * in the order of the items, as many as fit in `maxBytes`; undefined when the notice concerns one target.
 */
export function targetOverview(planned: PlannedNotification, config: MessageConfig, maxBytes: number): string | undefined {
  const t = TEXT[config.language];
  const counts = new Map<string, number>();
  for (const item of orderedItems(planned)) counts.set(item.target, (counts.get(item.target) ?? 0) + 1);
  if (counts.size < 2) return undefined;
  const entries = [...counts].map(([target, n]) => `${target} (${n})`);
  let listed: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const rest = entries.length - i - 1;
    const candidate = [...listed, entry];
    const line = t.targets(counts.size, [...candidate, ...(rest ? [t.moreTargets(rest)] : [])].join(t.listJoin));
    if (Buffer.byteLength(line) > maxBytes) break;
    listed = candidate;
  }
  const rest = entries.length - listed.length;
  return t.targets(counts.size, [...listed, ...(rest ? [t.moreTargets(rest)] : [])].join(t.listJoin));
}

function emailTextWith(
  planned: PlannedNotification,
  config: MessageConfig,
  limits: TextLimits,
  dashboard: string | undefined,
  overview?: string,
  statusPage?: string,
): { text: string; omitted: number } {
  const t = TEXT[config.language];
  const { heading, respond } = headingOf(planned, config);
  const header = `${heading}\n${respond}${overview ? `\n\n${overview}` : ''}`;
  const footer =
    `\n\n${dashboard ? `${t.dashboard(dashboard)}\n` : ''}${statusPage ? `${t.statusPage(statusPage)}\n` : ''}` +
    `${t.footer(planned.job, formatLocal(new Date(planned.at), config.timezone))}`;
  const reserve = Buffer.byteLength(`\n\n${t.truncated(planned.items.length)}`) + Buffer.byteLength(footer);

  const blocks: string[] = [header];
  let bytes = Buffer.byteLength(header);
  let included = 0;
  fill: for (const section of SECTIONS) {
    const items = planned.items.filter((item) => sectionOf(item.change) === section.id);
    let titled = false;
    for (const item of items) {
      const block =
        `${titled ? '' : `\n\n${t.section(section.id, items.length)}`}` + `\n${itemText(item, planned, config, limits.summaryChars)}`;
      const size = Buffer.byteLength(block);
      if (bytes + size + reserve > limits.maxBytes) break fill;
      blocks.push(block);
      bytes += size;
      titled = true;
      included++;
    }
  }
  const omitted = planned.items.length - included;
  if (omitted > 0) blocks.push(`\n\n${t.truncated(omitted)}`);
  blocks.push(footer);
  return { text: truncateUtf8(blocks.join(''), limits.maxBytes), omitted };
}
