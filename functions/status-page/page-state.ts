import { z } from 'zod';
import type { Severity } from '../core/domain/severity.js';
import { STATUS_STATE_KEY } from '../core/layout.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import { type RetryOptions, updateDocument } from './history/conditional-update.js';
import { HistoryDocumentError } from './history/day-document.js';

/**
 * `state/status-page.json`: each probed check's severity and since when it has had it, and when the page was last
 * written. Every health run reads it (one small GET); it is written only when a check changed severity or the page
 * is an hour old, and then the page is regenerated.
 */
export const PAGE_STATE_VERSION = 1;
/** The page is regenerated at least this often, whatever changed. */
export const REGENERATE_EVERY_MS = 60 * 60 * 1000;
const FORGET_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

export interface CheckState {
  readonly severity: Severity;
  /** When the check took this severity (the first run that saw it). */
  readonly since: string;
  readonly lastAt: string;
}

export interface PageState {
  readonly version: typeof PAGE_STATE_VERSION;
  readonly generatedAt: string | null;
  readonly checks: Readonly<Record<string, CheckState>>;
}

const severity = z.enum(['ok', 'low', 'medium', 'high', 'critical']);
const pageStateSchema = z.object({
  version: z.literal(PAGE_STATE_VERSION),
  generatedAt: z.string().nullable(),
  checks: z.record(z.string(), z.object({ severity, since: z.string(), lastAt: z.string() })),
});

export function parsePageState(text: string): PageState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new HistoryDocumentError(`not JSON: ${(error as Error).message}`);
  }
  const parsed = pageStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HistoryDocumentError(`invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data as PageState;
}

export function emptyPageState(): PageState {
  return { version: PAGE_STATE_VERSION, generatedAt: null, checks: {} };
}

/** The stored page state; an empty one when there is none or it does not read (since-when is then unknown for a run). */
export async function readPageState(store: ObjectStore): Promise<{ state: PageState; problem?: string }> {
  const stored = await store.get(STATUS_STATE_KEY);
  if (!stored) return { state: emptyPageState() };
  try {
    return { state: parsePageState(stored.body.toString('utf8')) };
  } catch (error) {
    if (!(error instanceof HistoryDocumentError)) throw error;
    return { state: emptyPageState(), problem: `${STATUS_STATE_KEY}: ${error.message}: "since" times start again` };
  }
}

export interface SeenCheck {
  readonly key: string;
  readonly severity: Severity;
}

/** Checks whose severity this run saw change (or saw for the first time). */
export function changedChecks(state: PageState, seen: readonly SeenCheck[]): string[] {
  return seen.filter((c) => state.checks[c.key]?.severity !== c.severity).map((c) => c.key);
}

export function isDue(state: PageState, now: Date): boolean {
  return state.generatedAt === null || now.getTime() - Date.parse(state.generatedAt) >= REGENERATE_EVERY_MS;
}

/**
 * Records what a run saw and decides whether it regenerates the page: when a check changed severity or the page is
 * due. The claim (generatedAt) is written in the same conditional write, so of two overlapping runs that both find
 * the page due only one regenerates. Nothing is written when nothing changed and the page is fresh.
 */
export async function claimRegeneration(
  store: ObjectStore,
  seen: readonly SeenCheck[],
  now: Date,
  retry?: RetryOptions,
): Promise<{ regenerate: boolean; state: PageState; changed: string[]; damaged?: string }> {
  let regenerate = false;
  let changed: string[] = [];
  const at = now.toISOString();
  const result = await updateDocument<PageState>(
    store,
    {
      key: STATUS_STATE_KEY,
      parse: parsePageState,
      empty: emptyPageState,
      apply: (current, damaged) => {
        changed = changedChecks(current, seen);
        regenerate = changed.length > 0 || isDue(current, now) || damaged !== undefined;
        if (!regenerate) return undefined;
        // Checks no run has reported for a week are gone from the config (as the alert state drops them).
        const checks: Record<string, CheckState> = Object.fromEntries(
          Object.entries(current.checks).filter(([, c]) => now.getTime() - Date.parse(c.lastAt) <= FORGET_AFTER_MS),
        );
        for (const c of seen) {
          const before = checks[c.key];
          // A run older than what is stored (overlapping runs finish out of order) does not move "since" back.
          if (before && Date.parse(before.lastAt) > now.getTime()) continue;
          checks[c.key] = { severity: c.severity, since: before?.severity === c.severity ? before.since : at, lastAt: at };
        }
        return { version: PAGE_STATE_VERSION, generatedAt: at, checks };
      },
      serialize: (state) => JSON.stringify(state),
    },
    retry,
  );
  return {
    regenerate: regenerate && result.written,
    state: result.document,
    changed,
    ...(result.damaged ? { damaged: result.damaged } : {}),
  };
}
