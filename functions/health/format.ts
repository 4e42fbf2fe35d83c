/** "850 ms" under a second, "3.2 s" above: the unit people read in alert summaries. */
export function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1_000).toFixed(1))} s`;
}

/**
 * A value as it appears in a summary: strings quoted, long ones shortened. The value may come from a server's JSON:
 * one nested thousands of levels deep overflows JSON.stringify's stack, and is shown by its opening bracket.
 */
export function quote(value: unknown, max = 60): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Array.isArray(value) ? '[…]' : '{…}';
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Milliseconds kept to a tenth, enough for timing and short in JSON. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}
