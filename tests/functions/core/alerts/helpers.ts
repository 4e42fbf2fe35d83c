import type { Finding } from '../../../../functions/core/domain/finding.js';
import type { Severity } from '../../../../functions/core/domain/severity.js';
import { evaluate, type EvaluateResult } from '../../../../functions/core/alerts/evaluate.js';
import { emptyAlertState, type AlertState } from '../../../../functions/core/alerts/state.js';
import type { Config, ConfigInput } from '../../../../functions/kinds/config.js';
import { validateConfig } from '../../../../functions/kinds/config.js';

export const T0 = new Date('2026-11-23T02:00:00.000Z');

export function minutesAfter(minutes: number, from: Date = T0): Date {
  return new Date(from.getTime() + minutes * 60_000);
}

export function makeConfig(overrides: Partial<ConfigInput> = {}): Config {
  return validateConfig({
    targets: { mycats: {}, cafemuji: {}, shiojiri: {} },
    ...overrides,
  });
}

export function finding(
  target: string,
  check: string,
  severity: Severity,
  summary = severity === 'ok' ? '200 in 12 ms' : `${check} failed`,
): Finding {
  return { target, check, kind: 'http', severity, summary };
}

/** Runs the engine over a sequence of runs, feeding each result's state to the next. */
export function runSequence(
  config: Config,
  runs: ReadonlyArray<{ at: Date; findings: readonly Finding[] }>,
  state: AlertState = emptyAlertState(),
): EvaluateResult[] {
  const results: EvaluateResult[] = [];
  for (const run of runs) {
    const result = evaluate({ state, findings: run.findings, now: run.at, config, job: 'health' });
    results.push(result);
    state = result.state;
  }
  return results;
}

/** [topic, change, key] triples of one evaluation, for compact assertions. */
export function changesOf(result: EvaluateResult): Array<[string, string, string]> {
  return result.notifications.flatMap((n) => n.items.map((item) => [n.topic, item.change, item.key] as [string, string, string]));
}
