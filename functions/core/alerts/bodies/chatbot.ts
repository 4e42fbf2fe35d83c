import type { AlertDocument, ChatbotEvent } from '../../domain/alert-document.js';
import { truncateChars } from '../text.js';
import { headingOf, itemDetails, oneLine, TEXT, type MessageConfig } from './email.js';
import { orderedItems } from './sections.js';
import type { PlannedNotification } from '../notice.js';

/** Slack and Teams show long messages folded; past this the rest is counted, and the document still has every item. */
export const CHAT_DESCRIPTION_MAX_CHARS = 3_000;
const TITLE_MAX_CHARS = 250;
const MAX_KEYWORDS = 6;

const ICON = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', resolved: '✅' } as const;

const WORDS = {
  en: {
    more: (n: number) => `… and ${n} more (the e-mail and the JSON document list more of them)`,
    dashboard: (url: string) => `Open the dashboard: ${url}`,
    statusPage: (url: string) => `Status page (link valid 7 days): ${url}`,
    recheck: (job: string, targets: string) => `Re-check now: \`${`npx autopilot invoke ${job} ${targets}`.trim()}\``,
  },
  ja: {
    more: (n: number) => `…ほか${n}件（メールと JSON 文書にさらに載っています）`,
    dashboard: (url: string) => `ダッシュボード: ${url}`,
    statusPage: (url: string) => `ステータスページ（7日間有効）: ${url}`,
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
  const items = orderedItems(planned);
  const targets = [...new Set(items.map((item) => item.target))];
  return chatbotCard({
    id: document.id,
    title: `${icon} ${heading}`,
    header: [respond, ''],
    lines: items.map((item) => {
      const details = itemDetails(item, planned, config);
      return (
        `• \`${item.key}\` (${item.kind}) ${item.severity.toUpperCase()}: ${oneLine(item.summary, limits.summaryChars)}` +
        (details.length ? ` (${details.join(t.listJoin)})` : '')
      );
    }),
    more: w.more,
    descriptionChars: limits.descriptionChars,
    nextSteps: [
      ...(document.needsAction ? [respond] : []),
      ...(document.dashboard ? [w.dashboard(document.dashboard)] : []),
      ...(document.statusPage ? [w.statusPage(document.statusPage)] : []),
      // Past a few targets the re-check command runs them all.
      ...(document.needsAction
        ? [w.recheck(planned.job, targets.length <= 3 ? targets.map((name) => `--target ${name}`).join(' ') : '')]
        : []),
    ],
    keywords: [planned.severity.toUpperCase(), planned.job, ...targets],
    summary: document.subject,
    eventType: 'ops-autopilot-alert',
    dashboard: document.dashboard,
    context: {
      schema: document.schema,
      version: String(document.version),
      job: document.job,
      severity: document.severity,
      at: document.at,
      states: [...new Set(document.alerts.map((a) => a.state))].join(','),
      targets: contextNames(targets),
      respondWithin: document.respondWithin ?? '',
      dashboard: document.dashboard ?? '',
    },
    document,
  });
}

/** additionalContext's list of names holds at most this many characters: a chat filter reads the first, not thousands. */
const CONTEXT_NAMES_MAX_CHARS = 1_000;

/** `a,b,c` within CONTEXT_NAMES_MAX_CHARS, then `,+N` counting the names left out. */
export function contextNames(names: readonly string[]): string {
  let text = '';
  for (const [i, name] of names.entries()) {
    const candidate = text ? `${text},${name}` : name;
    const rest = names.length - i - 1;
    if (candidate.length + (rest ? `,+${rest}`.length : 0) > CONTEXT_NAMES_MAX_CHARS)
      return `${text}${text ? ',' : ''}+${names.length - i}`;
    text = candidate;
  }
  return text;
}

/** What one Chatbot card shows; `chatbotCard` fits it into the custom-notification envelope. */
export interface ChatbotCardInput {
  readonly id: string;
  /** Cut at 250 characters. */
  readonly title: string;
  /** Lines above the list, always shown. */
  readonly header: readonly string[];
  /** The list, in order; as many as fit in `descriptionChars` are shown. */
  readonly lines: readonly string[];
  /** How many lines there are in all, when `lines` holds only the first of them. @default lines.length */
  readonly total?: number;
  /** The line that counts what did not fit. */
  readonly more: (hidden: number) => string;
  readonly descriptionChars: number;
  readonly nextSteps: readonly string[];
  /** The first six are kept. */
  readonly keywords: readonly string[];
  readonly summary: string;
  readonly eventType: string;
  readonly dashboard?: string | null;
  /** Plain string fields for chat-side filters (Chatbot allows only strings in additionalContext). */
  readonly context: Readonly<Record<string, string>>;
  /** The machine document, carried whole as JSON text in `additionalContext.document`. */
  readonly document: unknown;
}

/**
 * The AWS Chatbot custom-notification envelope (version 1.0, source "custom"), shared by the
 * alert and digest bodies: the list is cut where the description would pass its limit, leaving
 * room for the line that counts the rest, and the whole machine document rides in metadata.
 */
export function chatbotCard(input: ChatbotCardInput): ChatbotEvent {
  const total = input.total ?? input.lines.length;
  const lines = [...input.header];
  let length = lines.join('\n').length;
  let shown = 0;
  for (const line of input.lines) {
    const reserve = shown + 1 < total ? input.more(total).length + 1 : 0;
    if (length + line.length + 1 + reserve > input.descriptionChars) break;
    lines.push(line);
    length += line.length + 1;
    shown++;
  }
  if (shown < total) lines.push(input.more(total - shown));
  return {
    version: '1.0',
    source: 'custom',
    id: input.id,
    content: {
      textType: 'client-markdown',
      title: truncateChars(input.title, TITLE_MAX_CHARS, '…'),
      description: truncateChars(lines.join('\n'), input.descriptionChars, '…'),
      ...(input.nextSteps.length ? { nextSteps: [...input.nextSteps] } : {}),
      keywords: input.keywords.slice(0, MAX_KEYWORDS),
    },
    metadata: {
      summary: input.summary,
      eventType: input.eventType,
      relatedResources: input.dashboard ? [input.dashboard] : [],
      // The same fields machine subscribers get, as the JSON text of the document.
      additionalContext: { ...input.context, document: JSON.stringify(input.document) },
    },
  };
}
