import {
  ALERT_DOCUMENT_SCHEMA,
  ALERT_DOCUMENT_VERSION,
  type AlertDocument,
  type AlertDocumentItem,
  type AlertState,
} from '../../domain/alert-document.js';
import { respondWithin } from '../evaluate.js';
import { MIN_SUMMARY_CHARS, oneLine, type MessageConfig } from './email.js';
import { needsAction, orderedItems } from './sections.js';
import type { PlannedItem, PlannedNotification } from '../notice.js';

export interface DocumentLimits {
  /** The document as JSON text, in UTF-8 bytes: items past it are counted in `omitted`. */
  readonly maxBytes: number;
  readonly summaryChars: number;
  /** Drop `observed` (the first thing to go when a notice is large). */
  readonly withoutObserved?: boolean;
}

/** The document's state of an item: what a receiver acts on. */
export function stateOf(item: PlannedItem): AlertState {
  switch (item.change) {
    case 'repeat':
      return 'repeat';
    case 'flapping':
      return 'flapping';
    case 'resolved':
      return 'resolved';
    case 'stable':
      return item.severity === 'ok' ? 'resolved' : 'alert';
    default:
      return 'alert';
  }
}

function itemOf(item: PlannedItem, at: string, config: MessageConfig, limits: DocumentLimits): AlertDocumentItem {
  const failing = needsAction(item);
  return {
    key: item.key,
    target: item.target,
    check: item.check,
    kind: item.kind,
    severity: item.severity,
    state: stateOf(item),
    change: item.change,
    previousSeverity: item.previousSeverity ?? null,
    summary: oneLine(item.summary, limits.summaryChars),
    observed: !limits.withoutObserved && item.observed ? { ...item.observed } : null,
    respondWithin: failing && item.severity !== 'ok' ? respondWithin(config, item.severity) : null,
    firstSeenAt: failing ? (item.failingSince ?? null) : null,
    // A notice that opens an alert is itself the opening.
    openedAt: item.openedAt ?? (failing ? at : null),
  };
}

/**
 * The machine-readable document of one notice (docs/alerts.md, "Alert bodies") within `limits.maxBytes`:
 * summaries shortened first (halving, down to MIN_SUMMARY_CHARS), then whole items counted in `omitted`.
 */
export function alertDocument(
  planned: PlannedNotification,
  config: MessageConfig,
  subject: string,
  limits: DocumentLimits,
  dashboard?: string,
  statusPage?: string,
): AlertDocument {
  let summaryChars = limits.summaryChars;
  for (;;) {
    const document = alertDocumentWith(planned, config, subject, { ...limits, summaryChars }, dashboard, statusPage);
    if (document.omitted === 0 || summaryChars <= MIN_SUMMARY_CHARS) return document;
    summaryChars = Math.max(MIN_SUMMARY_CHARS, Math.floor(summaryChars / 2));
  }
}

function alertDocumentWith(
  planned: PlannedNotification,
  config: MessageConfig,
  subject: string,
  limits: DocumentLimits,
  dashboard?: string,
  statusPage?: string,
): AlertDocument {
  const items = orderedItems(planned);
  const counts = { alert: 0, repeat: 0, resolved: 0, flapping: 0 };
  for (const item of items) counts[stateOf(item)]++;
  const action = items.some(needsAction);
  const base: AlertDocument = {
    schema: ALERT_DOCUMENT_SCHEMA,
    version: ALERT_DOCUMENT_VERSION,
    id: `${planned.job}:${planned.topic}:${planned.at}`,
    job: planned.job,
    topic: planned.severity,
    severity: planned.severity,
    at: planned.at,
    language: config.language,
    subject,
    needsAction: action,
    respondWithin: action ? respondWithin(config, planned.severity) : null,
    dashboard: dashboard ?? null,
    ...(statusPage ? { statusPage } : {}),
    counts,
    alerts: [],
    omitted: items.length,
  };
  // Each item costs its JSON plus a comma; the omitted count's digits can only shrink.
  let bytes = Buffer.byteLength(JSON.stringify(base));
  const alerts: AlertDocumentItem[] = [];
  for (const item of items) {
    const entry = itemOf(item, planned.at, config, limits);
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (bytes + size > limits.maxBytes) break;
    alerts.push(entry);
    bytes += size;
  }
  return { ...base, alerts, omitted: items.length - alerts.length };
}
