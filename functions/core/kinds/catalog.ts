import type { z } from 'zod';
import type { KindDefinition, MatrixRow, ProbedKindDefinition } from './contract.js';

/*
 * What every list of kinds is derived with, given the kinds: core holds the derivations, the kinds layer's catalog
 * (functions/kinds/catalog.ts) applies them to the registered kinds.
 */

/** A probed kind with its check type erased, for code that walks all of them. */
export type AnyProbedKind = ProbedKindDefinition<string, string, string, z.ZodType, unknown>;

export function isProbed(kind: KindDefinition): kind is AnyProbedKind {
  return 'configKey' in kind;
}

/** Orders kinds by name: the order of a target's checks in a run's findings and of the target config's arrays. */
export function byName<K extends { readonly name: string }>(kinds: Iterable<K>): K[] {
  return [...kinds].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The default severity matrix of the given kinds, each kind's rows under `<kind>.<rule>`. */
export function matrixOf(kinds: readonly KindDefinition[]): Readonly<Record<string, MatrixRow>> {
  const rows: Record<string, MatrixRow> = {};
  for (const kind of kinds) for (const [rule, cells] of Object.entries<MatrixRow>(kind.matrix)) rows[`${kind.name}.${rule}`] = cells;
  return rows;
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
  /** Its check name in the report. */
  readonly name: string;
}

/** The probed checks of one target, kind by kind in the order given, each kind's in config order. */
export function checksOfTarget(target: string, config: object, kinds: readonly AnyProbedKind[]): ConfiguredCheck[] {
  const arrays = config as Readonly<Record<string, readonly unknown[] | undefined>>;
  return kinds.flatMap((kind) =>
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
