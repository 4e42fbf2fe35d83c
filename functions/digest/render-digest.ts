import { durationMs } from '../core/config/duration.js';
import { checkNameOf } from '../core/config/schema.js';
import { respondWithin } from '../core/alerts/evaluate.js';
import { boundedAttributes } from '../core/alerts/bodies/index.js';
import { asciiOnly, spanText } from '../core/alerts/message.js';
import type { NotificationBodies } from '../core/domain/alert-document.js';
import type { Notification } from '../core/domain/report.js';
import { digestBodies } from './digest-bodies.js';
import type { AlertEntry } from '../core/alerts/state.js';
import { formatLocal, localTime } from '../core/alerts/time-zone.js';
import { rank, type AlertSeverity, type Severity } from '../core/domain/severity.js';
import { currentChecks, snapshotOf, type BackupRecord, type DigestConfig, type DigestInput, type DigestSnapshot } from './digest-data.js';
import { formatBytes } from '../core/text/format-bytes.js';
import type { Config } from '../kinds/config.js';

type Language = Config['language'];

const TEXT = {
  en: {
    title: (date: string) => `ops-autopilot daily digest for ${date}`,
    statusPage: (url: string) => `Status page (link valid 7 days): ${url}`,
    overview: (checks: number, failing: number, open: number) => `${checks} checks, ${failing} not ok, ${open} open alert(s).`,
    unknown: (jobs: string, checks: number) =>
      `Not ok and open alerts: unknown. The alert state of ${jobs} could not be read; the ${checks} checks below are the rest.`,
    only: (targets: string) => `Only ${targets}: the other targets are left out of this digest.`,
    openAlerts: 'Open alerts',
    none: '  none',
    openFor: (age: string, target: string) => `open ${age} (respond within ${target})`,
    breach: 'RESPONSE TARGET BREACHED',
    state: 'Current state per check',
    backups: 'Backups (newest, and the last 7 days)',
    noBackup: 'no verified backup in the last 7 days',
    newest: (at: string, size: string) => `newest ${at}, ${size}`,
    trend: (sizes: string, change: string, count: number) => `7 days: ${count} backup(s), sizes ${sizes} (${change})`,
    disk: 'Disk and resources per target and server',
    target: (target: string) => `${target}:`,
    server: (target: string, server: string) => `${target}, server ${server}:`,
    changes: 'Changed since yesterday',
    noPrevious: '  no earlier digest to compare with',
    noChanges: '  nothing changed',
    newCheck: 'new check',
    goneCheck: 'no longer reported',
  },
  ja: {
    title: (date: string) => `ops-autopilot 日次ダイジェスト ${date}`,
    statusPage: (url: string) => `ステータスページ（リンクは7日間有効）: ${url}`,
    overview: (checks: number, failing: number, open: number) => `チェック ${checks}件、異常 ${failing}件、未解決アラート ${open}件。`,
    unknown: (jobs: string, checks: number) =>
      `異常件数・未解決アラート件数: 不明。${jobs} のアラート状態を読めません。以下の ${checks}件はそれ以外のチェックです。`,
    only: (targets: string) => `${targets} のみ: ほかのシステムはこのダイジェストに含まれていません。`,
    openAlerts: '未解決のアラート',
    none: '  なし',
    openFor: (age: string, target: string) => `発生から${age}（${target}以内に対応）`,
    breach: '対応目標時間を超過',
    state: 'チェックごとの現在の状態',
    backups: 'バックアップ（最新と過去7日間）',
    noBackup: '過去7日間に検証済みのバックアップがありません',
    newest: (at: string, size: string) => `最新 ${at}、${size}`,
    trend: (sizes: string, change: string, count: number) => `7日間: ${count}件、サイズ ${sizes}（${change}）`,
    disk: 'システム・サーバーごとのディスク使用率とリソース',
    target: (target: string) => `${target}:`,
    server: (target: string, server: string) => `${target} のサーバー ${server}:`,
    changes: '昨日からの変化',
    noPrevious: '  比較できる前回のダイジェストがありません',
    noChanges: '  変化なし',
    newCheck: '新しいチェック',
    goneCheck: '報告されなくなったチェック',
  },
} as const;

