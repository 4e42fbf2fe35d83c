import type { AlertDocument, ChatbotEvent } from '../../domain/alert-document.js';
import type { PlannedNotification } from '../evaluate.js';
import { truncateChars } from '../text.js';
import { headingOf, itemDetails, oneLine, TEXT, type MessageConfig } from './email.js';
import { orderedItems } from './sections.js';

/** Slack and Teams show long messages folded; past this the rest is counted, and the document still has every item. */
export const CHAT_DESCRIPTION_MAX_CHARS = 3_000;
const TITLE_MAX_CHARS = 250;
const MAX_KEYWORDS = 6;

const ICON = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', resolved: '✅' } as const;

const WORDS = {
  en: {
    more: (n: number) => `… and ${n} more (the e-mail and the JSON document list them)`,
    dashboard: (url: string) => `Open the dashboard: ${url}`,
    recheck: (job: string, targets: string) => `Re-check now: \`${`npx autopilot invoke ${job} ${targets}`.trim()}\``,
  },
  ja: {
    more: (n: number) => `…ほか${n}件（メールと JSON 文書に全件あります）`,
    dashboard: (url: string) => `ダッシュボード: ${url}`,
    recheck: (job: string, targets: string) => `今すぐ再確認: \`${`npx autopilot invoke ${job} ${targets}`.trim()}\``,
  },
} as const;

/**
 * The AWS Chatbot custom notification of one notice (Chatbot subscribes to SNS over https):
 * a title and a markdown list for people, and the alert document in metadata.additionalContext.
 */
export function chatbotEvent(
  planned: PlannedNotification,
  config: MessageConfig,
  document: AlertDocument,
  limits: { readonly descriptionChars: number; readonly summaryChars: number },
): ChatbotEvent {
  const t = TEXT[config.language];
  const w = WORDS[config.language];
  const { heading, respond } = headingOf(planned, config);
  const icon = document.needsAction ? ICON[planned.severity] : ICON.resolved;
  const lines = [respond, ''];
  let length = lines.join('\n').length;
  const items = orderedItems(planned);
  let shown = 0;
  for (const item of items) {
    const details = itemDetails(item, planned, config);
    const line =
      `• \`${item.key}\` (${item.kind}) ${item.severity.toUpperCase()}: ${oneLine(item.summary, limits.summaryChars)}` +
      (details.length ? ` (${details.join(t.listJoin)})` : '');
    const reserve = shown + 1 < items.length ? w.more(items.length).length + 1 : 0;
    if (length + line.length + 1 + reserve > limits.descriptionChars) break;
    lines.push(line);
    length += line.length + 1;
    shown++;
  }
  if (shown < items.length) lines.push(w.more(items.length - shown));

  const targets = [...new Set(items.map((item) => item.target))];
  const nextSteps = [
    ...(document.needsAction ? [respond] : []),
    ...(document.dashboard ? [w.dashboard(document.dashboard)] : []),
    // Past a few targets the re-check command runs them all.
    ...(document.needsAction
      ? [w.recheck(planned.job, targets.length <= 3 ? targets.map((name) => `--target ${name}`).join(' ') : '')]
      : []),
  ];
  return {
    version: '1.0',
    source: 'custom',
    id: document.id,
    content: {
      textType: 'client-markdown',
      title: truncateChars(`${icon} ${heading}`, TITLE_MAX_CHARS, '…'),
      description: truncateChars(lines.join('\n'), limits.descriptionChars, '…'),
      ...(nextSteps.length ? { nextSteps } : {}),
      keywords: [planned.severity.toUpperCase(), planned.job, ...targets].slice(0, MAX_KEYWORDS),
    },
    metadata: {
      summary: document.subject,
      eventType: 'ops-autopilot-alert',
      relatedResources: document.dashboard ? [document.dashboard] : [],
      additionalContext: {
        schema: document.schema,
        version: String(document.version),
        job: document.job,
        severity: document.severity,
        at: document.at,
        states: [...new Set(document.alerts.map((a) => a.state))].join(','),
        targets: targets.join(','),
        respondWithin: document.respondWithin ?? '',
        dashboard: document.dashboard ?? '',
        // The same fields machine subscribers get, as the JSON text of the alert document.
        document: JSON.stringify(document),
      },
    },
  };
}
