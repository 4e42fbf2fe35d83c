export const REDACTED = '***';

/**
 * Secrets this long or longer are masked wherever they occur, even inside other text. A shorter one (`PGPASSWORD=x`)
 * occurs by chance in nearly any text (`mycats-db.e***ample`): it is masked only where it stands as a value of its
 * own, so it is still never printed as one and nothing that merely contains it is mangled.
 */
export const MASK_ANYWHERE_LENGTH = 4;

/**
 * A short secret standing alone: not inside a word, a host name or a dotted or hyphenated name (`x` in `x.example`
 * or `db-x` is part of a name; in `password x`, `pw=x`, `"x"` or `:x@` it is a value).
 */
function standingAlone(secret: string): RegExp {
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9_.-])${escaped}(?![A-Za-z0-9_-]|[.][A-Za-z0-9_-])`, 'g');
}

/**
 * Removes secrets from text bound for logs, findings and alerts: the password part of any postgres:// URL, and each
 * given secret, raw and URL-encoded (anywhere when it is at least MASK_ANYWHERE_LENGTH characters long, else where it
 * stands as a value of its own).
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let result = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/gi, `$1${REDACTED}@`);
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      result = form.length >= MASK_ANYWHERE_LENGTH ? result.split(form).join(REDACTED) : result.replace(standingAlone(form), REDACTED);
    }
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