const LABEL: Record<Severity, string> = { ok: 'OK', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', critical: 'CRITICAL' };

export function localDateOf(now: Date, timeZone: string): string {
  const t = localTime(now, timeZone);
  return `${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
}

function openAlertLines(checks: Map<string, AlertEntry>, config: DigestConfig, now: Date): string[] {
  const t = TEXT[config.language];
  const open = [...checks.values()].filter((e) => e.open);
  open.sort((a, b) => rank(b.open!.severity) - rank(a.open!.severity) || Date.parse(a.open!.openedAt) - Date.parse(b.open!.openedAt));
  if (!open.length) return [t.none];
  return open.map((e) => {
    const severity = e.open!.severity as AlertSeverity;
    const ageMs = now.getTime() - Date.parse(e.open!.openedAt);
    const within = respondWithin(config, severity);
    const breached = ageMs > durationMs(within);
    const age = spanText(ageMs, config.language);
    const target = spanText(durationMs(within), config.language);
    return (
      `  [${LABEL[severity]}] ${e.target}/${e.check}: ${e.summary} - ` +
      `${t.openFor(age, target)}${breached ? ` *** ${t.breach} ***` : ''}`
    );
  });
}

/** Every check, grouped under its target; each line names target/check so it reads alone (a forwarded or grepped line). */
function stateLines(checks: Map<string, AlertEntry>, language: Language): string[] {
  const byTarget = new Map<string, AlertEntry[]>();
  for (const e of checks.values()) byTarget.set(e.target, [...(byTarget.get(e.target) ?? []), e]);
  const lines: string[] = [];
  for (const [target, entries] of [...byTarget].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${TEXT[language].target(target)}`);
    for (const e of entries.sort((a, b) => a.check.localeCompare(b.check))) {
      lines.push(`    ${LABEL[e.severity].padEnd(8)} ${e.target}/${e.check} (${e.kind}): ${e.summary}`);
    }
  }
  return lines.length ? lines : [TEXT[language].none];
}

/**
 * Disk and resources checks are named `<instance>/disk:<mount>`, `<instance>/cpu` (one per server): the server is the
 * part before the first "/".
 */
function serverOf(check: string): string {
  const slash = check.indexOf('/');
  return slash > 0 ? check.slice(0, slash) : check;
}

/** Within a server: its filesystems first, then CPU, memory, swap and load in that order. */
const RESOURCE_ORDER = ['cpu', 'memory', 'swap', 'load'];
function serverLineOrder(a: AlertEntry, b: AlertEntry): number {
  const position = (e: AlertEntry) => (e.kind === 'disk' ? -1 : RESOURCE_ORDER.indexOf(e.check.slice(e.check.indexOf('/') + 1)));
  return position(a) - position(b) || a.check.localeCompare(b.check);
}

/** Disk use, CPU (the average since the run before), memory, swap and load, grouped by target, then by server; every line names both. */
function diskLines(checks: Map<string, AlertEntry>, language: Language): string[] {
  const t = TEXT[language];
  const groups = new Map<string, { target: string; server: string; entries: AlertEntry[] }>();
  for (const e of checks.values()) {
    if (e.kind !== 'disk' && e.kind !== 'resources') continue;
    const server = serverOf(e.check);
    const key = `${e.target}\u0000${server}`;
    const group = groups.get(key) ?? { target: e.target, server, entries: [] };
    group.entries.push(e);
    groups.set(key, group);
  }
  if (!groups.size) return [t.none];
  const lines: string[] = [];
  const sorted = [...groups.values()].sort((a, b) => a.target.localeCompare(b.target) || a.server.localeCompare(b.server));
  for (const { target, server, entries } of sorted) {
    lines.push(`  ${t.server(target, server)}`);
    for (const e of entries.sort(serverLineOrder)) {
      lines.push(`    ${LABEL[e.severity].padEnd(8)} ${e.target}/${e.check}: ${e.summary}`);
    }
  }
  return lines;
}

