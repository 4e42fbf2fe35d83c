import type { Notification } from '../domain/report.js';
import type { MessageConfig } from './message.js';
import { formatLocal } from './time-zone.js';
import type { StateLostNotice } from './state.js';

const TEXT = {
  en: (n: StateLostNotice, at: string) =>
    [
      `CRITICAL notice from ops-autopilot (${n.job} job): the alert state was unreadable and could not be recovered.`,
      'Respond within the critical response target.',
      '',
      `${n.location} ${n.key}: ${n.reason}`,
      '',
      'No earlier copy could be read, so the job started from an empty state: alerts that were open',
      'will not get a RESOLVED notice, and still-failing checks alert again once they fail again.',
      'Look at the open problems on the dashboard (or run the job with --local) rather than trusting',
      'the next digest\'s "open" count.',
      '',
      `-- ops-autopilot, ${n.job} job, ${at}`,
    ].join('\n'),
  ja: (n: StateLostNotice, at: string) =>
    [
      `ops-autopilot（${n.job}ジョブ）からの CRITICAL 通知: アラート状態が読めず、復元もできませんでした。`,
      'critical の対応目標時間内に対応してください。',
      '',
      `${n.location} ${n.key}: ${n.reason}`,
      '',
      '以前の写しも読めなかったため、空の状態から再開しました。発報中だったアラートの復旧通知は届かず、',
      '異常が続くチェックは再び失敗した時点で改めて発報されます。次のダイジェストの件数ではなく、',
      'ダッシュボード（または --local での実行）で現在の問題を確認してください。',
      '',
      `-- ops-autopilot ${n.job}ジョブ ${at}`,
    ].join('\n'),
} as const;

/**
 * The notice a run sends, to the critical topic, when the alert state was lost: never a silent
 * "0 open". It concerns every target, so its `target` attribute lists them all and a subscription
 * filtering on one target still gets it.
 */
export function renderStateLost(notice: StateLostNotice, config: MessageConfig, targets: readonly string[]): Notification {
  const at = formatLocal(new Date(notice.at), config.timezone);
  return {
    topic: 'critical',
    severity: 'critical',
    subject: `[CRITICAL] alert state lost: ${notice.job} job`,
    message: TEXT[config.language](notice, at),
    attributes: { severity: 'critical', target: [...targets], check: [`state:${notice.job}`] },
  };
}
