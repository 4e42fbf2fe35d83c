import {
  ALERT_DOCUMENT_SCHEMA,
  ALERT_DOCUMENT_VERSION,
  SMS_MAX_BYTES,
  type AlertDocument,
  type NotificationBodies,
} from '../domain/alert-document.js';
import type { Notification } from '../domain/report.js';
import { chatbotCard, CHAT_DESCRIPTION_MAX_CHARS, contextNames } from './bodies/chatbot.js';
import { boundedAttributes } from './bodies/sns-publish.js';
import { respondWithin } from './evaluate.js';
import type { MessageConfig } from './message.js';
import { truncateChars, truncateUtf8 } from './text.js';
import { formatLocal } from './time-zone.js';
import type { StateLostNotice } from './state.js';

/** The suite itself is the "target" of this notice: it concerns no one check, but every check of the job. */
const SUITE_TARGET = 'ops-autopilot';
/** A parse error can quote a long document; the notice keeps its start. */
const REASON_MAX_CHARS = 500;

const TEXT = {
  en: {
    heading: (n: StateLostNotice) =>
      `CRITICAL notice from ops-autopilot (${n.job} job): ` +
      `the alert state was ${n.missing ? 'missing' : 'unreadable'} and could not be recovered.`,
    respond: (within: string) => `Respond within ${within} (the critical response target).`,
    consequence: [
      'No earlier copy could be read, so the job started from an empty state: alerts that were open',
      'will not get a RESOLVED notice (unless a delivery record of the last days still names them),',
      'and still-failing checks alert again once they fail again.',
      'Look at the open problems on the operations screen (or run the job with --local) rather than',
      'trusting the next digest\'s "open" count.',
    ],
    summary: (n: StateLostNotice) =>
      `alert state ${n.location} ${n.key} ${n.missing ? 'missing' : 'unreadable'} and not recoverable (${n.reason}); ` +
      'the job restarted from an empty state, so open alerts get no RESOLVED notice',
    screen: (url: string) => `Operations screen: ${url}`,
    statusPage: (url: string) => `Status page (link valid 7 days): ${url}`,
    sms: (n: StateLostNotice) =>
      `CRITICAL ops-autopilot: ${n.job} alert state lost, restarted empty; open alerts get no RESOLVED. Check now`,
    footer: (n: StateLostNotice, at: string) => `-- ops-autopilot, ${n.job} job, ${at}`,
  },
  ja: {
    heading: (n: StateLostNotice) =>
      `ops-autopilot（${n.job}ジョブ）からの CRITICAL 通知: アラート状態が${n.missing ? '見つからず' : '読めず'}、復元もできませんでした。`,
    respond: (within: string) => `${within}以内に対応してください（critical の対応目標）。`,
    consequence: [
      '以前の写しも読めなかったため、空の状態から再開しました。発報中だったアラートの復旧通知は（直近の配信記録に残るものを除き）届かず、',
      '異常が続くチェックは再び失敗した時点で改めて発報されます。次のダイジェストの件数ではなく、',
      '運用画面（または --local での実行）で現在の問題を確認してください。',
    ],
    summary: (n: StateLostNotice) =>
      `アラート状態 ${n.location} ${n.key} が${n.missing ? '見つからず' : '読めず'}復元不能（${n.reason}）。` +
      '空の状態から再開したため、発報中のアラートに復旧通知は届きません',
    screen: (url: string) => `運用画面: ${url}`,
    statusPage: (url: string) => `ステータスページ（リンクは7日間有効）: ${url}`,
    sms: (n: StateLostNotice) => `CRITICAL ops-autopilot: ${n.job}のアラート状態を失い空から再開。復旧通知は届きません。すぐ確認を`,
    footer: (n: StateLostNotice, at: string) => `-- ops-autopilot ${n.job}ジョブ ${at}`,
  },
} as const;

export interface StateLostOptions {
  /** The deployment's operations screen, linked from every body. */
  readonly dashboard?: string;
  /** The status page with its token. */
  readonly statusPage?: string;
}

