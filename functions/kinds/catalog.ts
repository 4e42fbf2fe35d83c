import type { MatrixRow } from '../core/kinds/contract.js';
import {
  type AnyProbedKind,
  byName,
  type ConfiguredCheck,
  checksOfTarget as checksOfTargetIn,
  isProbed,
  matrixOf,
} from '../core/kinds/catalog.js';
import type { DashboardValues } from '../core/observability/finding-log.js';
import { classify, type Level, type Severity, type SeverityOverride } from '../core/domain/severity.js';
import type { Finding } from '../core/domain/finding.js';
import * as registry from './registry.js';

/*
 * The registered kinds (registry.ts), and every list derived from them: the kinds layer's composition root. Core's
 * builders get the kinds from here (the config schema in ./config.ts, the matrix below); jobs, constructs and the CLI
 * read kinds only through this module.
 */

export type { AnyProbedKind, ConfiguredCheck };

/** Every registered kind, as its own literal type. */
export type RegisteredKind = (typeof registry)[keyof typeof registry];
/** The `kind` of a finding: http, postgres, backup, ... */
export type KindName = RegisteredKind['name'];
/** The kinds the health job probes, as their own types (their schemas make the config's target arrays). */
export type ProbedKind = Extract<RegisteredKind, { readonly configKey: string }>;

type RulesOf<K> = K extends { readonly name: infer N extends string; readonly matrix: infer M }
  ? `${N}.${Extract<keyof M, string>}`
  : never;
/** A row of the default severity matrix: `<kind>.<rule>`, e.g. `http.availability`. */
export type MatrixRule = RulesOf<RegisteredKind>;

/**
 * All kinds, ordered by name: the order of a target's checks in a health run's findings (HTTP, then PostgreSQL, then
 * TCP) and of the target config's arrays. Sorted rather than relying on a module namespace's key order, which a
 * bundler need not keep.
 */
export const KINDS: readonly RegisteredKind[] = byName(Object.values(registry));

/** The kind names, as the JSON report's `kind` takes them. */
export const KIND_NAMES = KINDS.map((kind) => kind.name) as [KindName, ...KindName[]];

/** The probed kinds, by name, as their own types. */
export const PROBED_KIND_LIST = KINDS.filter(isProbed) as ProbedKind[];
export const PROBED_KINDS: readonly AnyProbedKind[] = PROBED_KIND_LIST;

export function kindNamed(name: string): RegisteredKind | undefined {
  return KINDS.find((kind) => kind.name === name);
}

/** The default severity matrix: each kind's rows under `<kind>.<rule>`. */
export const DEFAULT_MATRIX = matrixOf(KINDS) as Readonly<Record<MatrixRule, MatrixRow>>;

/** The severity of an observation by a row of the default matrix (a job's own findings: `backup.failed`, ...). */
export function classifyRule(rule: MatrixRule, level: Level, override?: SeverityOverride): Severity {
  return classify(DEFAULT_MATRIX[rule], level, override);
}

/** A finding's measured values for its dashboard log line, by its kind. */
export function dashboardValuesOf(finding: Finding): DashboardValues | undefined {
  const kind = kindNamed(finding.kind) as { dashboardValues?(f: Finding): DashboardValues } | undefined;
  return kind?.dashboardValues?.(finding);
}

/** The probed checks of one target, kind by kind in KINDS order, each kind's in config order. */
export function checksOfTarget(target: string, config: object): ConfiguredCheck[] {
  return checksOfTargetIn(target, config, PROBED_KINDS);
}

/** The probed checks of every target (or of `only`), targets in config order. */
export function configuredChecks(
  config: { readonly targets: Readonly<Record<string, object>> },
  only?: readonly string[],
): ConfiguredCheck[] {
  return Object.entries(config.targets)
    .filter(([target]) => only === undefined || only.includes(target))
    .flatMap(([target, t]) => checksOfTarget(target, t));
}