function backupLines(backups: readonly BackupRecord[], config: DigestConfig): string[] {
  const t = TEXT[config.language];
  const expected = Object.entries(config.targets).flatMap(([target, tc]) => [
    ...(tc.postgres ?? []).filter((p) => p.backup).map((p) => `${target}/${checkNameOf(p)}`),
    ...(tc.sqlite ?? []).filter((s) => s.backup).map((s) => `${target}/${s.name}`),
  ]);
  const groups = new Map<string, BackupRecord[]>(expected.map((k) => [k, []]));
  for (const b of backups) groups.set(`${b.target}/${b.database}`, [...(groups.get(`${b.target}/${b.database}`) ?? []), b]);
  if (!groups.size) return [t.none];
  const lines: string[] = [];
  for (const [key, records] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...records].sort((a, b) => Date.parse(a.finishedAt) - Date.parse(b.finishedAt));
    const newest = sorted.at(-1);
    if (!newest) {
      lines.push(`  ${key}: ${t.noBackup}`);
      continue;
    }
    lines.push(`  ${key}: ${t.newest(formatLocal(new Date(newest.finishedAt), config.timezone), formatBytes(newest.sizeBytes))}`);
    const first = sorted[0]!;
    const change = first.sizeBytes > 0 ? ((newest.sizeBytes - first.sizeBytes) / first.sizeBytes) * 100 : 0;
    const changeText = `${change >= 0 ? '+' : ''}${change.toFixed(1)}%`;
    lines.push(`    ${key} ${t.trend(sorted.map((b) => formatBytes(b.sizeBytes)).join(' > '), changeText, sorted.length)}`);
  }
  return lines;
}

function changeLines(checks: Map<string, AlertEntry>, previous: DigestSnapshot | undefined, language: Language): string[] {
  const t = TEXT[language];
  if (!previous) return [t.noPrevious];
  const lines: string[] = [];
  for (const [key, e] of checks) {
    const before = previous.checks[key];
    if (!before) lines.push(`  ${key}: ${t.newCheck} (${LABEL[e.severity]})`);
    else if (before.severity !== e.severity) lines.push(`  ${key}: ${LABEL[before.severity]} -> ${LABEL[e.severity]} (${e.summary})`);
  }
  for (const key of Object.keys(previous.checks)) if (!checks.has(key)) lines.push(`  ${key}: ${t.goneCheck}`);
  return lines.length ? lines.sort() : [t.noChanges];
}

export interface RenderedDigest {
  readonly subject: string;
  /** The e-mail text (`bodies.email`). */
  readonly message: string;
  readonly bodies: NotificationBodies;
  readonly attributes: Notification['attributes'];
  readonly snapshot: DigestSnapshot;
  readonly localDate: string;
}

/** The daily digest as text in `language`, under the SNS size limit, and the snapshot to compare with tomorrow. */
export function renderDigest(input: DigestInput, config: DigestConfig, dashboard?: string, statusPage?: string): RenderedDigest {
  const t = TEXT[config.language];
  const checks = currentChecks(input.states);
  const localDate = localDateOf(input.now, config.timezone);
  const failing = [...checks.values()].filter((e) => e.severity !== 'ok').length;
  const open = [...checks.values()].filter((e) => e.open).length;
  const sections: Array<[string, string[]]> = [
    [t.openAlerts, openAlertLines(checks, config, input.now)],
    [t.changes, changeLines(checks, input.previous, config.language)],
    [t.backups, backupLines(input.backups, config)],
    [t.disk, diskLines(checks, config.language)],
    [t.state, stateLines(checks, config.language)],
  ];
  const text = [
    t.title(localDate),
    // Counts over a state that could not be read would read as "0 open": say unknown instead.
    input.unreadable?.length ? t.unknown(input.unreadable.join(', '), checks.size) : t.overview(checks.size, failing, open),
    ...(input.only ? [t.only(input.only.join(', '))] : []),
    ...(statusPage ? [t.statusPage(statusPage)] : []),
    '',
    ...sections.flatMap(([title, lines]) => [title, ...lines, '']),
  ].join('\n');
  const counts = input.unreadable?.length
    ? `counts unknown, state unreadable: ${input.unreadable.join(', ')}`
    : `${failing} not ok, ${open} open`;
  const scope = input.only ? ` (${input.only.join(', ')})` : '';
  const subject = asciiOnly(`[DIGEST] ops-autopilot ${localDate}${scope}: ${counts}`).slice(0, 99);
  const attributes = boundedAttributes('digest', Object.keys(config.targets), ['digest']);
  const bodies = digestBodies(
    { text, subject, localDate, now: input.now, checks, attributes, dashboard, unreadable: input.unreadable, statusPage },
    config,
  );
  return { subject, message: bodies.email, bodies, attributes, snapshot: snapshotOf(checks, input.now, localDate), localDate };
}
