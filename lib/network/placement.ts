import { backedUpEntries, type BackedUpEntry } from '../../functions/backup/boundary.js';
import { checkNameOf } from '../../functions/core/config/schema.js';
import type { Config, PostgresConfig } from '../../functions/kinds/config.js';

/** Where a database is reached from: inside the configured VPC, or over the internet. */
export function databaseNetwork(config: Pick<Config, 'network'>, db: Pick<PostgresConfig, 'network'>): 'vpc' | 'public' {
  if (!config.network) return 'public';
  return db.network ?? 'vpc';
}

/**
 * The health config split by where its checks must run. `outside`: every HTTP check and the
 * public databases (no NAT needed for public URLs); `vpc`: the VPC databases only, or undefined
 * when there are none. Every target stays in both, so target filters keep working.
 */
export function splitHealthConfig(config: Config): { outside: Config; vpc: Config | undefined } {
  if (!config.network) return { outside: config, vpc: undefined };
  const outside: Config['targets'] = {};
  const vpc: Config['targets'] = {};
  let vpcDatabases = 0;
  for (const [name, target] of Object.entries(config.targets)) {
    const inVpc = (target.postgres ?? []).filter((db) => databaseNetwork(config, db) === 'vpc');
    const outsideDbs = (target.postgres ?? []).filter((db) => databaseNetwork(config, db) === 'public');
    vpcDatabases += inVpc.length;
    outside[name] = { ...target, postgres: outsideDbs };
    vpc[name] = { postgres: inVpc };
  }
  return { outside: { ...config, targets: outside }, vpc: vpcDatabases ? { ...config, targets: vpc } : undefined };
}

/**
 * The AWS APIs called from inside the VPC, as interface endpoint services: SNS always (alerts),
 * SSM for password parameters, Secrets
 * Manager for secrets, and ECR (API and registry) plus CloudWatch Logs for Fargate tasks, which
 * pull the image and ship logs from inside the VPC. S3 goes through the gateway endpoint; KMS
 * is not called directly (SSM, Secrets Manager and SNS decrypt and encrypt on the caller's
 * behalf), nor is STS (Lambda and ECS hand the role's credentials over); IAM auth tokens are
 * signed locally; Lambda ships its own logs from outside the VPC.
 */
export function endpointServicesFor(config: Config): Array<'ssm' | 'secretsmanager' | 'sns' | 'ecr.api' | 'ecr.dkr' | 'logs'> {
  if (!config.network) return [];
  const services = new Set<'ssm' | 'secretsmanager' | 'sns' | 'ecr.api' | 'ecr.dkr' | 'logs'>(['sns']);
  const vpcDatabases = Object.values(config.targets).flatMap((t) =>
    (t.postgres ?? []).filter((db) => databaseNetwork(config, db) === 'vpc'),
  );
  for (const db of vpcDatabases) {
    if (db.passwordParameter) services.add('ssm');
    if (db.secret) services.add('secretsmanager');
    if (db.backup?.runOn === 'fargate') for (const s of ['ecr.api', 'ecr.dkr', 'logs'] as const) services.add(s);
  }
  // SSM-run backups (via "ssm") are started by the backup function outside the VPC (splitBackups): no endpoint for them.
  return [...services].sort();
}

/** The ports of the databases reached from inside the VPC. */
export function vpcDatabasePorts(config: Config): number[] {
  return [
    ...new Set(
      Object.values(config.targets).flatMap((t) =>
        (t.postgres ?? []).filter((db) => databaseNetwork(config, db) === 'vpc').map((db) => db.port),
      ),
    ),
  ].sort((a, b) => a - b);
}

/**
 * Who dumps each backed-up database, as `splitHealthConfig` splits the probes: `vpc`, a backup
 * function inside the VPC, for the VPC databases it dumps itself (via "lambda"); `fargate`, ECS
 * tasks in the VPC, for `runOn: "fargate"`; `outside`, a backup function outside the VPC, for the
 * public databases and everything backed up through SSM (it only calls the SSM and S3 APIs, which
 * need no NAT from outside). Without `network`, everything but Fargate is `outside`.
 */
export function splitBackups(config: Config): { outside: BackedUpEntry[]; vpc: BackedUpEntry[]; fargate: BackedUpEntry[] } {
  const split = { outside: [] as BackedUpEntry[], vpc: [] as BackedUpEntry[], fargate: [] as BackedUpEntry[] };
  for (const entry of backedUpEntries(config)) {
    if (entry.backup.runOn === 'fargate') split.fargate.push(entry);
    else if (entry.kind === 'postgres' && entry.backup.via === 'lambda' && databaseNetwork(config, entry.postgres) === 'vpc') {
      split.vpc.push(entry);
    } else split.outside.push(entry);
  }
  return split;
}

/**
 * The config one backup runner is built with: every other database's `backup` left out, so its
 * "back up everything" (a console test event, `autopilot invoke backup`) runs exactly its own
 * databases, and its bundle names no other's. Health checks and targets stay as they are.
 */
export function backupConfigOf(config: Config, entries: readonly BackedUpEntry[]): Config {
  const mine = new Set(entries.map((e) => `${e.kind}\u0000${e.target}\u0000${e.database}`));
  const keep = (kind: string, target: string, database: string) => mine.has(`${kind}\u0000${target}\u0000${database}`);
  const targets: Config['targets'] = {};
  for (const [name, target] of Object.entries(config.targets)) {
    targets[name] = {
      ...target,
      ...(target.postgres
        ? {
            postgres: target.postgres.map((p) => (p.backup && !keep('postgres', name, checkNameOf(p)) ? withoutBackup(p) : p)),
          }
        : {}),
      ...(target.sqlite ? { sqlite: target.sqlite.map((s) => (s.backup && !keep('sqlite', name, s.name) ? withoutBackup(s) : s)) } : {}),
    };
  }
  return { ...config, targets };
}

function withoutBackup<T extends { backup?: unknown }>(entry: T): T {
  const { backup: _, ...rest } = entry;
  return rest as T;
}
