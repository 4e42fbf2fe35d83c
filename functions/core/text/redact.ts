export const REDACTED = '***';

/**
 * Removes secrets from text bound for logs, findings and alerts: the password part of any
 * postgres:// URL, and every occurrence of each given secret, raw and URL-encoded.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let result = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/gi, `$1${REDACTED}@`);
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) result = result.split(form).join(REDACTED);
  }
  return result;
}

/** Deep copy of plain data with every string (keys too) passed through `redact`. */
export function redactDeep<T>(value: T, secrets: ReadonlyArray<string | undefined>): T {
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k, secrets), redactDeep(v, secrets)])) as T;
  }
  return value;
}
