import type { z } from 'zod';
import type { KindDefinition, MatrixCells, ProbedKindDefinition } from './kind.js';
import * as registry from './registry.js';

/** Every registered kind, as its own literal type. */
export type RegisteredKind = (typeof registry)[keyof typeof registry];
/** The `kind` of a finding: http, postgres, backup, ... */
export type KindName = RegisteredKind['name'];
/** The kinds the health job probes, as their own types (their schemas make the config's target arrays). */
export type ProbedKind = Extract<RegisteredKind, { readonly configKey: string }>;
/** A probed kind with its check type erased, for code that walks all of them. */
export type AnyProbedKind = ProbedKindDefinition<string, string, string, z.ZodType, unknown>;

type RulesOf<K> = K extends { readonly name: infer N extends string; readonly matrix: infer M }
  ? `${N}.${Extract<keyof M, string>}`
  : never;
/** A cell row of the default severity matrix: `<kind>.<rule>`, e.g. `http.availability`. */
export type MatrixRule = RulesOf<RegisteredKind>;

function isProbed(kind: KindDefinition): kind is AnyProbedKind {
  return 'configKey' in kind;
}

/**
 * All kinds, ordered by name: the order of a target's checks in a health run's findings (HTTP,
 * then PostgreSQL, then TCP) and of the target config's arrays. Sorted here rather than relying
 * on the order of a module namespace's keys, which a bundler need not keep.
 */
export const KINDS: readonly RegisteredKind[] = Object.values(registry).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** The kind names, as the alert state's schema and the JSON report's `kind` take them. */
export const KIND_NAMES = KINDS.map((kind) => kind.name) as [KindName, ...KindName[]];

export const PROBED_KINDS: readonly AnyProbedKind[] = (KINDS as readonly KindDefinition[]).filter(isProbed);

export function kindNamed(name: string): RegisteredKind | undefined {
  return KINDS.find((kind) => kind.name === name);
}

/** The default severity matrix (CONTRACT section 4), each kind's rows under `<kind>.<rule>`. */
export function matrixOfKinds(): Readonly<Record<MatrixRule, MatrixCells>> {
  const rows: Record<string, MatrixCells> = {};
  for (const kind of KINDS) for (const [rule, cells] of Object.entries<MatrixCells>(kind.matrix)) rows[`${kind.name}.${rule}`] = cells;
  return rows as Record<MatrixRule, MatrixCells>;
}

/** One configured check of a probed kind, with where it sits in the config. */
export interface ConfiguredCheck {
  readonly target: string;
  readonly kind: AnyProbedKind;
  /** The parsed check, of `kind`'s own type. */
  readonly check: unknown;
  /** Index in the target's `<configKey>` array. */
  readonly index: number;
  /** `targets.mycats.health[0]`: for messages naming the field. */
  readonly path: string;
  /** Its check name (CONTRACT section 2). */
  readonly name: string;
}

/** The probed checks of one target, kind by kind in KINDS order, each kind's in config order. */
export function checksOfTarget(target: string, config: object): ConfiguredCheck[] {
  const arrays = config as Readonly<Record<string, readonly unknown[] | undefined>>;
  return PROBED_KINDS.flatMap((kind) =>
    (arrays[kind.configKey] ?? []).map((check, index) => ({
      target,
      kind,
      check,
      index,
      path: `targets.${target}.${kind.configKey}[${index}]`,
      name: kind.checkName(check),
    })),
  );
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
