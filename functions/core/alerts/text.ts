import type { CoreConfig } from '../config/schema.js';

/** SNS caps a published message at 262144 bytes, counting subject, message and attributes together. */
export const SNS_MESSAGE_LIMIT = 262_144;
/** What a plain-text body (the digest) may use of it, leaving room for subject and attributes. */
export const MESSAGE_BYTE_CAP = 250_000;
/** SNS subjects: printable ASCII, under 100 characters. */
export const SUBJECT_MAX_LENGTH = 99;

export type Language = CoreConfig['language'];

const UNITS = [
  { ms: 604_800_000, en: 'week', ja: '週間' },
  { ms: 86_400_000, en: 'day', ja: '日' },
  { ms: 3_600_000, en: 'hour', ja: '時間' },
  { ms: 60_000, en: 'minute', ja: '分' },
  { ms: 1_000, en: 'second', ja: '秒' },
] as const;

/** "1 hour 30 minutes" / "1時間30分": the two largest units of a span. */
export function spanText(ms: number, language: Language): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms / 1_000) * 1_000);
  for (const unit of UNITS) {
    const count = Math.floor(rest / unit.ms);
    if (count > 0) {
      parts.push(language === 'ja' ? `${count}${unit.ja}` : `${count} ${unit.en}${count === 1 ? '' : 's'}`);
      rest -= count * unit.ms;
    }
    if (parts.length === 2) break;
  }
  if (parts.length === 0) return language === 'ja' ? '0秒' : '0 seconds';
  return parts.join(language === 'ja' ? '' : ' ');
}

/** Printable ASCII only (SNS subjects): other characters are dropped, whitespace collapsed. */
export function asciiOnly(text: string): string {
  return text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\(\s*\)|\[\s*\]|\{\s*\}/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[\s:;,.-]+|[\s:;,-]+$/g, '');
}

/** At most `max` characters (code points), the last of them `ellipsis` when cut. */
export function truncateChars(text: string, max: number, ellipsis: string): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, Math.max(0, max - [...ellipsis].length)).join('') + ellipsis;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes on a character boundary. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text);
}
