import type { Notification } from '../domain/report.js';
import type { AlertSeverity } from '../domain/severity.js';
import { boundedAttributes, renderBodies, type MessageConfig } from './bodies/index.js';
import { orderedItems } from './bodies/sections.js';
import { asciiOnly, SUBJECT_MAX_LENGTH, truncateChars } from './text.js';
import type { PlannedNotification } from './notice.js';

export type { MessageConfig } from './bodies/index.js';
export { asciiOnly, MESSAGE_BYTE_CAP, spanText, SUBJECT_MAX_LENGTH, truncateUtf8 } from './text.js';

/** What is left of a summary in ASCII, if enough is left to mean something (a Japanese one often is not). */
function subjectSummary(summary: string): string {
  const ascii = asciiOnly(summary);
  const wasAscii = !/[^\x20-\x7e\s]/.test(summary);
  return wasAscii || (ascii.match(/[A-Za-z]/g)?.length ?? 0) >= 3 ? ascii : '';
}

function subjectOf(planned: PlannedNotification): string {
  const items = orderedItems(planned);
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
  const byKey = listWithin(`${head}:`, keys);
  if (byKey.listed > 0 || keys.length === 0) return byKey.subject;
  // Not even one key fits (long check names): name the targets instead, "[HIGH] 4000 alerts on 2000 targets: web-1 +1999".
  const targets = [...new Set(items.map((item) => asciiOnly(item.target)).filter(Boolean))];
  if (targets.length === 1) return truncateChars(`${head}: ${targets[0]} (${keys.length} checks)`, SUBJECT_MAX_LENGTH, '...');
  return listWithin(`${head} on ${targets.length} targets:`, targets).subject;
}

/** `prefix` and as many `names` as fit under SUBJECT_MAX_LENGTH, then "+N" for the rest. */
function listWithin(prefix: string, names: readonly string[]): { subject: string; listed: number } {
  let subject = prefix;
  let listed = 0;
  for (const name of names) {
    const rest = names.length - listed - 1;
    const candidate = `${subject}${listed ? ',' : ''} ${name}`;
    const suffix = rest > 0 ? ` +${rest}` : '';
    if (candidate.length + suffix.length > SUBJECT_MAX_LENGTH) break;
    subject = candidate;
    listed++;
  }
  if (listed < names.length) subject += ` +${names.length - listed}`;
  return { subject: truncateChars(subject, SUBJECT_MAX_LENGTH, '...'), listed };
}

function attributesOf(planned: PlannedNotification): Notification['attributes'] {
  return boundedAttributes(
    planned.severity,
    planned.items.map((item) => item.target),
    planned.items.map((item) => item.check),
  );
}

export interface RenderOptions {
  /** Cap for the e-mail text in UTF-8 bytes (the whole SNS message is capped anyway). */
  readonly maxBytes?: number;
  /** The deployment's CloudWatch dashboard, linked from the bodies. */
  readonly dashboard?: string;
  /** The status page, with a token valid 7 days, linked from the bodies. */
  readonly statusPage?: string;
}

/**
 * Renders one grouped notice: ASCII subject, SNS attributes, and each protocol's body (e-mail
 * text in the configured language, one SMS line, the JSON document, the Chatbot event); `message`
 * is the e-mail text.
 */
export function renderNotification(planned: PlannedNotification, config: MessageConfig, options: RenderOptions = {}): Notification {
  const severity: AlertSeverity = planned.severity;
  const subject = subjectOf(planned);
  const attributes = attributesOf(planned);
  const bodies = renderBodies(planned, config, subject, attributes, {
    maxTextBytes: options.maxBytes,
    dashboard: options.dashboard,
    statusPage: options.statusPage,
  });
  return { topic: planned.topic, severity, subject, message: bodies.email, attributes, bodies };
}
