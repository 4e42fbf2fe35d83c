import { SMS_MAX_BYTES } from '../../domain/alert-document.js';
import { truncateUtf8, type Language } from '../text.js';
import { needsAction, orderedItems } from './sections.js';
import type { PlannedItem, PlannedNotification } from '../notice.js';

const WORDS = {
  en: {
    stillOpen: 'still open',
    flapping: 'flapping',
    resolved: (was: string) => `RESOLVED (was ${was})`,
    stableOk: 'STABLE, OK',
    count: (n: number, what: 'alert' | 'resolved') => (what === 'alert' ? `${n} alert${n === 1 ? '' : 's'}` : `${n} resolved`),
    join: ', ',
    ellipsis: '...',
  },
  ja: {
    stillOpen: '継続中',
    flapping: 'フラッピング',
    resolved: (was: string) => `復旧（${was}）`,
    stableOk: '安定（正常）',
    count: (n: number, what: 'alert' | 'resolved') => (what === 'alert' ? `${n}件` : `復旧${n}件`),
    join: '、',
    ellipsis: '…',
  },
} as const;

/** How one item reads in a line: "CRITICAL", "CRITICAL still open", "RESOLVED (was HIGH)". */
function stateWords(item: PlannedItem, planned: PlannedNotification, language: Language): string {
  const w = WORDS[language];
  const severity = item.severity.toUpperCase();
  switch (item.change) {
    case 'repeat':
      return `${severity} ${w.stillOpen}`;
    case 'flapping':
      return `${severity} ${w.flapping}`;
    case 'resolved':
      return w.resolved((item.previousSeverity ?? planned.severity).toUpperCase());
    case 'stable':
      return item.severity === 'ok' ? w.stableOk : severity;
    default:
      return severity;
  }
}

/** Fits `text` into `maxBytes`: English cut at a word, Japanese at a character, with an ellipsis. */
function fitBytes(text: string, maxBytes: number, language: Language): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = WORDS[language].ellipsis;
  let cut = truncateUtf8(text, maxBytes - Buffer.byteLength(ellipsis));
  if (language === 'en') {
    const space = cut.lastIndexOf(' ');
    if (space > cut.length / 2) cut = cut.slice(0, space);
  }
  return `${cut.replace(/[\s,:;、。]+$/, '')}${ellipsis}`;
}

/**
 * One SMS line of at most 140 UTF-8 bytes: severity and state, the target/check keys (as many as
 * fit, then "+N"), and the first words of the most urgent item's summary.
 */
export function smsText(planned: PlannedNotification, language: Language): string {
  const w = WORDS[language];
  const items = orderedItems(planned);
  const lead = items.find(needsAction) ?? items[0]!;
  const summary = lead.summary.replace(/\s+/g, ' ').trim();
  let head: string;
  let keys: string[];
  if (items.length === 1) {
    head = stateWords(lead, planned, language);
    keys = [lead.key];
  } else {
    const open = items.filter(needsAction).length;
    const counts = [open > 0 ? w.count(open, 'alert') : '', open < items.length ? w.count(items.length - open, 'resolved') : '']
      .filter(Boolean)
      .join(w.join);
    head = `${planned.severity.toUpperCase()} ${counts}`;
    keys = [lead.key, ...items.filter((item) => item !== lead).map((item) => item.key)];
  }
  // Keys take at most about half the line, so the summary always has room to say what is wrong.
  const keyBudget = Math.floor(SMS_MAX_BYTES / 2) - Buffer.byteLength(head);
  let listed = fitBytes(keys[0]!, Math.max(16, keyBudget), 'en');
  let shown = 1;
  for (const key of keys.slice(1)) {
    const rest = keys.length - shown - 1;
    const candidate = `${listed},${key}`;
    if (Buffer.byteLength(candidate) + (rest > 0 ? ` +${rest}`.length : 0) > keyBudget) break;
    listed = candidate;
    shown++;
  }
  if (shown < keys.length) listed += ` +${keys.length - shown}`;
  return fitBytes(`${head} ${listed}: ${summary}`, SMS_MAX_BYTES, language);
}
