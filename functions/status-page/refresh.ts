import { randomUUID } from 'node:crypto';
import { durationMs } from '../core/config/duration.js';
import type { Finding } from '../core/domain/finding.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import { observedNumber } from '../core/kinds/contract.js';
import { configuredChecks } from '../kinds/catalog.js';
import type { Config } from '../kinds/config.js';
import { generateStatusPages, writeStatusPages } from './generate.js';
import type { Observation } from './history/day-document.js';
import { recordHistory } from './history/record-history.js';
import { claimRegeneration } from './page-state.js';

/** The probed checks of a run as history observations (backup freshness and other findings have no place in it). */
export function observationsOf(config: Config, findings: readonly Finding[]): Observation[] {
  const every = new Map(configuredChecks(config).map((c) => [`${c.target}/${c.name}`, durationMs(c.kind.plan(c.check).every) / 1000]));
  return findings.flatMap((f) => {
    const everySeconds = every.get(`${f.target}/${f.check}`);
    if (everySeconds === undefined) return [];
    const responseMs = observedNumber(f, 'responseTimeMs', 'connectMs');
    return [
      {
        key: `${f.target}/${f.check}`,
        kind: f.kind,
        severity: f.severity,
        everySeconds,
        ...(responseMs !== undefined ? { responseMs } : {}),
      },
    ];
  });
}

export interface AfterHealthRunInput {
  readonly store: ObjectStore;
  readonly config: Config;
  readonly findings: readonly Finding[];
  /** When the run started: the hour and day its observations count in. */
  readonly at: Date;
  /** The history group (historyGroup()). */
  readonly group: string;
  readonly now?: () => Date;
  readonly runId?: string;
}

/**
 * After a health run: its observations go into the day's history (one read and one conditional write), then the
 * page is regenerated if a check changed severity or the page is an hour old (one small read otherwise). Faults here
 * never fail the run: they come back as warnings for its report, and the next run tries again.
 */
export async function afterHealthRun(input: AfterHealthRunInput): Promise<string[]> {
  const { store, config, findings, at, group } = input;
  const now = input.now ?? (() => new Date());
  const observations = observationsOf(config, findings);
  const warnings: string[] = [];
  try {
    const recorded = await recordHistory({
      store,
      group,
      runId: input.runId ?? randomUUID(),
      at,
      timeZone: config.timezone,
      observations,
    });
    warnings.push(...recorded.warnings);
  } catch (error) {
    warnings.push(`status page history not recorded in ${store.location}: ${(error as Error).message}`);
  }
  try {
    const claim = await claimRegeneration(store, observations, now());
    if (claim.damaged) warnings.push(`status page state in ${store.location}: ${claim.damaged}; started again`);
    if (claim.regenerate) await writeStatusPages(store, await generateStatusPages(store, config, now()));
  } catch (error) {
    warnings.push(`status page not regenerated in ${store.location}: ${(error as Error).message}`);
  }
  return warnings;
}
