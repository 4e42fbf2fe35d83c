import { z } from 'zod';
import type { CheckKind, Finding } from '../core/domain/finding.js';
import type { Level, Severity } from '../core/domain/severity.js';
import type { HostResult } from '../remote/port.js';
import type { MatrixRule } from '../kinds/catalog.js';
import { classifyRule } from '../kinds/catalog.js';

/** The scripts keep their JSON line under this, so SSM's shortest output cap still holds it whole. */
export const JSON_LINE_LIMIT = 2500;

/** A check that could not run (a tool is missing, a log is unreadable): not a pass, not an incident. */
export const UNKNOWN_SEVERITY: Severity = 'low';

export type JsonLine = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** The first line of stdout that starts with `{`, parsed. A cut line is reported as truncated. */
export function readJsonLine(stdout: string, truncated = false): JsonLine {
  const lines = stdout.replace(/^\uFEFF/, '').split('\n');
  const index = lines.findIndex((line) => line.trimStart().startsWith('{'));
  if (index < 0) return { ok: false, reason: stdout.trim() ? 'no JSON line in the output' : 'empty output' };
  const line = lines[index]!.trim();
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch {
    // Cut at the transport's cap: nothing follows, or only the service's own "Output truncated" note.
    const cut = truncated || index === lines.length - 1 || /output truncated/i.test(lines[index + 1] ?? '');
    return cut
      ? { ok: false, reason: `output truncated inside the JSON line (${line.length} characters arrived)` }
      : { ok: false, reason: `unparsable JSON line: ${line.slice(0, 80)}` };
  }
}

/** Parameters a script refused, as every script reports them. */
export const invalidParams = z.array(z.object({ param: z.string(), value: z.string() })).optional();

/** The line a script prints when it cannot run at all (no parameters from the agent, no bash). */
export const errorOutput = z.object({ v: z.literal(1), error: z.string(), host: z.string().optional() });

export function levelOf(value: number | null | undefined, warning: number | undefined, critical: number | undefined): Level {
  if (value === null || value === undefined) return 'ok';
  if (critical !== undefined && value >= critical) return 'critical';
  if (warning !== undefined && value >= warning) return 'warning';
  return 'ok';
}

export function worse(a: Level, b: Level): Level {
  const order: Level[] = ['ok', 'warning', 'critical'];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

/** At most five items, then how many more. */
export function list(items: readonly (string | number)[], total = items.length): string {
  const shown = items.slice(0, 5).join(', ');
  return total > 5 ? `${shown} and ${total - 5} more` : shown;
}

/** Builds the findings of one host, naming every check `<host>/<check>` so several servers never share an alert key. */
export class HostFindings {
  readonly findings: Finding[] = [];
  readonly label: string;

  constructor(
    readonly target: string,
    readonly result: Pick<HostResult, 'host' | 'name'>,
  ) {
    this.label = result.name && result.name !== result.host ? `${result.name} (${result.host})` : result.host;
  }

  add(check: string, kind: CheckKind, severity: Severity, summary: string, observed: Record<string, unknown> = {}): void {
    this.findings.push({
      target: this.target,
      check: `${this.result.host}/${check}`,
      kind,
      severity,
      summary: `${this.label}: ${summary}`,
      observed: { host: this.result.host, ...(this.result.name ? { name: this.result.name } : {}), ...observed },
    });
  }

  rated(check: string, kind: CheckKind, rule: MatrixRule, level: Level, summary: string, observed?: Record<string, unknown>): void {
    this.add(check, kind, classifyRule(rule, level), summary, observed);
  }
}
