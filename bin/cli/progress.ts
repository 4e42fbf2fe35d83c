import type { Activity } from '../../functions/core/run/activity.js';

/** Where the progress line goes: stderr, or a test's stand-in with the same members. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string | Uint8Array, ...rest: unknown[]): boolean;
}

export interface ProgressOptions {
  /** --json: stdout is a document and stderr is read by programs too; no progress at all. */
  readonly json: boolean;
  /** @default process.stderr */
  readonly stream?: ProgressStream;
  /** Quiet this long; a job done sooner shows nothing. @default 2000 */
  readonly afterMs?: number;
  /** How often the line is redrawn. @default 1000 */
  readonly everyMs?: number;
  /** @default performance.now */
  readonly now?: () => number;
}

export interface Progress {
  /** Given to the job; undefined when no progress is shown (not a terminal, or --json). */
  readonly activity?: Activity;
  /** Stops the line and clears it from the terminal. */
  stop(): void;
}

const CLEAR = '\r\u001b[K';
/** How many of the waits the line names before counting the rest. */
const NAMED = 3;

function seconds(ms: number): string {
  return ms < 60_000 ? `${Math.floor(ms / 1000)} s` : `${Math.floor(ms / 60_000)} min ${Math.floor((ms % 60_000) / 1000)} s`;
}

/**
 * A job's progress line on a terminal: silent for its first 2 s, then one line on stderr, redrawn each second, with the
 * time it has run and what it waits on, oldest first (`autopilot: security 6 s, waiting on the security script for
 * mycats (6 s)`). Anything else written to the stream meanwhile (a printed notice) clears the line first, so the two
 * never mix; the line is cleared when the job ends. Without a terminal, or with --json, there is no line at all and
 * the job is not even told to report (so nothing extra can reach a pipe, a cron mail or a JSON reader).
 */
export function progressFor(job: string, options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.json || !stream.isTTY) return { stop: () => undefined };
  const now = options.now ?? (() => performance.now());
  const afterMs = options.afterMs ?? 2000;
  const started = now();
  const waits = new Map<number, { what: string; since: number }>();
  let next = 0;
  let drawn = false;

  const write = stream.write;
  const raw = (text: string) => write.call(stream, text);
  // Whatever else is written while the line shows starts on a clean line.
  stream.write = (text: string | Uint8Array, ...rest: unknown[]) => {
    if (drawn) {
      raw(CLEAR);
      drawn = false;
    }
    return write.call(stream, text, ...rest);
  };

  const draw = () => {
    const at = now();
    if (at - started < afterMs) return;
    const oldest = [...waits.values()].sort((a, b) => a.since - b.since);
    const named = oldest.slice(0, NAMED).map((w) => `${w.what} (${seconds(at - w.since)})`);
    const more = oldest.length > NAMED ? ` and ${oldest.length - NAMED} more` : '';
    const on = oldest.length ? `waiting on ${named.join(', ')}${more}` : 'working';
    let line = `autopilot: ${job} ${seconds(at - started)}, ${on}`;
    // A pseudo-terminal without a size says 0 columns.
    const width = (stream.columns || 80) - 1;
    if (line.length > width) line = `${line.slice(0, Math.max(0, width - 1))}…`;
    raw(`${CLEAR}${line}`);
    drawn = true;
  };
  const timer = setInterval(draw, options.everyMs ?? 1000);
  timer.unref();

  return {
    activity: {
      begin(what) {
        const id = next++;
        waits.set(id, { what, since: now() });
        return () => void waits.delete(id);
      },
    },
    stop() {
      clearInterval(timer);
      stream.write = write;
      if (drawn) raw(CLEAR);
      drawn = false;
    },
  };
}
