import type { Severity } from '../../core/domain/severity.js';

export type Language = 'en' | 'ja';
/** A check's state on the page: a severity, or no run seen yet. */
export type PageSeverity = Severity | 'unknown';

/** Every text the page shows, in the config's language. */
export const WORDS = {
  en: {
    title: 'Status',
    allOk: 'All checks OK',
    notOk: (n: number, of: number) => `${n} of ${of} checks not OK`,
    noChecks: 'No checks have run yet',
    generated: (at: string, zone: string) => `Updated ${at} (${zone})`,
    severity: {
      ok: 'OK',
      low: 'Low',
      medium: 'Medium',
      high: 'High',
      critical: 'Critical',
      unknown: 'No data',
    } satisfies Record<PageSeverity, string>,
    since: (at: string, span: string) => `since ${at} (${span})`,
    incidents: (n: number) => `Open incidents (${n})`,
    noIncidents: 'No open incidents.',
    openFor: (span: string) => `open ${span}`,
    acknowledged: (by: string | undefined, at: string | undefined) => `acknowledged${by ? ` by ${by}` : ''}${at ? ` at ${at}` : ''}`,
    unacknowledged: 'not acknowledged',
    noData: 'no data',
    notOkMinutes: (minutes: string) => `${minutes} min not OK`,
    response: (p50: string, p95: string) => `p50 ${p50} · p95 ${p95}`,
    noResponse: 'no response times',
    chartLegend:
      'Charts: the median response time of each of the last 24 hours (oldest on the left; the top of a chart is its label), ' +
      'hours with a failure marked red below; p50 and p95 beside it are of those 24 hours.',
    failedHours: (n: number) => `${n} hour(s) with failures`,
    legend: (days: number) => `Daily uptime, last ${days} days (the percentage beside the bars is of all of them)`,
    legendClasses: ['no data', '100%', '99% or more', '95% or more', 'below 95%'],
    backups: 'Backups',
    noBackup: 'no verified backup',
    newestBackup: (at: string, size: string, age: string) => `newest ${at}${size ? `, ${size}` : ''} (${age} ago)`,
    drill: 'restore drill',
    freshness: 'backup age',
    others: 'Servers and other checks',
    problems: 'Some of what this page is drawn from could not be read',
    problemsPublic: (n: number) => `${n} part(s) of the history could not be read; their days show as no data.`,
    lastSeen: (at: string) => `last run ${at}`,
  },
  ja: {
    title: 'ステータス',
    allOk: 'すべてのチェックが正常です',
    notOk: (n: number, of: number) => `${of}件中${n}件のチェックが異常です`,
    noChecks: 'まだチェックが実行されていません',
    generated: (at: string, zone: string) => `更新 ${at}（${zone}）`,
    severity: {
      ok: '正常',
      low: '低',
      medium: '中',
      high: '高',
      critical: '緊急',
      unknown: 'データなし',
    } satisfies Record<PageSeverity, string>,
    since: (at: string, span: string) => `${at} から（${span}）`,
    incidents: (n: number) => `未解決のインシデント（${n}件）`,
    noIncidents: '未解決のインシデントはありません。',
    openFor: (span: string) => `発生から${span}`,
    acknowledged: (by: string | undefined, at: string | undefined) => `${by ? `${by} が` : ''}${at ? `${at} に` : ''}確認済み`,
    unacknowledged: '未確認',
    noData: 'データなし',
    notOkMinutes: (minutes: string) => `異常 ${minutes}分`,
    response: (p50: string, p95: string) => `中央値 ${p50} · p95 ${p95}`,
    noResponse: '応答時間なし',
    chartLegend:
      'グラフ: 過去24時間の1時間ごとの応答時間の中央値（左が古い。グラフの上端の値はラベルのとおり）。失敗のあった時間帯は下に赤で示します。' +
      '横の中央値と p95 はこの24時間のものです。',
    failedHours: (n: number) => `失敗のあった時間帯 ${n}`,
    legend: (days: number) => `日ごとの稼働率（過去${days}日間。バーの横の割合はその全期間）`,
    legendClasses: ['データなし', '100%', '99%以上', '95%以上', '95%未満'],
    backups: 'バックアップ',
    noBackup: '検証済みのバックアップがありません',
    newestBackup: (at: string, size: string, age: string) => `最新 ${at}${size ? `、${size}` : ''}（${age}前）`,
    drill: 'リストア訓練',
    freshness: 'バックアップの経過時間',
    others: 'サーバーとその他のチェック',
    problems: 'このページの元データの一部を読めませんでした',
    problemsPublic: (n: number) => `履歴の一部（${n}件）を読めませんでした。該当する日はデータなしと表示しています。`,
    lastSeen: (at: string) => `最終実行 ${at}`,
  },
} as const;

export type Words = (typeof WORDS)[Language];