/**
 * The notice a run sends, to the critical topic, when the alert state was lost: never a silent
 * "0 open". It concerns every target, so its `target` attribute lists them all and a subscription
 * filtering on one target still gets it. Like every alert notice it has a body per SNS protocol:
 * the e-mail text, one SMS line, the alert document (one item: the job's state) and its Chatbot card.
 */
export function renderStateLost(
  notice: StateLostNotice,
  config: MessageConfig,
  targets: readonly string[],
  options: StateLostOptions = {},
): Notification {
  notice = { ...notice, reason: truncateChars(notice.reason.replace(/\s+/g, ' '), REASON_MAX_CHARS, '…') };
  const t = TEXT[config.language];
  const at = formatLocal(new Date(notice.at), config.timezone);
  const within = respondWithin(config, 'critical');
  const subject = `[CRITICAL] alert state lost: ${notice.job} job`;
  const email = [
    t.heading(notice),
    t.respond(within),
    '',
    `${notice.location} ${notice.key}: ${notice.reason}`,
    '',
    ...t.consequence,
    ...(options.dashboard ? ['', t.screen(options.dashboard)] : []),
    ...(options.statusPage ? [t.statusPage(options.statusPage)] : []),
    '',
    t.footer(notice, at),
  ].join('\n');
  const document = {
    ...stateLostDocument(notice, config, subject, within, options.dashboard),
    ...(options.statusPage ? { statusPage: options.statusPage } : {}),
  };
  const bodies: NotificationBodies = {
    email,
    sms: truncateUtf8(t.sms(notice), SMS_MAX_BYTES),
    json: document,
    https: chatbotCard({
      id: document.id,
      title: `🔴 ${subject}`,
      header: [t.respond(within), ''],
      lines: [`• \`${document.alerts[0]!.key}\` CRITICAL: ${document.alerts[0]!.summary}`],
      more: () => '',
      descriptionChars: CHAT_DESCRIPTION_MAX_CHARS,
      nextSteps: [
        t.respond(within),
        ...(options.dashboard ? [t.screen(options.dashboard)] : []),
        ...(options.statusPage ? [t.statusPage(options.statusPage)] : []),
      ],
      keywords: ['CRITICAL', notice.job, 'state'],
      summary: subject,
      eventType: 'ops-autopilot-alert',
      dashboard: options.dashboard ?? null,
      context: {
        schema: document.schema,
        version: String(document.version),
        job: document.job,
        severity: 'critical',
        at: document.at,
        states: 'alert',
        targets: contextNames(targets),
        respondWithin: within,
        dashboard: options.dashboard ?? '',
      },
      document,
    }),
  };
  return {
    topic: 'critical',
    severity: 'critical',
    subject,
    message: email,
    bodies,
    attributes: boundedAttributes('critical', targets, [`state:${notice.job}`]),
  };
}

/** The alert document of the notice: one item, the job's alert state, open now. */
function stateLostDocument(
  notice: StateLostNotice,
  config: MessageConfig,
  subject: string,
  within: string,
  dashboard: string | undefined,
): AlertDocument {
  const check = `state:${notice.job}`;
  return {
    schema: ALERT_DOCUMENT_SCHEMA,
    version: ALERT_DOCUMENT_VERSION,
    id: `${notice.job}:critical:${notice.at}`,
    job: notice.job,
    topic: 'critical',
    severity: 'critical',
    at: notice.at,
    language: config.language,
    subject,
    needsAction: true,
    respondWithin: within,
    dashboard: dashboard ?? null,
    counts: { alert: 1, repeat: 0, resolved: 0, flapping: 0 },
    alerts: [
      {
        key: `${SUITE_TARGET}/${check}`,
        target: SUITE_TARGET,
        check,
        kind: 'state',
        severity: 'critical',
        state: 'alert',
        change: 'opened',
        previousSeverity: null,
        summary: TEXT[config.language].summary(notice),
        observed: { location: notice.location, key: notice.key, reason: notice.reason },
        respondWithin: within,
        firstSeenAt: notice.at,
        openedAt: notice.at,
      },
    ],
    omitted: 0,
  };
}
