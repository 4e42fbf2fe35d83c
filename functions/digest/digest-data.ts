import type { AlertEntry, AlertState } from '../core/alerts/state.js';
import type { Severity } from '../core/domain/severity.js';
import type { Config } from '../kinds/config.js';

/** One verified backup as its manifest describes it. */
export interface BackupRecord {
  readonly target: string;
  readonly database: string;
  readonly finishedAt: string;
  readonly sizeBytes: number;
  readonly key: string;
}

/** What yesterday's digest saw, to say what changed since. */
export interface DigestSnapshot {
  readonly localDate: string;
  readonly sentAt: string;
  readonly checks: Readonly<Record<string, { readonly severity: Severity; readonly summary: string }>>;
  /** What this snapshot's digest compared with, so a second digest the same day compares with it too. */
  readonly baseline?: Omit<DigestSnapshot, 'baseline'>;
}

export interface DigestInput {
  readonly now: Date;
  /** The alert state of each job: each check's latest severity, summary and open alert. */
  readonly states: readonly AlertState[];
  /** Jobs whose alert state could not be read: the digest says so instead of counting their alerts as none. */
  readonly unreadable?: readonly string[];
  /** Verified backups of the last days, any order. */
  readonly backups: readonly BackupRecord[];
  readonly previous?: DigestSnapshot;
  /** The digest covers only these targets (the input is narrowed to them already); it says so. */
  readonly only?: readonly string[];
}

/** Every check any job has seen, keyed `${target}/${check}`; a later-seen entry wins. */
export function currentChecks(states: readonly AlertState[]): Map<string, AlertEntry> {
  const checks = new Map<string, AlertEntry>();
  for (const state of states) {
    for (const [key, entry] of Object.entries(state.entries)) {
      const seen = checks.get(key);
      if (!seen || Date.parse(entry.lastSeenAt) > Date.parse(seen.lastSeenAt)) checks.set(key, entry);
    }
  }
  return checks;
}

export function snapshotOf(checks: Map<string, AlertEntry>, now: Date, localDate: string): DigestSnapshot {
  return {
    localDate,
    sentAt: now.toISOString(),
    checks: Object.fromEntries([...checks].map(([key, e]) => [key, { severity: e.severity, summary: e.summary }])),
  };
}

/** What the digest reads of the config. */
export type DigestConfig = Pick<Config, 'language' | 'timezone' | 'severities' | 'targets'>;
