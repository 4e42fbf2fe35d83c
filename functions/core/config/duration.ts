const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

export type Duration = `${number}${keyof typeof UNIT_MS}`;

export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/**
 * The longest duration a config may give anywhere: a year. Past it a value is a typo ("9999w"), or big enough to
 * lose precision; timeouts have their own, tighter cap (MAX_TIMEOUT).
 */
export const MAX_DURATION = '365d';
export const MAX_DURATION_MS = 365 * UNIT_MS.d;
/**
 * The longest timeout of one check: a Lambda function runs at most 15 minutes. It also keeps every timer far below
 * Node's limit of 2^31-1 ms (about 24.8 days), past which a timer fires at once: a "25d" timeout was a timeout
 * after 1 ms, a CRITICAL on a healthy endpoint.
 */
export const MAX_TIMEOUT = '15m';
export const MAX_TIMEOUT_MS = 15 * UNIT_MS.m;

/** Parses "500ms", "10s", "26h", "1w" into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** What is wrong with a config duration (malformed, zero or under 1 ms, over MAX_DURATION), or undefined. */
export function durationProblem(text: string): string | undefined {
  const ms = DURATION_PATTERN.test(text) ? parseDuration(text) : undefined;
  if (ms === undefined) return 'invalid duration (use a number and ms, s, m, h, d or w, e.g. "10s")';
  if (ms <= 0) return `invalid duration "${text}": must be greater than 0`;
  // Timers count whole milliseconds: "0.0001ms" would be a timeout of 0, every answer too slow.
  if (ms < 1) return `invalid duration "${text}": must be at least 1ms`;
  if (ms > MAX_DURATION_MS) return `invalid duration "${text}": must be at most ${MAX_DURATION}`;
  return undefined;
}

export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`invalid duration: ${text}`);
  return ms;
}

/** Human text for a span, largest whole unit first: 90 min -> "1h 30m". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
