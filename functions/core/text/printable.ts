/** Longest line of an error message kept whole; a 100,000-character key name is cut to this, with its length. */
export const MAX_MESSAGE_LINE = 400;

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Text from a config or a thrown value, made fit for one line of a terminal, a cron mail or a CI log: control
 * characters escaped as in JSON (`\n`, `\u001b`), so a key holding a newline or an escape sequence can neither
 * split the line nor drive the terminal, and cut when longer than `max`.
 */
export function printable(text: string, max = MAX_MESSAGE_LINE): string {
  const escaped = text.replace(CONTROL, (c) => JSON.stringify(c).slice(1, -1));
  return escaped.length > max ? `${escaped.slice(0, max)}… (${escaped.length} characters)` : escaped;
}

/** Longest finding summary: a line of a mail, a card, a log line; what a server said beyond it is noise or an attack. */
export const MAX_SUMMARY = 1_000;

/**
 * A finding's summary as one plain line: it quotes what servers said (a database's error text, OpenSSL's messages
 * with their newlines), and goes to terminals, e-mail subjects, SMS and chat. Line breaks, tabs and other control
 * characters become spaces, so nothing can split the line or send an escape sequence, and it is cut at `max`.
 */
export function summaryLine(text: string, max = MAX_SUMMARY): string {
  const plain = text.replace(CONTROL, ' ').replace(/ {2,}/g, ' ').trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}
