import type { z } from 'zod';
import type { Finding } from '../domain/finding.js';
import type { AlertSeverity } from '../domain/severity.js';
import type { DashboardValues } from '../observability/finding-log.js';
import type { SecretResolver } from '../ports/secrets.js';

/**
 * What a check kind is, in one place (Gatus' "one uniform result per endpoint kind"). Core defines the contract; each
 * kind is a folder under functions/kinds/ whose kind.ts exports `kind`, listed by one line in functions/kinds/registry.ts.
 * Core never imports a kind: the kinds layer's catalog (functions/kinds/catalog.ts) passes the registered kinds to the
 * builders here and in core/config (the config schema, the severity matrix), so core compiles without any kind.
 *
 * A kind.ts stays free of runtime imports of its probe (loaded on first use through lazyModule): the CDK app reads
 * every kind without loading pg or node:tls.
 */

/** What a warning-level and a critical-level breach become. */
export interface MatrixCells {
  readonly warning?: AlertSeverity;
  readonly critical?: AlertSeverity;
}

/** One row of the default severity matrix: its cells, and what breaks the rule, as the docs' matrix table says it. */
export interface MatrixRow extends MatrixCells {
  /** "no answer, timeout, TLS error, ...": the observations the rule judges, in a few words (`npm run docs` prints it). */
  readonly description: string;
}

/** A kind's rows of the default severity matrix, by rule (functions/kinds/<kind>/matrix.ts). */
export type KindMatrix<Rule extends string = string> = { readonly [R in Rule]: MatrixRow };

/** Keeps a matrix's rule names literal, so a probe's aspects can only name rows that exist. */
export function defineMatrix<const Rule extends string>(matrix: KindMatrix<Rule>): KindMatrix<Rule> {
  return matrix;
}

/** A kind some job produces findings of (backup, disk, security, server): a name, matrix rows, dashboard values. */
export interface KindDefinition<Name extends string = string, Rule extends string = string> {
  readonly name: Name;
  /** Its rows of the default severity matrix, by rule; `<name>.<rule>` in the catalog's DEFAULT_MATRIX. */
  readonly matrix: KindMatrix<Rule>;
  /** The measured values one finding of this kind puts on its dashboard log line (none by default). */
  dashboardValues?(finding: Finding): DashboardValues;
}

/** What a probe gets besides its check. */
export interface ProbeContext {
  readonly target: string;
  readonly secrets: SecretResolver;
  /** Stops the probe early (the health job's deadline). */
  readonly signal?: AbortSignal;
  /** Trusted CA replacing Node's store; only tests and benches with self-signed loopback servers set it. */
  readonly ca?: string | Buffer;
}

/** A path under the check (`['checks', 'connections', 'warning']`) and what is wrong there. */
export type IssueReporter = (path: readonly (string | number)[], message: string) => void;

/** What a check's cross-field rules may know of the rest of the config. */
export interface CheckRulesContext {
  /** The config sets the top-level `network` (a VPC the functions can run in). */
  readonly network: boolean;
}

/**
 * How AWS's own services would watch the same check, for the cost comparison (scripts/cost): CloudWatch Synthetics can
 * script a canary for any check; Route 53 health checks only open HTTP(S) or TCP connections.
 */
export interface CostProfile {
  /** The Route 53 health check type nearest to this check, or null where Route 53 has none (a DNS answer, say). */
  readonly route53: 'http' | 'tcp' | null;
  readonly https: boolean;
  readonly stringMatch: boolean;
  /** The check judges response time: a second alarm (on the canary's Duration, or Route 53's latency). */
  readonly latency: boolean;
}

/**
 * A kind the health job probes: configured as `targets.<t>.<configKey>[]`, planned onto the
 * health schedules by its `every`, probed into exactly one Finding per check per run.
 * Methods (not function-valued properties) so a kind's own check type reads where any kind is listed.
 */
export interface ProbedKindDefinition<
  Name extends string = string,
  Rule extends string = string,
  Key extends string = string,
  Schema extends z.ZodType = z.ZodType,
  Check = z.output<Schema>,
> extends KindDefinition<Name, Rule> {
  /** The target's config array: `targets.<t>.<configKey>[]`. */
  readonly configKey: Key;
  /** One element of that array; its defaults fill the check the methods below get. */
  readonly schema: Schema;
  /** What people read in summaries and on the dashboard: "HTTP", "PostgreSQL". */
  readonly label: string;
  /** The cell a probe that throws instead of returning a finding is judged by (at the critical level). */
  readonly failureRule: NoInfer<Rule>;
  /** The check name of the report: `name`, or one derived from the check. */
  checkName(check: Check): string;
  /** How it is planned onto the health schedules: its interval, and its timeout for the function's budget. */
  plan(check: Check): { readonly every: string; readonly timeout: string };
  /** One probe, one finding; failures are findings too. */
  probe(check: Check, context: ProbeContext): Promise<Finding>;
  /** Rules across fields the schema cannot say, reported under the check's path. */
  validate?(check: Check, issue: IssueReporter, context: CheckRulesContext): void;
  /**
   * The database this check backs up, when it does: the health job reports that backup's freshness as a check of its
   * own, `<database>.backup-age`, so that name is taken in the target.
   */
  backedUpDatabase?(check: Check): string | undefined;
  /**
   * Values that must not be deployed in clear (a password, a credential header, credentials in a URL): the deployed
   * config is bundled into the functions' code. One issue each, under the check's path.
   */
  deploymentSecretIssues?(check: Check, issue: IssueReporter): void;
  cost(check: Check): CostProfile;
}

/** Keeps the literal name and rule names, so the catalog's MatrixRule type names every row. */
export function defineKind<const Name extends string, const Rule extends string>(
  kind: KindDefinition<Name, Rule>,
): KindDefinition<Name, Rule> {
  return kind;
}

export function defineProbedKind<const Name extends string, const Rule extends string, const Key extends string, Schema extends z.ZodType>(
  kind: ProbedKindDefinition<Name, Rule, Key, Schema>,
): ProbedKindDefinition<Name, Rule, Key, Schema> {
  return kind;
}

/**
 * A module loaded on first use and kept: how a kind.ts reaches its probe without importing it
 * (see the top of this file). One import per process, not one per probe: a dynamic import costs
 * a resolution each time under some loaders, and 500 probes start within half a second.
 */
export function lazyModule<M>(load: () => Promise<M>): () => Promise<M> {
  let loaded: Promise<M> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

/** A finite number from `observed`, or undefined (a string, NaN or nothing adds no datapoint). */
export function observedNumber(finding: Finding, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = finding.observed?.[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}
